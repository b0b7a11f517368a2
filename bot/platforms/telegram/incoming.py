"""Telegram updates as neutral events, through python-telegram-bot's own handler classes.

Matching stays with PTB (``filters.COMMAND``, ``CallbackQueryHandler``...); each callback only
translates the update, calls the dispatcher, and queues the answers in the outbox, so every
reply is rate-limited and retried like any other message. Nothing here logs what anyone wrote.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Chat, Message, MessageEntity, Update, User
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.core.dispatch import Dispatcher
from bot.core.errors import describe_without_text
from bot.core.events import Actor, ButtonEvent, CommandEvent, Conversation
from bot.core.model import AccountRef, Platform
from bot.messenger import Prepared
from bot.platforms.telegram import relaying

log = logging.getLogger(__name__)

#: The deep-link payload of the bot's own "open a private chat with me" button. It only opens
#: the chat, so /start runs as if nothing followed it (never mistaken for an invitation code).
OPEN_PAYLOAD = "from_group"

Moved = Callable[[int, int], Awaitable[None]]


def actor_of(user: User) -> Actor:
    return Actor(AccountRef(Platform.TELEGRAM, str(user.id)), user.full_name)


def conversation_of(chat: Chat) -> Conversation:
    return Conversation(Platform.TELEGRAM, str(chat.id), chat.type == Chat.PRIVATE)


def parse_command(message: Message, bot_username: str) -> tuple[str, str] | None:
    """``/name@ThisBot args`` as (name, args); None when addressed to another bot."""
    text = message.text or ""
    length = message.entities[0].length if message.entities else len(text.split()[0])
    name, _, addressee = text[1:length].partition("@")
    if addressee and addressee.lower() != bot_username.lower():
        return None
    return name.lower(), text[length:].strip()


def pointed_at(message: Message, bot_id: int, raw: str) -> tuple[tuple[AccountRef, ...], str]:
    """People a command points at natively: text mentions (taken out of the arguments ``raw``,
    so they are not read as words) and the author of the message it replies to. Returns them
    with the arguments that are left."""
    text = raw
    found: list[AccountRef] = []
    for entity, shown in message.parse_entities([MessageEntity.TEXT_MENTION]).items():
        if entity.user is not None:
            found.append(AccountRef(Platform.TELEGRAM, str(entity.user.id)))
            text = text.replace(shown, " ", 1)
    replied = message.reply_to_message
    topic_start = replied is not None and replied.forum_topic_created is not None
    author = replied.from_user if replied is not None and not topic_start else None
    if author is not None and author.id != bot_id and not author.is_bot:
        found.append(AccountRef(Platform.TELEGRAM, str(author.id)))
    return tuple(found), text if text == raw else " ".join(text.split())


class Incoming:
    def __init__(self, dispatcher: Dispatcher, on_moved: Moved) -> None:
        self._dispatcher = dispatcher
        self._on_moved = on_moved

    def handlers(self) -> list[BaseHandler[Any, Any, Any]]:
        fresh = ~filters.UpdateType.EDITED
        return [
            MessageHandler(filters.StatusUpdate.MIGRATE, self._migrated),
            MessageHandler(filters.COMMAND & fresh, self._command),
            MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL & fresh, self._posted),
            MessageHandler(filters.UpdateType.EDITED_MESSAGE & ~filters.COMMAND, self._edited),
            CallbackQueryHandler(self._button),
        ]

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB's error hook: log where it broke, never the update (it holds what people wrote)."""
        if context.error is not None:
            log.error(
                "telegram: handling an update failed\n%s", describe_without_text(context.error)
            )

    # -- callbacks --------------------------------------------------------------------------

    async def _command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or user.is_bot:
            return
        parsed = parse_command(message, context.bot.username)
        if parsed is None:
            return  # /name@OtherBot: not ours
        name, raw = parsed
        if name == "start" and raw == OPEN_PAYLOAD:
            raw = ""
        mentioned, raw = pointed_at(message, context.bot.id, raw)
        actor, where = actor_of(user), conversation_of(message.chat)
        replied = message.reply_to_message
        reply_to = None if replied is None else str(replied.message_id)
        event = CommandEvent(actor, where, name, raw=raw, mentioned=mentioned, reply_to=reply_to)
        prepared = await self._dispatcher.command(event)
        await self._answer(where, actor, prepared)

    async def _posted(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Any message that is not a command, in a group or a private chat: the relay's if it
        is in a relayed conversation, else (in a private chat) answered like plain text."""
        message = update.message
        event = None if message is None else relaying.posted(message)
        if event is None:
            return
        prepared = await self._dispatcher.message(event)
        await self._answer(event.conversation, event.actor, prepared)

    async def _edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.edited_message
        event = None if message is None else relaying.edited(message)
        if event is not None:
            await self._dispatcher.message(event)

    async def _button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        try:
            if not (query.data or "").startswith("pc:"):
                return
            actor = actor_of(query.from_user)
            pressed = query.message
            if pressed is not None:
                where, message_id = conversation_of(pressed.chat), str(pressed.message_id)
            else:  # a message too old to be shown to the bot: answer privately
                where = Conversation(Platform.TELEGRAM, str(query.from_user.id), True)
                message_id = None
            event = ButtonEvent(actor, where, str(query.data), message_id)
            prepared = await self._dispatcher.button(event)
            await self._answer(where, actor, prepared, message_id)
        finally:
            try:
                await query.answer()  # stops the button's spinner
            except TelegramError as exc:
                log.warning("telegram: could not answer a button press (%s)", type(exc).__name__)

    async def _migrated(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.migrate_to_chat_id is not None:
            await self._on_moved(message.chat.id, message.migrate_to_chat_id)

    async def _answer(
        self,
        where: Conversation,
        actor: Actor,
        prepared: list[Prepared],
        pressed: str | None = None,
    ) -> None:
        if not prepared:
            return
        ctx = self._dispatcher.ctx
        person = await ctx.repo.people.by_account(actor.account)
        await ctx.messenger.reply(
            where,
            actor,
            prepared,
            person_id=person.id if person else None,
            pressed_message_id=pressed,
        )
