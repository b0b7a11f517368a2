"""Relayed attachments to and from Discord.

Reading: a message's attachments (photos, GIFs, videos, voice messages, files) and stickers
as :class:`MediaRef`. Downloading: the attachment URL through discord.py's own HTTP client.
Uploading: a :class:`discord.File` built from bytes in memory, within the guild's own upload
limit as discord.py reports it (``guild.filesize_limit``; the same base limit in a direct
message). Anything over a limit is a :class:`TooLarge`, never a silent drop.
"""

from __future__ import annotations

import io

import discord

from bot.core.media import Media, MediaKind, MediaRef, TooLarge

# What discord.py reports for a guild without boosts; direct messages have the same.
BASE_LIMIT = discord.Guild._PREMIUM_GUILD_LIMITS[None].filesize


def media_of(message: discord.Message) -> list[MediaRef]:
    """Every attachment and sticker on ``message``, in order."""
    refs = [_attachment(a) for a in message.attachments]
    refs.extend(_sticker(s) for s in message.stickers)
    return refs


def _attachment(attachment: discord.Attachment) -> MediaRef:
    mime = (attachment.content_type or "").split(";")[0].strip()
    if attachment.is_voice_message():
        kind = MediaKind.VOICE
    elif mime == "image/gif":
        kind = MediaKind.ANIMATION
    elif mime.startswith("image/"):
        kind = MediaKind.PHOTO
    elif mime.startswith("video/"):
        kind = MediaKind.VIDEO
    else:
        kind = MediaKind.FILE
    return MediaRef(kind, attachment.filename, attachment.size, attachment.url, mime)


def _sticker(sticker: discord.StickerItem) -> MediaRef:
    """A PNG or APNG sticker crosses as an image (an APNG shows its first frame where it
    cannot play), a GIF as an animation, a Lottie sticker as its name."""
    fmt = sticker.format
    label = f":{sticker.name}:"
    if fmt is discord.StickerFormatType.lottie:
        return MediaRef(MediaKind.STICKER, label, None, "", "", label, animated=True)
    if fmt is discord.StickerFormatType.gif:
        return MediaRef(MediaKind.ANIMATION, f"{sticker.name}.gif", None, sticker.url, "image/gif")
    animated = fmt is discord.StickerFormatType.apng
    name = f"{sticker.name}.png"
    return MediaRef(MediaKind.STICKER, name, None, sticker.url, "image/png", label, animated)


def upload_limit(guild: discord.Guild | None) -> int:
    """The most one file may weigh in a channel of ``guild`` (``None``: a direct message)."""
    return guild.filesize_limit if guild is not None else BASE_LIMIT


async def download(client: discord.Client, ref: MediaRef, *, limit: int) -> Media | TooLarge:
    """The bytes behind ``ref``'s URL, or :class:`TooLarge` (without fetching) when Discord
    says it is bigger than ``limit``, the most the target accepts."""
    if ref.size is not None and ref.size > limit:
        return TooLarge(ref, ref.size, limit, "download")
    data = await client.http.get_from_cdn(ref.handle)
    if len(data) > limit:
        return TooLarge(ref, len(data), limit, "download")
    return Media(ref, data)


def to_file(media: Media, limit: int) -> discord.File | TooLarge:
    """``media`` as an upload for a message or a webhook post in a channel whose limit is
    ``limit`` (see :func:`upload_limit`)."""
    if media.size > limit:
        return TooLarge(media.ref, media.size, limit, "upload")
    return discord.File(io.BytesIO(media.data), filename=media.ref.name)
