"""Photos, files, voice notes, videos, GIFs and stickers people send, in a neutral form.

Each adapter reads its platform's message into :class:`MediaRef` (what it is, its name and
size, and the platform's own handle to fetch it), downloads it into a :class:`Media` (the
bytes, held in memory only, until delivered) and uploads it within the target's limits. What
is over a limit is never silently dropped: the adapter answers :class:`TooLarge`, which the
relay engine turns into a short note in the conversation (name and size) and a private word
to the author.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MediaKind(StrEnum):
    PHOTO = "photo"
    FILE = "file"
    VOICE = "voice"
    VIDEO = "video"
    ANIMATION = "animation"  # a GIF, or a short silent video shown as one
    STICKER = "sticker"


@dataclass(frozen=True, slots=True)
class MediaRef:
    """One attachment on a source message. ``handle`` is the source platform's own way to
    fetch it (a Telegram file_id, a Discord attachment URL); it is never shown to anyone."""

    kind: MediaKind
    name: str
    size: int | None  # bytes, when the platform says
    handle: str
    mime: str = ""
    emoji: str = ""  # a sticker's emoji
    animated: bool = False  # an animated or video sticker: crosses as its emoji or a frame

    @property
    def label(self) -> str:
        """How the note names it: the file name, or the sticker's emoji."""
        return self.emoji if self.kind is MediaKind.STICKER and self.emoji else self.name


@dataclass(frozen=True, slots=True)
class Media:
    """An attachment's bytes, downloaded to relay. Lives only in memory until delivered."""

    ref: MediaRef
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True, slots=True)
class TooLarge:
    """``ref`` is bigger than ``limit`` bytes where it had to go (``where``: "download" from
    the source, or "upload" to the target)."""

    ref: MediaRef
    size: int
    limit: int
    where: str

    @property
    def note_values(self) -> dict[str, str]:
        """Values for the wording ``relay.too_large`` and ``relay.too_large_author``."""
        return {"name": self.ref.label, "size": human_size(self.size)}


def human_size(size: int) -> str:
    """A size people read at a glance: 812 KB, 23.4 MB."""
    if size < 1000 * 1000:
        return f"{max(1, round(size / 1000))} KB"
    megabytes = size / (1000 * 1000)
    return f"{megabytes:.0f} MB" if megabytes >= 100 else f"{megabytes:.1f} MB"
