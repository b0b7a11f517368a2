"""Telegram for the relay engine: messages people post or edit as neutral events, and the
relay port (files fetched from Telegram within its 20 MB bot download limit, upload limits,
reconnecting the long poll, and the time of its last sign of life for the watchdog).

Telegram never tells bots about deletions, and keeps updates the bot has not fetched for 24
hours; so there is no history to page at start: polling picks the pending updates up, in order
(the relay's map refuses any it has seen), and ``/delete`` covers deletions.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime

from telegram import Bot, Message
from telegram.request import HTTPXRequest

from bot.core.events import Actor, Conversation, MediaRef, MessageEdited, MessagePosted
from bot.core.model import AccountRef, Platform
from bot.core.richtext import RichText
from bot.outbox.message import Destination
from bot.platforms.telegram import relay_format
from bot.relay.ports import Fetched

#: Telegram lets bots download files up to 20 MB.
DOWNLOAD_LIMIT = 20 * 1024 * 1024
#: What a bot may upload: photos up to 10 MB, other files up to 50 MB.
PHOTO_LIMIT = 10 * 1024 * 1024
FILE_LIMIT = 50 * 1024 * 1024


def media_of(message: Message) -> tuple[list[MediaRef], str]:
    """The files on a message, and any text that stands for one (an animated sticker's
    emoji, which crosses as text since it cannot be shown as an image)."""
    found: list[MediaRef] = []
    extra = ""
    if message.photo:
        best = message.photo[-1]
        found.append(
            MediaRef(
                "photo",
                best.file_id,
                f"photo-{message.message_id}.jpg",
                best.file_size,
                "image/jpeg",
            )
        )
    for kind, item, default in (
        ("file", message.document, "file"),
        ("voice", message.voice, "voice.ogg"),
        ("video", message.video, "video.mp4"),
        ("animation", message.animation, "animation.mp4"),
        ("audio", message.audio, "audio.mp3"),
    ):
        if item is not None and not (kind == "file" and message.animation is not None):
            name = getattr(item, "file_name", None) or default
            mime = getattr(item, "mime_type", None) or ""
            found.append(MediaRef(kind, item.file_id, name, item.file_size, mime))
    sticker = message.sticker
    if sticker is not None:
        if sticker.is_animated or sticker.is_video:
            extra = sticker.emoji or ""
        else:
            found.append(
                MediaRef(
                    "sticker", sticker.file_id, "sticker.webp", sticker.file_size, "image/webp"
                )
            )
    return found, extra


def actor_of(message: Message) -> Actor | None:
    user = message.from_user
    if user is None or user.is_bot or message.sender_chat is not None:
        return None  # a bot, an anonymous admin, or a channel speaking as itself
    return Actor(AccountRef(Platform.TELEGRAM, str(user.id)), user.full_name)


def conversation_of(message: Message) -> Conversation:
    chat = message.chat
    return Conversation(Platform.TELEGRAM, str(chat.id), chat.type == chat.PRIVATE)


def posted(message: Message) -> MessagePosted | None:
    actor = actor_of(message)
    if actor is None:
        return None
    text = relay_format.from_message(message)
    media, extra = media_of(message)
    if extra:
        text = RichText(f"{text.text} {extra}".strip(), text.spans)
    replied = message.reply_to_message
    reply_to = None
    if replied is not None and replied.forum_topic_created is None:
        reply_to = str(replied.message_id)
    if not text.text and not media:
        return None
    return MessagePosted(
        conversation_of(message),
        actor,
        str(message.message_id),
        text,
        reply_to=reply_to,
        media=tuple(media),
        at=message.date,
    )


def edited(message: Message) -> MessageEdited | None:
    actor = actor_of(message)
    if actor is None:
        return None
    return MessageEdited(
        conversation_of(message), actor, str(message.message_id), relay_format.from_message(message)
    )


class WatchedRequest(HTTPXRequest):
    """The request class for ``getUpdates``: notes when a long poll last came back, which is
    the Telegram connection's sign of life for the watchdog (a quiet group sends nothing)."""

    last_answer = 0.0

    async def do_request(self, *args: object, **kwargs: object) -> tuple[int, bytes]:
        answer = await super().do_request(*args, **kwargs)  # type: ignore[arg-type]
        self.last_answer = time.monotonic()
        return answer


class TelegramRelay:
    """The relay port of the Telegram adapter."""

    def __init__(
        self, bot: Bot, polls: WatchedRequest, restart: Callable[[], Awaitable[None]]
    ) -> None:
        self._bot = bot
        self._polls = polls
        self._restart = restart

    @property
    def last_event(self) -> float:
        return self._polls.last_answer

    def upload_limit(self, destination: Destination, media: MediaRef) -> int:
        return PHOTO_LIMIT if media.kind == "photo" else FILE_LIMIT

    async def fetch(self, media: MediaRef, limit: int) -> Fetched:
        most = min(limit, DOWNLOAD_LIMIT)
        if media.size is not None and media.size > most:
            return Fetched(media.filename, None, media.mime_type, media.size)
        found = await self._bot.get_file(media.ref)
        if found.file_size is not None and found.file_size > most:
            return Fetched(media.filename, None, media.mime_type, found.file_size)
        data = bytes(await found.download_as_bytearray())
        if len(data) > most:
            return Fetched(media.filename, None, media.mime_type, len(data))
        return Fetched(
            media.filename, data, media.mime_type or "application/octet-stream", len(data)
        )

    async def history(
        self, chat_id: str, after: str | None, since: datetime
    ) -> AsyncIterator[MessagePosted]:
        return
        yield  # Telegram keeps pending updates instead; polling delivers them

    async def reconnect(self) -> None:
        await self._restart()
