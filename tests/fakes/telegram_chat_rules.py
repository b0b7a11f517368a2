"""The Bot API rules about chats, messages, commands and buttons that the fake enforces.

Each rule is what the real server does, worded as it answers (tdlib/telegram-bot-api
``Client.cpp`` and tdlib ``BotCommand.cpp``, read July 2026):

- a basic group has no ban list: banning removes the member (their status becomes "left"),
  and ``unbanChatMember`` answers "method is available for supergroup and channel chats only";
- a message older than 48 hours, or another person's message where the bot has no right to
  delete it, "can't be deleted";
- a button press older than about 15 minutes, or answered already, can't be answered;
- ``setMyCommands`` trims each command and a leading "/", then wants 1-32 characters of
  lowercase a-z, 0-9 and _, and a 1-256 character description.

Ages come from the world's settable :class:`~tests.fakes.telegram_world.Clock`, never from
the machine's time, so the tests of these rules don't depend on how fast anything runs.
"""

from __future__ import annotations

import re
from typing import Any

from tests.fakes.telegram_world import (
    BOT_ID,
    CALLBACK_WINDOW,
    DELETE_WINDOW,
    BotMessage,
    Chat,
    User,
    World,
    bad_request,
)

_COMMAND = re.compile(r"[a-z0-9_]+")
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


def remove_member(world: World, chat: Chat, user: User) -> None:
    """A ban: a supergroup keeps them banned; a basic group just removes them."""
    world.member_change(chat, user, "kicked" if chat.type == "supergroup" else "left")


def check_deletable(world: World, msg: BotMessage) -> None:
    if world.clock.now - msg.date > DELETE_WINDOW:
        raise bad_request("message can't be deleted")
    if msg.sender == BOT_ID:
        return
    chat = world.chats.get(msg.chat_id)
    if chat is None:  # a private chat: the bot may delete what the person sent it
        return
    if not (chat.bot_admin and chat.bot_in_chat):
        raise bad_request("message can't be deleted")


def check_answerable(world: World, query_id: Any) -> None:
    pressed = world.callback_ids.get(query_id) if isinstance(query_id, str) else None
    if pressed is None or world.clock.now - pressed > CALLBACK_WINDOW:
        raise bad_request(QUERY_TOO_OLD)


def check_commands(commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The commands as Telegram keeps them; refused with its wording if any is invalid."""
    if len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    kept = []
    for raw in commands:
        if not isinstance(raw, dict) or not isinstance(raw.get("command"), str):
            raise bad_request('Can\'t parse BotCommand: Field "command" must be of type String')
        if not isinstance(raw.get("description"), str):
            raise bad_request('Can\'t parse BotCommand: Field "description" must be of type String')
        name = raw["command"].strip().removeprefix("/")
        description = raw["description"].strip()
        if not name:
            raise bad_request("command must be non-empty")
        if len(name) > 32:
            raise bad_request("command length must not exceed 32")
        if not description:
            raise bad_request("command description must be non-empty")
        if len(description) > 256:
            raise bad_request("command description length must not exceed 256")
        if not _COMMAND.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        kept.append({"command": name, "description": description})
    return kept
