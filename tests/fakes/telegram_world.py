"""The state behind the fake Telegram Bot API: users, chats, members, messages and updates.

It is kept apart from the HTTP side (``telegram_server.py``) so the Bot API methods
(``telegram_methods.py``) read as plain functions over this state. Everything is shaped like
the real Bot API JSON, so python-telegram-bot parses it with its own code.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.telegram_html import HtmlError, Parsed, parse_html

BOT_ID = 700100200
BOT_USERNAME = "PeerCircleTestBot"
TOKEN = f"{BOT_ID}:AAFakeTokenForTestsOnly_abcdefghijklmnopq"

_MENTION = re.compile(r"tg:(?://)?user\?id=(\d+)")
DELETE_WINDOW = 48 * 3600  # seconds: older messages can't be deleted
CALLBACK_WINDOW = 15 * 60  # seconds: older button presses can't be answered


class Clock:
    """The fake server's own time, in Unix seconds. It starts at the real time and only
    moves when a test says so (``advance``), so rules about age (48 hours to delete, 15
    minutes to answer a button) are tested without waiting and without racing the machine."""

    def __init__(self) -> None:
        self.now = time.time()

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def date(self) -> int:
        return int(self.now)


class ApiError(Exception):
    """A Bot API error answer: HTTP status = error_code, as Telegram does."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def bad_request(what: str) -> ApiError:
    return ApiError(400, f"Bad Request: {what}")


@dataclass
class User:
    id: int
    first_name: str
    username: str | None = None

    def json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            out["username"] = self.username
        return out


@dataclass
class Chat:
    """A group or supergroup. ``members`` maps user id to a Bot API status."""

    id: int
    type: str  # "group" | "supergroup"
    title: str
    username: str | None = None
    members: dict[int, str] = field(default_factory=dict)
    bot_admin: bool = True
    bot_in_chat: bool = True
    join_requests: set[int] = field(default_factory=set)
    migrated_to: int | None = None

    def json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": self.type, "title": self.title}
        if self.username:
            out["username"] = self.username
        return out


@dataclass
class BotMessage:
    """A message in a chat, as the fake holds it: ``text`` is what was sent (HTML), ``plain``
    what people see, ``entities`` its formatting. ``sender`` is the bot unless a person
    wrote it (the fake keeps people's messages too, so deleting them follows the rules)."""

    chat_id: int
    message_id: int
    text: str | None
    plain: str
    reply_markup: dict[str, Any] | None = None
    document: dict[str, Any] | None = None
    document_data: bytes = b""
    entities: list[dict[str, Any]] = field(default_factory=list)
    date: int = 0
    edit_date: int | None = None
    sender: int = BOT_ID

    @property
    def buttons(self) -> list[dict[str, Any]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [b for row in rows for b in row]


class World:
    def __init__(self) -> None:
        self.bot = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Peer Circle",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.started: set[int] = set()  # users who opened a private chat with the bot
        self.blocked: set[int] = set()
        self.messages: dict[tuple[int, int], BotMessage] = {}
        self.invite_links: dict[str, dict[str, Any]] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.callback_ids: dict[str, int] = {}  # query id -> when the button was pressed
        self.clock = Clock()
        self.updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._user_ids = itertools.count(10001)
        self._group_ids = itertools.count(1001)

    # -- ids and json -----------------------------------------------------------------------

    def next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def chat_json(self, chat_id: int) -> dict[str, Any]:
        if chat_id in self.chats:
            return self.chats[chat_id].json()
        user = self.users.get(chat_id)
        if user is None:
            raise bad_request("chat not found")
        out = {"id": user.id, "type": "private", "first_name": user.first_name}
        if user.username:  # Telegram names a username only if the person set one
            out["username"] = user.username
        return out

    def message_json(self, msg: BotMessage) -> dict[str, Any]:
        out: dict[str, Any] = {
            "message_id": msg.message_id,
            "date": msg.date,
            "chat": self.chat_json(msg.chat_id),
            "from": self.bot if msg.sender == BOT_ID else self.users[msg.sender].json(),
        }
        if msg.edit_date is not None:
            out["edit_date"] = msg.edit_date
        if msg.text is not None:
            out["text"] = msg.plain
            if msg.entities:
                out["entities"] = msg.entities
        if msg.document is not None:
            out["document"] = msg.document
            if msg.plain:
                out["caption"] = msg.plain
                if msg.entities:
                    out["caption_entities"] = msg.entities
        if msg.reply_markup:
            out["reply_markup"] = msg.reply_markup
        return out

    def member_json(self, chat: Chat, user_id: int) -> dict[str, Any]:
        status = chat.members.get(user_id, "left")
        user = self.bot if user_id == BOT_ID else self.users[user_id].json()
        if user_id == BOT_ID:
            status = "administrator" if chat.bot_admin else "member"
            if not chat.bot_in_chat:
                status = "left"
        out: dict[str, Any] = {"status": status, "user": user}
        if status == "creator":
            out["is_anonymous"] = False
        elif status == "administrator":
            rights = [
                "can_be_edited", "can_manage_chat", "can_delete_messages",
                "can_manage_video_chats", "can_restrict_members", "can_promote_members",
                "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
                "can_delete_stories",
            ]  # fmt: skip
            out |= {r: r != "can_be_edited" for r in rights}
            out["is_anonymous"] = False
        elif status == "kicked":
            out["until_date"] = 0
        return out

    # -- what people do ---------------------------------------------------------------------

    def add_user(self, first_name: str = "Sam", username: str | None = None) -> User:
        user = User(next(self._user_ids), first_name, username)
        self.users[user.id] = user
        return user

    def add_group(
        self, title: str = "Peer space", *, supergroup: bool = False, bot_admin: bool = True
    ) -> Chat:
        n = next(self._group_ids)
        chat_id = -(1_000_000_000_000 + n) if supergroup else -n
        chat = Chat(chat_id, "supergroup" if supergroup else "group", title, bot_admin=bot_admin)
        self.chats[chat_id] = chat
        return chat

    def push(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), kind: body}
        self.updates.append(update)
        return update

    def user_message(
        self,
        user: User,
        text: str,
        chat: Chat | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        chat_id = user.id if chat is None else chat.id
        if chat is None:
            self.started.add(user.id)
            self.blocked.discard(user.id)
        message_id = self.next_message_id(chat_id)
        date = self.clock.date()
        self.messages[(chat_id, message_id)] = BotMessage(
            chat_id, message_id, text, text, date=date, sender=user.id
        )
        body: dict[str, Any] = {
            "message_id": message_id,
            "date": date,
            "chat": self.chat_json(chat_id),
            "from": user.json(),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if reply_to is not None:
            body["reply_to_message"] = reply_to
        return self.push("message", body)

    def callback(self, user: User, msg: BotMessage, data: str) -> dict[str, Any]:
        query_id = f"cq{len(self.callback_ids) + 1}"
        self.callback_ids[query_id] = self.clock.date()
        body = {
            "id": query_id,
            "from": user.json(),
            "chat_instance": f"ci{msg.chat_id}",
            "message": self.message_json(msg),
            "data": data,
        }
        return self.push("callback_query", body)

    def member_change(self, chat: Chat, user: User, status: str) -> dict[str, Any]:
        old = self.member_json(chat, user.id)
        chat.members[user.id] = status
        body = {
            "chat": chat.json(),
            "from": user.json(),
            "date": self.clock.date(),
            "old_chat_member": old,
            "new_chat_member": self.member_json(chat, user.id),
        }
        return self.push("chat_member", body)

    def join_request(self, chat: Chat, user: User) -> dict[str, Any]:
        chat.join_requests.add(user.id)
        body = {
            "chat": chat.json(),
            "from": user.json(),
            "user_chat_id": user.id,
            "date": self.clock.date(),
        }
        return self.push("chat_join_request", body)

    def upgrade(self, chat: Chat, by: User, announce: bool = True) -> Chat:
        """Turn a group into a new supergroup, as Telegram does: a new id, and (unless the
        bot missed them) a service message in each chat pointing at the other."""
        new = self.add_group(chat.title, supergroup=True, bot_admin=chat.bot_admin)
        new.members = dict(chat.members)
        chat.migrated_to = new.id
        if not announce:
            return new
        for where, key, other in ((chat, "migrate_to_chat_id", new.id),
                                  (new, "migrate_from_chat_id", chat.id)):  # fmt: skip
            body = {
                "message_id": self.next_message_id(where.id),
                "date": self.clock.date(),
                "chat": where.json(),
                "from": by.json(),
                key: other,
            }
            self.push("message", body)
        return new


def parsed_text(
    text: str | None, parse_mode: str | None, users: dict[int, User] | None = None
) -> Parsed:
    """What people see of a text or caption, and its entities; refused like Telegram. A link
    to ``tg://user?id=N`` mentions that person (a ``text_mention``) if Telegram knows them."""
    if text is None:
        return Parsed("")
    if (parse_mode or "").upper() != "HTML":
        return Parsed(text)
    try:
        parsed = parse_html(text)
    except HtmlError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None
    kept = []
    for entity in parsed.entities:
        found = _MENTION.fullmatch(entity.get("url", ""))
        if found is None:
            kept.append(entity)
            continue
        user = (users or {}).get(int(found.group(1)))
        if user is not None:
            del entity["url"]
            kept.append(entity | {"type": "text_mention", "user": user.json()})
    parsed.entities = kept
    return parsed
