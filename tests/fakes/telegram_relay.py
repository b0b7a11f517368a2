"""What the fake Telegram needs for the bridge: people posting messages with formatting
(entities) and replies, and editing them (``edited_message`` updates, as Telegram sends them
to bots). Telegram sends bots nothing when someone deletes a message, so there is nothing here
for that. Kept apart from the rest of the fake so its parts can change independently."""

from __future__ import annotations

import time
from typing import Any

from tests.fakes.telegram_server import FakeTelegram
from tests.fakes.telegram_world import BotMessage, Chat, User


def _push(fake: FakeTelegram, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    update = fake.world.push(kind, body)
    fake._new_update.set()  # wake a waiting getUpdates, as a person's message does
    return update


def post(
    fake: FakeTelegram,
    user: User,
    chat: Chat,
    text: str,
    *,
    entities: list[dict[str, Any]] | None = None,
    reply_to: dict[str, Any] | BotMessage | None = None,
) -> dict[str, Any]:
    """``user`` writes ``text`` in ``chat``; ``reply_to`` is an update ``post`` returned or
    a message the bot sent. Returns the update (its ``message`` is what Telegram holds)."""
    body: dict[str, Any] = {
        "message_id": fake.world.next_message_id(chat.id),
        "date": int(time.time()),
        "chat": chat.json(),
        "from": user.json(),
        "text": text,
    }
    if entities:
        body["entities"] = entities
    if isinstance(reply_to, BotMessage):
        body["reply_to_message"] = fake.world.message_json(reply_to)
    elif reply_to is not None:
        body["reply_to_message"] = reply_to["message"]
    return _push(fake, "message", body)


def edit(fake: FakeTelegram, update: dict[str, Any], text: str) -> dict[str, Any]:
    """The author edits the message of ``update`` to ``text``."""
    body = dict(update["message"])
    body["text"] = text
    body.pop("entities", None)
    body["edit_date"] = int(time.time())
    return _push(fake, "edited_message", body)


def command_reply(
    fake: FakeTelegram, user: User, chat: Chat, command: str, reply_to: dict[str, Any] | BotMessage
) -> dict[str, Any]:
    """``user`` sends ``command`` (e.g. /delete) as a reply to a message."""
    name = command.split(maxsplit=1)[0]
    return post(
        fake,
        user,
        chat,
        command,
        entities=[{"type": "bot_command", "offset": 0, "length": len(name)}],
        reply_to=reply_to,
    )
