"""Telegram group activity as neutral space events: who joined or left (``chat_member``
updates), who asked to join (``chat_join_request``), and who posted (any group message; only
its author and id go on, never its text).

These handlers sit in their own handler group, so a command in a group both runs and counts as
a post: an account that is not a member is noticed whatever it sends.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    ChatJoinRequestHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.core.dispatch import Dispatcher
from bot.core.events import JoinRequested, MemberJoined, MemberLeft, MemberPosted
from bot.core.model import AccountRef, Platform
from bot.platforms.telegram.spaces import inside

#: PTB handler group for these, after the command and button handlers (group 0).
SPACE_EVENTS_GROUP = 1


def account(user_id: int) -> AccountRef:
    return AccountRef(Platform.TELEGRAM, str(user_id))


class SpaceWatch:
    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher

    def handlers(self) -> list[BaseHandler[Any, Any, Any]]:
        posts = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL
        return [
            ChatMemberHandler(self._member_changed, ChatMemberHandler.CHAT_MEMBER),
            ChatJoinRequestHandler(self._join_requested),
            MessageHandler(posts, self._posted),
        ]

    async def _member_changed(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.chat_member
        if change is None:
            return
        user = change.new_chat_member.user
        was, now = inside(change.old_chat_member), inside(change.new_chat_member)
        if user.id == context.bot.id or was == now:
            return
        kind = MemberJoined if now else MemberLeft
        await self._dispatcher.space_event(kind(str(change.chat.id), account(user.id)))

    async def _join_requested(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        request = update.chat_join_request
        if request is None:
            return
        event = JoinRequested(str(request.chat.id), account(request.from_user.id))
        await self._dispatcher.space_event(event)

    async def _posted(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None or message.from_user is None or message.sender_chat is not None:
            return  # an anonymous admin or a channel speaking as itself
        if message.from_user.id == context.bot.id:
            return
        event = MemberPosted(
            str(message.chat.id), account(message.from_user.id), str(message.message_id)
        )
        await self._dispatcher.space_event(event)
