"""The Bot API methods the fake answers, as plain functions over :class:`World`.

Each takes the decoded parameters (and uploaded files) and returns the ``result`` of a
successful answer, or raises :class:`ApiError` with Telegram's own wording for the failures
the bot must handle (chat not found, blocked, not modified, group upgraded...).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from tests.fakes.telegram_chat_rules import (
    check_answerable,
    check_commands,
    check_deletable,
    remove_member,
)
from tests.fakes.telegram_world import (
    BOT_ID,
    ApiError,
    BotMessage,
    Chat,
    World,
    bad_request,
    parsed_text,
)

Params = dict[str, Any]
Files = dict[str, tuple[str, bytes]]
Method = Callable[[World, Params, Files], Any]

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


def _chat_for_sending(world: World, chat_id: Any) -> int:
    """Check the bot may post in this chat, the way Telegram refuses when it may not."""
    if not isinstance(chat_id, int):
        raise bad_request("chat not found")
    if chat_id in world.chats:
        chat = world.chats[chat_id]
        if chat.migrated_to is not None:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if not chat.bot_in_chat:
            raise ApiError(403, "Forbidden: bot is not a member of the group chat")
        return chat_id
    if chat_id not in world.users:
        raise bad_request("chat not found")
    if chat_id in world.blocked:
        raise ApiError(403, "Forbidden: bot was blocked by the user")
    if chat_id not in world.started:
        raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
    return chat_id


def _check_markup(markup: dict[str, Any] | None) -> None:
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
            if data is None and not button.get("url"):
                raise bad_request("can't parse inline keyboard button: Text buttons are unallowed")


def _message(world: World, params: Params) -> BotMessage:
    msg = world.messages.get((params.get("chat_id"), params.get("message_id")))
    if msg is None:
        raise bad_request("message to edit not found")
    if msg.sender != BOT_ID:
        raise bad_request("message can't be edited")
    return msg


def _edited(world: World, msg: BotMessage) -> Any:
    msg.edit_date = world.clock.date()
    return world.message_json(msg)


def send_message(world: World, params: Params, files: Files) -> Any:
    chat_id = _chat_for_sending(world, params.get("chat_id"))
    text = params.get("text") or ""
    parsed = parsed_text(text, params.get("parse_mode"), world.users)
    plain = parsed.text
    if not plain.strip():
        raise bad_request("message text is empty")
    if len(plain) > TEXT_LIMIT:
        raise bad_request("message is too long")
    _check_markup(params.get("reply_markup"))
    msg = BotMessage(
        chat_id, world.next_message_id(chat_id), text, plain, params.get("reply_markup"),
        entities=parsed.entities, date=world.clock.date(),
    )  # fmt: skip
    world.messages[(chat_id, msg.message_id)] = msg
    return world.message_json(msg)


def send_document(world: World, params: Params, files: Files) -> Any:
    chat_id = _chat_for_sending(world, params.get("chat_id"))
    if "document" not in files:
        raise bad_request("there is no document in the request")
    caption = params.get("caption")
    parsed = parsed_text(caption, params.get("parse_mode"), world.users)
    plain = parsed.text
    if len(plain) > CAPTION_LIMIT:
        raise bad_request("message caption is too long")
    _check_markup(params.get("reply_markup"))
    name, data = files["document"]
    document = {
        "file_id": secrets.token_hex(8),
        "file_unique_id": secrets.token_hex(4),
        "file_name": name,
        "file_size": len(data),
    }
    msg = BotMessage(
        chat_id, world.next_message_id(chat_id), None, plain, params.get("reply_markup"), document,
        entities=parsed.entities, date=world.clock.date(),
    )  # fmt: skip
    msg.document_data = data
    world.messages[(chat_id, msg.message_id)] = msg
    return world.message_json(msg)


def edit_message_text(world: World, params: Params, files: Files) -> Any:
    msg = _message(world, params)
    if msg.text is None:
        raise bad_request("there is no text in the message to edit")
    text = params.get("text") or ""
    parsed = parsed_text(text, params.get("parse_mode"), world.users)
    plain = parsed.text
    if not plain.strip():
        raise bad_request("message text is empty")
    if len(plain) > TEXT_LIMIT:
        raise bad_request("message is too long")
    markup = params.get("reply_markup")
    _check_markup(markup)
    if (
        plain == msg.plain
        and parsed.entities == msg.entities
        and (markup or None) == (msg.reply_markup or None)
    ):
        raise bad_request(
            "message is not modified: specified new message content and reply markup are"
            " exactly the same as a current content and reply markup of the message"
        )
    msg.text, msg.plain, msg.reply_markup, msg.entities = text, plain, markup, parsed.entities
    return _edited(world, msg)


def edit_message_reply_markup(world: World, params: Params, files: Files) -> Any:
    msg = _message(world, params)
    markup = params.get("reply_markup")
    _check_markup(markup)
    if (markup or None) == (msg.reply_markup or None):
        raise bad_request(
            "message is not modified: specified new message content and reply markup are"
            " exactly the same as a current content and reply markup of the message"
        )
    msg.reply_markup = markup
    return _edited(world, msg)


def delete_message(world: World, params: Params, files: Files) -> Any:
    key = (params.get("chat_id"), params.get("message_id"))
    if key not in world.messages:
        raise bad_request("message to delete not found")
    check_deletable(world, world.messages[key])
    del world.messages[key]
    return True


def answer_callback_query(world: World, params: Params, files: Files) -> Any:
    check_answerable(world, params.get("callback_query_id"))
    world.callback_ids.pop(params["callback_query_id"])
    return True


def _scope_key(params: Params) -> str:
    scope = params.get("scope") or {"type": "default"}
    return f"{scope.get('type')}:{scope.get('chat_id', '')}:{params.get('language_code', '')}"


def _check_scope(world: World, params: Params) -> None:
    """A scope naming a chat needs a chat the bot knows: a group it is in, or a private chat
    the person opened (else 400 "chat not found", as Telegram answers)."""
    scope = params.get("scope") or {}
    if scope.get("type") in ("chat", "chat_administrators", "chat_member"):
        chat_id = scope.get("chat_id")
        if chat_id not in world.chats and chat_id not in world.started:
            raise bad_request("chat not found")


def set_my_commands(world: World, params: Params, files: Files) -> Any:
    commands = check_commands(params.get("commands") or [])
    _check_scope(world, params)
    world.commands[_scope_key(params)] = commands
    return True


def delete_my_commands(world: World, params: Params, files: Files) -> Any:
    _check_scope(world, params)
    world.commands.pop(_scope_key(params), None)
    return True


def get_my_commands(world: World, params: Params, files: Files) -> Any:
    return world.commands.get(_scope_key(params), [])


def _group(world: World, params: Params) -> Chat:
    chat = world.chats.get(params.get("chat_id"))
    if chat is None:
        raise bad_request("chat not found")
    return chat


def _admin_group(world: World, params: Params, right: str) -> Chat:
    chat = _group(world, params)
    if not chat.bot_admin:
        raise bad_request(f"not enough rights to {right}")
    return chat


def get_chat(world: World, params: Params, files: Files) -> Any:
    chat_id = params.get("chat_id")
    base = world.chat_json(chat_id) if isinstance(chat_id, int) else world.chat_json(0)
    kinds = "unlimited_gifts limited_gifts unique_gifts premium_subscription gifts_from_channels"
    gifts = dict.fromkeys(kinds.split(), False)
    return base | {"accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}


def create_chat_invite_link(world: World, params: Params, files: Files) -> Any:
    _admin_group(world, params, "manage chat invite link")
    link = {
        "invite_link": f"https://t.me/+{secrets.token_urlsafe(12)}",
        "creator": world.bot,
        "creates_join_request": bool(params.get("creates_join_request")),
        "is_primary": False,
        "is_revoked": False,
    }
    for key in ("expire_date", "member_limit", "name"):
        if params.get(key) is not None:
            link[key] = params[key]
    world.invite_links[link["invite_link"]] = link | {"chat_id": params["chat_id"]}
    return link


def _decide_join(world: World, params: Params, approve: bool) -> Any:
    chat = _admin_group(world, params, "invite users")
    user_id = params.get("user_id")
    if user_id not in chat.join_requests:
        raise bad_request("HIDE_REQUESTER_MISSING")
    chat.join_requests.discard(user_id)
    if approve:
        world.member_change(chat, world.users[user_id], "member")
    return True


def approve_chat_join_request(world: World, params: Params, files: Files) -> Any:
    return _decide_join(world, params, True)


def decline_chat_join_request(world: World, params: Params, files: Files) -> Any:
    return _decide_join(world, params, False)


def ban_chat_member(world: World, params: Params, files: Files) -> Any:
    chat = _admin_group(world, params, "restrict/ban chat member")
    user = world.users.get(params.get("user_id"))
    if user is None:
        raise bad_request("user not found")
    if chat.members.get(user.id) == "creator":
        raise bad_request("can't remove chat owner")
    remove_member(world, chat, user)
    return True


def unban_chat_member(world: World, params: Params, files: Files) -> Any:
    chat = _admin_group(world, params, "restrict/ban chat member")
    if chat.type != "supergroup":
        raise bad_request("method is available for supergroup and channel chats only")
    user_id = params.get("user_id")
    status = chat.members.get(user_id)
    only_if_banned = bool(params.get("only_if_banned"))
    if status == "kicked" or (status in ("member", "administrator") and not only_if_banned):
        world.member_change(chat, world.users[user_id], "left")
    return True


def get_chat_member(world: World, params: Params, files: Files) -> Any:
    chat = _group(world, params)
    user_id = params.get("user_id")
    if user_id != BOT_ID and user_id not in world.users:
        raise bad_request("user not found")
    return world.member_json(chat, user_id)


def get_chat_administrators(world: World, params: Params, files: Files) -> Any:
    chat = _group(world, params)
    admins = [u for u, s in chat.members.items() if s in ("creator", "administrator")]
    found = [world.member_json(chat, u) for u in admins]
    if chat.bot_admin and chat.bot_in_chat:
        found.append(world.member_json(chat, BOT_ID))
    return found


def leave_chat(world: World, params: Params, files: Files) -> Any:
    _group(world, params).bot_in_chat = False
    return True


def get_me(world: World, params: Params, files: Files) -> Any:
    return world.bot


def delete_webhook(world: World, params: Params, files: Files) -> Any:
    if params.get("drop_pending_updates"):
        world.updates.clear()
    return True


METHODS: dict[str, Method] = {
    "getme": get_me,
    "deletewebhook": delete_webhook,
    "sendmessage": send_message,
    "senddocument": send_document,
    "editmessagetext": edit_message_text,
    "editmessagereplymarkup": edit_message_reply_markup,
    "deletemessage": delete_message,
    "answercallbackquery": answer_callback_query,
    "setmycommands": set_my_commands,
    "getmycommands": get_my_commands,
    "deletemycommands": delete_my_commands,
    "getchat": get_chat,
    "createchatinvitelink": create_chat_invite_link,
    "approvechatjoinrequest": approve_chat_join_request,
    "declinechatjoinrequest": decline_chat_join_request,
    "banchatmember": ban_chat_member,
    "unbanchatmember": unban_chat_member,
    "getchatmember": get_chat_member,
    "getchatadministrators": get_chat_administrators,
    "leavechat": leave_chat,
}

# Methods that count against Telegram's sending limits.
SENDING = {"sendmessage", "senddocument"}
