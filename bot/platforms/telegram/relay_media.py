"""Relayed attachments to and from Telegram, for the relay engine's media port.

Reading: a message's photo, file, voice note, video, GIF or sticker as a neutral
:class:`MediaRef` (its largest photo size; an animated or video sticker as its first frame —
the thumbnail — or, without one, its emoji in the text). Fetching: ``getFile`` and the file
path, at most the 20 MB bots may download. Sending: the method that shows a file best by its
type, within Telegram's limits (a photo up to 10 MB and 10,000 pixels wide and high together,
anything up to 50 MB; a picture outside them goes as a file). Limits are python-telegram-bot's
own constants. Bytes stay in memory.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image
from telegram import Bot, InlineKeyboardMarkup, InputFile, Message, ReplyParameters
from telegram.constants import FileSizeLimit, ParseMode
from telegram.error import BadRequest

from bot.core.events import MediaRef
from bot.core.replies import Attachment
from bot.core.richtext import RichText
from bot.platforms.telegram.relay_format import from_message
from bot.relay.ports import Fetched

DOWNLOAD_LIMIT = int(FileSizeLimit.FILESIZE_DOWNLOAD)
UPLOAD_LIMIT = int(FileSizeLimit.FILESIZE_UPLOAD)
PHOTO_LIMIT = int(FileSizeLimit.PHOTOSIZE_UPLOAD)


def read(message: Message) -> tuple[RichText, tuple[MediaRef, ...]]:
    """What a Telegram message carries across: its text or caption, and its media. A sticker
    that cannot cross as an image adds its emoji to the text instead."""
    text = from_message(message)
    media = media_of(message)
    sticker = message.sticker
    if sticker is not None and not media and sticker.emoji:
        text = RichText(sticker.emoji)  # stickers carry no caption
    return text, media


def media_of(message: Message) -> tuple[MediaRef, ...]:
    """What ``message`` carries, as neutral references (at most one on Telegram)."""
    if message.photo:
        best = message.photo[-1]
        return (MediaRef("photo", best.file_id, "photo.jpg", best.file_size, "image/jpeg"),)
    if message.animation is not None:  # before document: a GIF message carries both
        a = message.animation
        name = a.file_name or "animation.mp4"
        return (MediaRef("animation", a.file_id, name, a.file_size, a.mime_type or "video/mp4"),)
    if message.sticker is not None:
        return _sticker(message)
    if message.voice is not None:
        v = message.voice
        return (MediaRef("voice", v.file_id, "voice.ogg", v.file_size, v.mime_type or "audio/ogg"),)
    if message.video is not None:
        vid = message.video
        name = vid.file_name or "video.mp4"
        return (MediaRef("video", vid.file_id, name, vid.file_size, vid.mime_type or "video/mp4"),)
    if message.video_note is not None:
        note = message.video_note
        return (MediaRef("video", note.file_id, "video.mp4", note.file_size, "video/mp4"),)
    for doc in (message.document, message.audio):
        if doc is not None:
            name = doc.file_name or "file"
            mime = doc.mime_type or "application/octet-stream"
            return (MediaRef("file", doc.file_id, name, doc.file_size, mime),)
    return ()


def _sticker(message: Message) -> tuple[MediaRef, ...]:
    sticker = message.sticker
    assert sticker is not None
    if not (sticker.is_animated or sticker.is_video):
        size, handle = sticker.file_size, sticker.file_id
        return (MediaRef("sticker", handle, "sticker.webp", size, "image/webp"),)
    frame = sticker.thumbnail  # its first frame, as a still image
    if frame is None:
        return ()  # crosses as its emoji (see read)
    return (MediaRef("sticker", frame.file_id, "sticker.webp", frame.file_size, "image/webp"),)


def upload_limit(media: MediaRef) -> int:
    """The most Telegram takes for a file from a bot (a photo over 10 MB goes as a file)."""
    return UPLOAD_LIMIT


async def fetch(bot: Bot, media: MediaRef, limit: int) -> Fetched:
    """The bytes of ``media`` (getFile, then its file path). Over ``limit`` (the most the
    targets accept) or over the 20 MB bots may download: no bytes, and the size if known."""
    cap = min(limit, DOWNLOAD_LIMIT)
    if media.size is not None and media.size > cap:
        return Fetched(media.filename, None, media.mime_type, media.size)
    try:
        found = await bot.get_file(media.ref)
    except BadRequest as exc:
        if "file is too big" not in exc.message.lower():
            raise
        return Fetched(media.filename, None, media.mime_type, media.size)
    if found.file_size is not None and found.file_size > cap:
        return Fetched(media.filename, None, media.mime_type, found.file_size)
    data = bytes(await found.download_as_bytearray())
    return Fetched(media.filename, data, media.mime_type or "application/octet-stream", len(data))


#: The most a photo's width and height may add up to, and the longest side's most times the
#: shortest (the Bot API's sendPhoto); a picture outside them goes as a file.
PHOTO_SIDES = 10_000
PHOTO_RATIO = 20
#: Telegram's words when it cannot take an upload as a photo after all: the file goes instead.
_NOT_A_PHOTO = ("photo_invalid_dimensions", "image_process_failed", "photo_save_file_invalid")


def fits_photo(attachment: Attachment) -> bool:
    """Whether Telegram takes ``attachment`` as a photo: at most 10 MB, and, when its size in
    pixels can be read, width + height at most 10,000 and a ratio of at most 20."""
    if len(attachment.data) > PHOTO_LIMIT:
        return False
    try:
        with Image.open(io.BytesIO(attachment.data)) as image:  # reads the header only
            width, height = image.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return True  # unknown: Telegram judges, and a refusal sends it as a file
    if width + height > PHOTO_SIDES or min(width, height) < 1:
        return False
    return max(width, height) <= PHOTO_RATIO * min(width, height)


def method_for(attachment: Attachment) -> str:
    """The Bot API method that shows a file best: GIFs as animations, pictures meant to be seen
    as photos (within the photo limits), videos as videos, Ogg audio as a voice note, anything
    else as a file."""
    mime = attachment.mime_type.split(";")[0].strip().lower()
    if mime == "image/gif":
        return "sendAnimation"
    if attachment.is_picture:
        return "sendPhoto" if fits_photo(attachment) else "sendDocument"
    if mime.startswith("video/"):
        return "sendVideo"
    if mime in ("audio/ogg", "audio/opus"):
        return "sendVoice"
    return "sendDocument"


async def send(
    bot: Bot,
    chat_id: int,
    attachment: Attachment,
    *,
    caption_html: str | None = None,
    plain: bool = False,
    reply: ReplyParameters | None = None,
    keyboard: InlineKeyboardMarkup | None = None,
) -> Message:
    """Upload ``attachment`` to ``chat_id`` with an HTML caption (``plain``: the caption is
    plain text, the fallback when Telegram refused its markup) and any buttons. A picture
    Telegram will not take as a photo goes as a file."""
    method = method_for(attachment)
    try:
        return await _send(bot, chat_id, attachment, method, caption_html, plain, reply, keyboard)
    except BadRequest as exc:
        if method != "sendPhoto" or not any(w in exc.message.lower() for w in _NOT_A_PHOTO):
            raise
    return await _send(
        bot, chat_id, attachment, "sendDocument", caption_html, plain, reply, keyboard
    )


async def _send(
    bot: Bot,
    chat_id: int,
    attachment: Attachment,
    method: str,
    caption: str | None,
    plain: bool,
    reply: ReplyParameters | None,
    keyboard: InlineKeyboardMarkup | None,
) -> Message:
    upload = InputFile(attachment.data, filename=attachment.filename)
    mode = None if plain or caption is None else ParseMode.HTML
    common: dict[str, Any] = {
        "caption": caption,
        "parse_mode": mode,
        "reply_parameters": reply,
        "reply_markup": keyboard,
    }
    if method == "sendPhoto":
        return await bot.send_photo(chat_id, upload, **common)
    if method == "sendAnimation":
        return await bot.send_animation(chat_id, upload, **common)
    if method == "sendVideo":
        return await bot.send_video(chat_id, upload, **common)
    if method == "sendVoice":
        return await bot.send_voice(chat_id, upload, **common)
    return await bot.send_document(chat_id, upload, **common)
