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

from bot.core.events import Actor, Conversation, MediaRef, MessageEdited, MessagePosted
from bot.core.model import AccountRef, Platform
from bot.outbox.message import Destination
from bot.platforms.telegram import relay_format, relay_media
from bot.platforms.telegram.http import AiohttpRequest
from bot.relay.ports import Fetched


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
    text, media = relay_media.read(message)
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
        media=media,
        at=message.date,
    )


def edited(message: Message) -> MessageEdited | None:
    actor = actor_of(message)
    if actor is None:
        return None
    return MessageEdited(
        conversation_of(message), actor, str(message.message_id), relay_format.from_message(message)
    )


class WatchedRequest(AiohttpRequest):
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
        return relay_media.upload_limit(media)

    async def fetch(self, media: MediaRef, limit: int) -> Fetched:
        return await relay_media.fetch(self._bot, media, limit)

    async def history(
        self, chat_id: str, after: str | None, since: datetime
    ) -> AsyncIterator[MessagePosted]:
        return
        yield  # Telegram keeps pending updates instead; polling delivers them

    async def reconnect(self) -> None:
        await self._restart()
