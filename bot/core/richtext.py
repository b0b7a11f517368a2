"""Formatted text people wrote, in a platform-neutral form, for relaying it elsewhere.

The bridge and debrief rooms carry what a person wrote from one platform to another. Each
adapter parses its platform's own formatting (Telegram's message entities, Discord's markdown)
into a :class:`RichText` and renders a :class:`RichText` back into its own formatting, splitting
it by its own limits. Nothing here knows any platform; offsets are Python string indices (code
points), and adapters convert to what their platform counts (Telegram: UTF-16 code units).

Replies the bot itself writes use the smaller markup subset in :mod:`bot.core.markup`; this is
only for relayed text, and it is never stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.core.model import AccountRef


class Style(StrEnum):
    BOLD = "bold"
    ITALIC = "italic"
    UNDERLINE = "underline"
    STRIKE = "strike"
    SPOILER = "spoiler"
    CODE = "code"  # inline code
    PRE = "pre"  # a code block; ``Span.language`` may name its language
    LINK = "link"  # ``Span.url`` is where it points
    QUOTE = "quote"  # a block quote
    MENTION = "mention"  # ``Span.account`` is who is mentioned, when the platform says so


@dataclass(frozen=True, slots=True)
class Span:
    """``text[start:end]`` carries ``style``. Spans may nest; they never cross each other."""

    style: Style
    start: int
    end: int
    url: str = ""
    language: str = ""
    account: AccountRef | None = None


@dataclass(frozen=True, slots=True)
class RichText:
    text: str
    spans: tuple[Span, ...] = field(default=())

    @classmethod
    def plain(cls, text: str) -> RichText:
        return cls(text)

    def __len__(self) -> int:
        return len(self.text)
