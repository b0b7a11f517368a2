"""What a platform adapter offers the relay, in neutral terms (each adapter implements it as
its ``relay`` attribute): fetching and sizing media, reading history for catch-up, and how
recently its connection delivered anything (for the watchdog)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.events import MediaRef, MessagePosted
from bot.core.spaces import Need
from bot.outbox.message import Destination

__all__ = ["Fetched", "MediaPort", "Need", "RelayPort"]


@dataclass(frozen=True, slots=True)
class Fetched:
    """A file fetched for relaying. ``data`` is None when it was over a limit (``size`` says
    how big it is, when known); it lives only until delivered."""

    filename: str
    data: bytes | None
    mime_type: str = "application/octet-stream"
    size: int | None = None


class MediaPort(Protocol):
    def upload_limit(self, destination: Destination, media: MediaRef) -> int:
        """The most bytes this platform accepts for such a file at ``destination``."""
        ...

    async def fetch(self, media: MediaRef, limit: int) -> Fetched:
        """Download a file the platform told us about, if it is within ``limit`` bytes."""
        ...


class RelayPort(MediaPort, Protocol):
    #: Monotonic time of the last event the platform delivered (0: none yet).
    @property
    def last_event(self) -> float: ...

    def history(
        self, chat_id: str, after: str | None, since: datetime
    ) -> AsyncIterator[MessagePosted]:
        """Messages posted in a chat after message ``after`` (or since ``since``), oldest
        first, for catch-up. Platforms without history (Telegram keeps pending updates
        instead) yield nothing."""
        ...

    async def reconnect(self) -> None:
        """Drop and re-establish the connection that delivers events."""
        ...
