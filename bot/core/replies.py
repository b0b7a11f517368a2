"""Neutral replies: what handlers return and adapters render natively.

A reply is text in the small markup subset of ``bot.core.markup``, optional choices (rendered as
buttons: inline keyboards on Telegram, components on Discord, numbered options on the console),
an optional file, and a privacy level that says who may see it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

Payload = Mapping[str, str | int | bool | None]


class Privacy(StrEnum):
    """Who may see a reply.

    PERSONAL: only the person who asked, always (a Discord ephemeral reply, else their private
    chat). DISCREET: only them where the platform can answer privately in place (Discord
    ephemeral), otherwise in the conversation, so it is never lost (public facts such as crisis
    lines). SPACE: everyone in the conversation it was asked in."""

    PERSONAL = "personal"
    DISCREET = "discreet"
    SPACE = "space"


class ButtonStyle(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    SUCCESS = "success"
    DANGER = "danger"


@dataclass(frozen=True, slots=True)
class Choice:
    """A button. Either an ``action`` (a name registered by a router, plus a small payload) or
    a ``url`` to open. ``anyone`` lets people other than the recipient press it in a space."""

    label: str
    action: str = ""
    payload: Payload = field(default_factory=dict)
    url: str | None = None
    style: ButtonStyle = ButtonStyle.SECONDARY
    anyone: bool = False
    #: Works only while this run of the bot lasts and is never written down: for a button that
    #: pages through something itself held only in memory (after a restart it has expired).
    in_memory: bool = False

    def __post_init__(self) -> None:
        if bool(self.action) == bool(self.url):
            raise ValueError("a choice needs exactly one of action or url")


#: Picture formats every platform shows in the conversation itself rather than as a file.
PICTURE_TYPES = frozenset({"image/png", "image/jpeg", "image/webp"})


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a reply, e.g. a calendar (.ics), a data export (.json) or a picture
    (.png) to be seen at once, in the conversation, rather than opened as a file."""

    filename: str
    data: bytes
    mime_type: str = "application/octet-stream"

    @property
    def is_picture(self) -> bool:
        """A picture meant to be seen inline (adapters send it as a photo where they can)."""
        return self.mime_type.split(";")[0].strip().lower() in PICTURE_TYPES


@dataclass(frozen=True, slots=True)
class Reply:
    """One message back. ``replace`` asks to edit the message a pressed button sat on.
    ``in_memory`` keeps it off disk on its way out (the outbox holds it in memory only, until
    delivered): for what a person tells only the bot, such as a private reflection."""

    text: str
    choices: tuple[tuple[Choice, ...], ...] = ()
    privacy: Privacy = Privacy.PERSONAL
    attachment: Attachment | None = None
    replace: bool = False
    in_memory: bool = False

    @classmethod
    def with_choices(
        cls,
        text: str,
        choices: Sequence[Choice],
        *,
        per_row: int = 3,
        privacy: Privacy = Privacy.PERSONAL,
        replace: bool = False,
    ) -> Reply:
        """Lay choices out in rows of ``per_row`` (small phone screens fit about three)."""
        rows = tuple(tuple(choices[i : i + per_row]) for i in range(0, len(choices), per_row))
        return cls(text, rows, privacy, None, replace)


Replies = Reply | Sequence[Reply] | None


def as_list(replies: Replies) -> list[Reply]:
    """Normalise a handler's return value to a list."""
    if replies is None:
        return []
    if isinstance(replies, Reply):
        return [replies]
    return list(replies)
