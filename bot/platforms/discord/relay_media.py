"""Relayed attachments to and from Discord, for the relay engine's media port.

Reading: a message's attachments (photos, GIFs, videos, voice messages, files) and stickers as
neutral :class:`MediaRef` (a PNG or APNG sticker as an image — an APNG shows its first frame
where it cannot play — a GIF sticker as a GIF, a Lottie sticker as its name in the text).
Fetching: the attachment URL through discord.py's own HTTP client. Uploading: a
:class:`discord.File` from bytes in memory, within the guild's own upload limit as discord.py
reports it (``guild.filesize_limit``; the base limit in a direct message).
"""

from __future__ import annotations

import io

import discord

from bot.core.events import MediaRef
from bot.core.replies import Attachment
from bot.core.richtext import RichText
from bot.platforms.discord.relay_format import from_message
from bot.relay.ports import Fetched

# What discord.py reports for a guild without boosts; direct messages have the same.
BASE_LIMIT = discord.Guild._PREMIUM_GUILD_LIMITS[None].filesize


def read(message: discord.Message) -> tuple[RichText, tuple[MediaRef, ...]]:
    """What a Discord message carries across: its text, and its files. A sticker that cannot
    cross as an image adds its name to the text instead."""
    text = from_message(message)
    names = [
        f":{s.name}:" for s in message.stickers if s.format is discord.StickerFormatType.lottie
    ]
    if names:
        sep = " " if text.text else ""
        text = text + RichText(sep + " ".join(names))
    return text, media_of(message)


def media_of(message: discord.Message) -> tuple[MediaRef, ...]:
    """Every attachment and image sticker on ``message``, in order."""
    refs = [_attachment(a) for a in message.attachments]
    refs.extend(r for s in message.stickers if (r := _sticker(s)) is not None)
    return tuple(refs)


def _attachment(attachment: discord.Attachment) -> MediaRef:
    mime = (attachment.content_type or "").split(";")[0].strip()
    if attachment.is_voice_message():
        kind = "voice"
    elif mime == "image/gif":
        kind = "animation"
    elif mime.startswith("image/"):
        kind = "photo"
    elif mime.startswith("video/"):
        kind = "video"
    else:
        kind = "file"
    mime = mime or "application/octet-stream"
    return MediaRef(kind, attachment.url, attachment.filename, attachment.size, mime)


def _sticker(sticker: discord.StickerItem) -> MediaRef | None:
    fmt = sticker.format
    if fmt is discord.StickerFormatType.lottie:
        return None  # crosses as its name (see read)
    if fmt is discord.StickerFormatType.gif:
        return MediaRef("animation", sticker.url, f"{sticker.name}.gif", None, "image/gif")
    return MediaRef("sticker", sticker.url, f"{sticker.name}.png", None, "image/png")


def upload_limit(guild: discord.Guild | None) -> int:
    """The most one file may weigh in a channel of ``guild`` (``None``: a direct message)."""
    return guild.filesize_limit if guild is not None else BASE_LIMIT


async def fetch(client: discord.Client, media: MediaRef, limit: int) -> Fetched:
    """The bytes behind ``media``'s URL; over ``limit`` (the most the targets accept), no
    bytes and the size, without downloading when Discord said the size."""
    if media.size is not None and media.size > limit:
        return Fetched(media.filename, None, media.mime_type, media.size)
    data = await client.http.get_from_cdn(media.ref)
    if len(data) > limit:
        return Fetched(media.filename, None, media.mime_type, len(data))
    return Fetched(media.filename, data, media.mime_type or "application/octet-stream", len(data))


def to_file(attachment: Attachment) -> discord.File:
    """An upload for a message or a webhook post, from bytes in memory."""
    return discord.File(io.BytesIO(attachment.data), filename=attachment.filename)
