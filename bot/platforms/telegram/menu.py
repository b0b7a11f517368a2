"""The command menu Telegram shows next to the message box, built from the registry.

Private chats list the commands that work there (PRIVATE or ANY), groups the ones that work
in a space (SPACE or ANY). Steward tools are listed only to stewards: in each steward's own
private chat (a menu for that chat alone, updated when someone's role changes) and, in
groups, to the group's administrators. The menu is a courtesy: dispatch checks every use.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    Update,
)
from telegram.error import BadRequest, Forbidden
from telegram.ext import BaseHandler, CallbackContext, MessageHandler, filters

from bot.core.commands import Command, Registry, Scope
from bot.core.context import Context
from bot.core.model import Platform, Role
from bot.outbox import DeliveryReport

log = logging.getLogger(__name__)

MAX_COMMANDS = 100  # Telegram's limit per scope


def menu_for(registry: Registry, private: bool, stewards: bool = False) -> list[BotCommand]:
    wanted = {Scope.ANY, Scope.PRIVATE if private else Scope.SPACE}
    shown: list[Command] = [
        c
        for c in registry.commands.values()
        if c.scope in wanted and (stewards or not c.steward_only)
    ]
    return [BotCommand(c.name, c.description) for c in shown][:MAX_COMMANDS]


async def set_menu(bot: Bot, registry: Registry) -> None:
    await bot.set_my_commands(menu_for(registry, True), scope=BotCommandScopeAllPrivateChats())
    await bot.set_my_commands(menu_for(registry, False), scope=BotCommandScopeAllGroupChats())
    await bot.set_my_commands(
        menu_for(registry, False, stewards=True), scope=BotCommandScopeAllChatAdministrators()
    )


#: Handler group of the watch for stewards opening their private chat (apart from commands).
MENU_GROUP = 2


class StewardMenus:
    """Each steward's private chat lists the steward tools too; anyone else's does not. A
    steward who has not opened a private chat with the bot yet gets theirs when they do."""

    def __init__(self, ctx: Context, bot: Bot) -> None:
        self._ctx = ctx
        self._bot = bot
        self._waiting = filters.User(allow_empty=False)  # no chat yet: Telegram said so
        self._person: dict[int, int] = {}  # Telegram user id -> person, while waiting

    def handlers(self) -> list[BaseHandler[Update, CallbackContext[Any, Any, Any, Any], Any]]:
        """Notice a waiting steward's first message to the bot."""
        return [MessageHandler(filters.ChatType.PRIVATE & self._waiting, self._opened)]

    async def _opened(self, update: Update, _: object) -> None:
        user = update.effective_user
        if user is None or user.id not in self._person:
            return
        self._waiting.remove_user_ids(user.id)
        await self.update(self._person.pop(user.id))

    async def set_all(self) -> None:
        for person_id in await self._ctx.repo.people.with_role(Role.STEWARD):
            await self.update(person_id)

    async def role_changed(self, report: DeliveryReport) -> None:
        """Told (by the note about it) that someone's role changed."""
        if report.person_id is not None:
            await self.update(report.person_id)

    async def update(self, person_id: int) -> None:
        person = await self._ctx.repo.people.get(person_id)
        steward = person is not None and person.has(Role.STEWARD)
        registry = self._ctx.registry
        for account in await self._ctx.repo.people.accounts(person_id):
            if account.platform is not Platform.TELEGRAM or not account.user_id.isdigit():
                continue
            chat_id = int(account.user_id)
            scope = BotCommandScopeChat(chat_id)
            try:
                if steward:
                    commands = menu_for(registry, True, stewards=True)
                    await self._bot.set_my_commands(commands, scope=scope)
                else:
                    await self._bot.delete_my_commands(scope=scope)
            except (BadRequest, Forbidden) as exc:  # no private chat with the bot yet
                log.info("telegram: no steward menu for a chat yet (%s)", type(exc).__name__)
                if steward:
                    self._person[chat_id] = person_id
                    self._waiting.add_user_ids(chat_id)
