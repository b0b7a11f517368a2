"""What the outbox carries: a rendered, platform-neutral message and where it goes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from bot.core.model import Platform
from bot.core.replies import Attachment, ButtonStyle

DestinationKind = Literal["user", "chat"]


@dataclass(frozen=True, slots=True)
class Destination:
    """A person's private chat with the bot (``user``) or a group/channel (``chat``).
    Adapters resolve a ``user`` to whatever the platform needs (Discord opens a DM channel)."""

    platform: Platform
    kind: DestinationKind
    id: str

    def __str__(self) -> str:
        return f"{self.platform.value}:{self.kind}:{self.id}"

    @classmethod
    def parse(cls, text: str) -> Destination:
        platform, kind, ident = text.split(":", 2)
        if kind not in ("user", "chat"):
            raise ValueError(f"bad destination kind in {text!r}")
        return cls(Platform(platform), kind, ident)  # type: ignore[arg-type]


class Op(StrEnum):
    SEND = "send"
    EDIT = "edit"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class Button:
    """A rendered button: a token to route the press back, or a link."""

    label: str
    token: str | None = None
    url: str | None = None
    style: ButtonStyle = ButtonStyle.SECONDARY

    @property
    def custom_id(self) -> str:
        """What goes into Telegram callback data or a Discord custom id."""
        return f"pc:{self.token}"


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """Text in the markup subset, buttons in rows, an optional file. ``op`` EDIT and DELETE
    act on ``target_id``, a message the platform gave back earlier. ``coalesce`` lets the
    outbox merge it with the next plain messages to the same place when a burst backs up."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    attachment: Attachment | None = None
    op: Op = Op.SEND
    target_id: str | None = None
    reply_to: str | None = None
    coalesce: bool = False

    def to_json(self) -> str:
        return json.dumps(
            {
                "text": self.text,
                "buttons": [
                    [[b.label, b.token, b.url, b.style.value] for b in row] for row in self.buttons
                ],
                "op": self.op.value,
                "target_id": self.target_id,
                "reply_to": self.reply_to,
                "coalesce": self.coalesce,
                "attachment": None
                if self.attachment is None
                else [self.attachment.filename, self.attachment.mime_type],
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, body: str, attachment: bytes | None) -> OutgoingMessage:
        raw: dict[str, Any] = json.loads(body)
        att = None
        if raw.get("attachment"):
            name, mime = raw["attachment"]
            att = Attachment(name, attachment or b"", mime)
        return cls(
            text=raw["text"],
            buttons=tuple(
                tuple(Button(lbl, tok, url, ButtonStyle(style)) for lbl, tok, url, style in row)
                for row in raw["buttons"]
            ),
            attachment=att,
            op=Op(raw["op"]),
            target_id=raw.get("target_id"),
            reply_to=raw.get("reply_to"),
            coalesce=bool(raw.get("coalesce")),
        )
