"""The command menu Telegram shows next to the message box, built from the registry.

Private chats list the commands that work there (PRIVATE or ANY), groups the ones that work
in a space (SPACE or ANY). Steward tools are left out: dispatch hides them from everyone
else, and a menu is shown to everyone.
"""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats

from bot.core.commands import Access, Command, Registry, Scope

MAX_COMMANDS = 100  # Telegram's limit per scope


def menu_for(registry: Registry, private: bool) -> list[BotCommand]:
    wanted = {Scope.ANY, Scope.PRIVATE if private else Scope.SPACE}
    shown: list[Command] = [
        c
        for c in registry.commands.values()
        if c.scope in wanted and c.access is not Access.STEWARD
    ]
    return [BotCommand(c.name, c.description) for c in shown][:MAX_COMMANDS]


async def set_menu(bot: Bot, registry: Registry) -> None:
    await bot.set_my_commands(menu_for(registry, True), scope=BotCommandScopeAllPrivateChats())
    await bot.set_my_commands(menu_for(registry, False), scope=BotCommandScopeAllGroupChats())
