"""Relayed attachments to and from Telegram.

Reading: a message's photo, file, voice note, video, GIF or sticker as a :class:`MediaRef`
(its largest photo size; an animated or video sticker as its first frame, the thumbnail, or
else its emoji). Downloading: ``getFile`` and the file path, up to the 20 MB bots may fetch.
Sending: the method that shows it best, within Telegram's limits (photos up to 10 MB, anything
else up to 50 MB; a bigger photo goes as a file). Limits are python-telegram-bot's constants.
Bytes stay in memory; nothing is written to disk.
"""

from __future__ import annotations

from typing import Any

from telegram import Bot, InputFile, Message
from telegram.constants import FileSizeLimit, ParseMode
from telegram.error import BadRequest

from bot.core.media import Media, MediaKind, MediaRef, TooLarge

DOWNLOAD_LIMIT = int(FileSizeLimit.FILESIZE_DOWNLOAD)
UPLOAD_LIMIT = int(FileSizeLimit.FILESIZE_UPLOAD)
PHOTO_LIMIT = int(FileSizeLimit.PHOTOSIZE_UPLOAD)


def media_of(message: Message) -> list[MediaRef]:
    """What ``message`` carries, as neutral references (at most one on Telegram)."""
    if message.photo:
        best = message.photo[-1]
        return [MediaRef(MediaKind.PHOTO, "photo.jpg", best.file_size, best.file_id, "image/jpeg")]
    if message.animation is not None:  # before document: a GIF message carries both
        a = message.animation
        name = a.file_name or "animation.mp4"
        return [MediaRef(MediaKind.ANIMATION, name, a.file_size, a.file_id, a.mime_type or "")]
    if message.sticker is not None:
        return [_sticker(message)]
    if message.voice is not None:
        v = message.voice
        mime = v.mime_type or "audio/ogg"
        return [MediaRef(MediaKind.VOICE, "voice.ogg", v.file_size, v.file_id, mime)]
    if message.video is not None:
        vid = message.video
        name = vid.file_name or "video.mp4"
        return [MediaRef(MediaKind.VIDEO, name, vid.file_size, vid.file_id, vid.mime_type or "")]
    if message.video_note is not None:
        note = message.video_note
        return [MediaRef(MediaKind.VIDEO, "video.mp4", note.file_size, note.file_id, "video/mp4")]
    for doc in (message.document, message.audio):
        if doc is not None:
            name = doc.file_name or "file"
            return [MediaRef(MediaKind.FILE, name, doc.file_size, doc.file_id, doc.mime_type or "")]
    return []


def _sticker(message: Message) -> MediaRef:
    sticker = message.sticker
    assert sticker is not None
    emoji = sticker.emoji or ""
    if not (sticker.is_animated or sticker.is_video):
        size, handle = sticker.file_size, sticker.file_id
        return MediaRef(MediaKind.STICKER, "sticker.webp", size, handle, "image/webp", emoji)
    frame = sticker.thumbnail  # its first frame, as a still image
    if frame is None:
        return MediaRef(MediaKind.STICKER, "sticker", None, "", "", emoji, animated=True)
    return MediaRef(
        MediaKind.STICKER, "sticker.webp", frame.file_size, frame.file_id, "image/webp", emoji, True
    )


async def download(bot: Bot, ref: MediaRef, *, limit: int = DOWNLOAD_LIMIT) -> Media | TooLarge:
    """The bytes of ``ref`` (getFile, then the file path), or :class:`TooLarge` without
    fetching anything when Telegram says it is over what bots may download or over ``limit``
    (the most the target accepts)."""
    cap = min(limit, DOWNLOAD_LIMIT)
    if ref.size is not None and ref.size > cap:
        return TooLarge(ref, ref.size, cap, "download")
    try:
        found = await bot.get_file(ref.handle)
    except BadRequest as exc:
        if "file is too big" not in exc.message.lower():
            raise
        return TooLarge(ref, ref.size or DOWNLOAD_LIMIT + 1, DOWNLOAD_LIMIT, "download")
    if found.file_size is not None and found.file_size > cap:
        return TooLarge(ref, found.file_size, cap, "download")
    data = bytes(await found.download_as_bytearray())
    return Media(ref, data)


def method_for(media: Media) -> str | TooLarge:
    """The Bot API method that shows ``media`` best within Telegram's limits."""
    size = media.size
    if size > UPLOAD_LIMIT:
        return TooLarge(media.ref, size, UPLOAD_LIMIT, "upload")
    kind = media.ref.kind
    if kind is MediaKind.PHOTO or (kind is MediaKind.STICKER and media.ref.mime != "image/webp"):
        return "sendPhoto" if size <= PHOTO_LIMIT else "sendDocument"
    return {
        MediaKind.STICKER: "sendSticker",
        MediaKind.VOICE: "sendVoice",
        MediaKind.VIDEO: "sendVideo",
        MediaKind.ANIMATION: "sendAnimation",
    }.get(kind, "sendDocument")


async def send(
    bot: Bot,
    chat_id: int,
    media: Media,
    *,
    caption_html: str | None = None,
    plain: bool = False,
    reply_to: int | None = None,
) -> Message | TooLarge:
    """Upload ``media`` to ``chat_id`` with an HTML caption (``plain``: the caption is plain
    text, the fallback when Telegram refused its markup). Stickers carry no caption; the
    caller sends it as text."""
    method = method_for(media)
    if isinstance(method, TooLarge):
        return method
    upload = InputFile(media.data, filename=media.ref.name)
    extra: dict[str, Any] = {"reply_to_message_id": reply_to}
    if method != "sendSticker":
        extra |= {"caption": caption_html, "parse_mode": None if plain else ParseMode.HTML}
    if method == "sendPhoto":
        return await bot.send_photo(chat_id, upload, **extra)
    if method == "sendSticker":
        return await bot.send_sticker(chat_id, upload, **extra)
    if method == "sendVoice":
        return await bot.send_voice(chat_id, upload, **extra)
    if method == "sendVideo":
        return await bot.send_video(chat_id, upload, **extra)
    if method == "sendAnimation":
        return await bot.send_animation(chat_id, upload, **extra)
    return await bot.send_document(chat_id, upload, **extra)
