"""Interactions in the fake: what a person's slash command, autocomplete or button press
looks like on the gateway, and how the bot's answers (callbacks, followups, edits of the
original response) land. Each interaction records everything it was answered with, so a test
reads ``ix.messages[0].content`` and ``ix.messages[0].ephemeral``.

Like Discord, an interaction not acknowledged within 3 seconds is gone (404, code 10062), one
answered twice is refused (400, 40060), and its token works for 15 minutes (then 401, 50027).
Those times are read from the fake's settable clock (``fake.clock``), never the machine's, so
a test decides how late an answer is: ``slash(..., age=4)`` delivers an interaction that has
already waited 4 seconds, ``fake.clock.advance(...)`` moves time on.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fakes import discord_validation as valid
from tests.fakes.discord_http import error
from tests.fakes.discord_model import (
    BODY,
    EPHEMERAL,
    FAKE,
    FILES,
    JSON,
    LOADING,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    Channel,
    Message,
    User,
    json_response,
    snowflake,
)
from tests.fakes.discord_permissions import in_channel

if TYPE_CHECKING:
    from tests.fakes.discord_server import FakeDiscord

COMMAND, COMPONENT, AUTOCOMPLETE = 2, 3, 4
USER = 6


def _user_id(value: Any) -> str:
    return value.id if isinstance(value, User) else str(value)


OPTION_TYPES: dict[int, Any] = {3: str, 4: int, 5: bool, USER: _user_id, 10: float}


@dataclass
class FakeInteraction:
    id: str
    token: str
    type: int
    user: User
    channel: Channel
    created: datetime  # by the fake's clock
    source: Message | None = None  # the message a pressed button sat on
    callbacks: list[JSON] = field(default_factory=list)
    original: Message | None = None
    messages: list[Message] = field(default_factory=list)  # new messages it answered with
    edited: list[Message] = field(default_factory=list)  # the button's message, edited
    choices: list[JSON] | None = None
    late: bool = False

    @property
    def acknowledged(self) -> bool:
        return bool(self.callbacks)

    @property
    def answered(self) -> bool:
        """Something a person can read arrived (not just a 'thinking…' placeholder)."""
        visible = [m for m in self.messages if not m.loading and not m.deleted]
        return bool(visible or self.edited or self.choices is not None)

    @property
    def shown(self) -> list[Message]:
        return [m for m in self.messages if not m.deleted and not m.loading]

    @property
    def text(self) -> str:
        return "\n".join(m.shown for m in [*self.shown, *self.edited])


def app_permissions(fake: FakeDiscord, channel: Channel) -> int:
    """What the bot may do where the interaction happened (everything in a DM but a few)."""
    world = fake.world
    if channel.guild_id is None:
        return VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY
    return in_channel(world.guild, world.guild.members[world.bot.id], channel)


def interaction_payload(fake: FakeDiscord, ix: FakeInteraction, data: JSON) -> JSON:
    world = fake.world
    payload: JSON = {
        "id": ix.id,
        "application_id": world.app_id,
        "type": ix.type,
        "data": data,
        "token": ix.token,
        "version": 1,
        "channel_id": ix.channel.id,
        "channel": ix.channel.payload(),
        "app_permissions": str(app_permissions(fake, ix.channel)),
        "locale": "en-US",
        "entitlements": [],
        "attachment_size_limit": 8 * 1024 * 1024,
    }
    if ix.channel.guild_id is not None:
        member = world.guild.members.get(ix.user.id)
        assert member is not None, f"{ix.user.name} is not in the guild"
        payload.update(
            guild_id=world.guild.id,
            guild_locale="en-US",
            member={**member.payload(), "permissions": "0"},
            context=0,
            authorizing_integration_owners={"0": world.guild.id},
        )
    else:
        payload.update(user=ix.user.payload(), context=1, authorizing_integration_owners={"0": "0"})
    if ix.source is not None:
        payload["message"] = ix.source.payload(ix.channel.guild_id)
    return payload


def new_interaction(
    kind: int, user: User, channel: Channel, created: datetime, source: Message | None = None
) -> FakeInteraction:
    token = "ix-" + secrets.token_urlsafe(24)
    return FakeInteraction(snowflake(), token, kind, user, channel, created, source)


def command_options(
    definition: JSON, options: dict[str, Any], subcommand: str | None, focused: str | None
) -> list[JSON]:
    """Typed option payloads, checked against what the bot registered (as Discord would)."""
    declared = definition.get("options", [])
    if subcommand is not None:
        sub = next((o for o in declared if o["type"] == 1 and o["name"] == subcommand), None)
        assert sub is not None, f"/{definition['name']} has no subcommand {subcommand!r}"
        inner = command_options(sub, options, None, focused)
        return [{"type": 1, "name": subcommand, "options": inner}]
    assert all(o["type"] > 2 for o in declared) or not declared, "choose a subcommand"
    by_name = {o["name"]: o for o in declared}
    out = []
    for name, value in options.items():
        assert name in by_name, f"/{definition['name']} has no option {name!r}"
        kind = by_name[name]["type"]
        typed = value if name == focused else OPTION_TYPES[kind](value)
        entry: JSON = {"type": kind, "name": name, "value": typed}
        if name == focused:
            entry["focused"] = True
        out.append(entry)
    missing = [o["name"] for o in declared if o.get("required") and o["name"] not in options]
    assert focused is not None or not missing, f"Discord would not send without {missing}"
    return out


def resolved_users(fake: FakeDiscord, options: list[JSON]) -> JSON:
    """What Discord sends with a command naming users: each user, and their guild member."""
    users: JSON = {}
    members: JSON = {}
    for option in options:
        if option["type"] == 1:
            nested = resolved_users(fake, option.get("options", []))
            users.update(nested.get("users", {}))
            members.update(nested.get("members", {}))
        elif option["type"] == USER:
            user = fake.world.users[option["value"]]
            users[user.id] = user.payload()
            member = fake.world.guild.members.get(user.id)
            if member is not None:
                members[user.id] = {k: v for k, v in member.payload().items() if k != "user"}
    return {"users": users, "members": members} if users else {}


def callback_result(ix: FakeInteraction, kind: int, message: Message | None) -> JSON:
    result: JSON = {
        "interaction": {
            "id": ix.id,
            "type": ix.type,
            "response_message_id": message.id if message else None,
            "response_message_loading": bool(message and message.loading),
            "response_message_ephemeral": bool(message and message.ephemeral),
        },
        "resource": {"type": kind},
    }
    if message is not None:
        result["resource"]["message"] = message.payload(ix.channel.guild_id)
    return result


async def callback(request: web.Request) -> web.Response:
    """POST /interactions/{id}/{token}/callback"""
    fake: FakeDiscord = request.app[FAKE]
    ix = fake.interactions.get(request.match_info["id"])
    if ix is None or ix.token != request.match_info["token"]:
        return error(404, 10062, "Unknown interaction")
    if ix.acknowledged:
        return error(400, 40060, "Interaction has already been acknowledged.")
    if fake.elapsed(ix.created) > fake.interaction_deadline:
        ix.late = True
        return error(404, 10062, "Unknown interaction")
    body: JSON = request[BODY] or {}
    kind, data = int(body["type"]), body.get("data") or {}
    refused = valid.refuse_callback(data, request[FILES], kind)
    if refused is not None:
        return refused
    ix.callbacks.append(body)
    message: Message | None = None
    if kind in (4, 5):
        flags = int(data.get("flags", 0)) | (LOADING if kind == 5 else 0)
        message = fake.create_message(ix.channel, data, request[FILES], flags=flags)
        message.interaction_id = ix.id
        ix.original = message
        ix.messages.append(message)
    elif kind in (6, 7):
        assert ix.source is not None, "only a button press can update its message"
        ix.original = message = ix.source
        if kind == 7:
            fake.edit_message(ix.source, data, request[FILES])
            ix.edited.append(ix.source)
    elif kind == 8:
        ix.choices = list(data.get("choices", []))
    fake.changed()
    return json_response(callback_result(ix, kind, message))


def _by_token(fake: FakeDiscord, request: web.Request) -> FakeInteraction | None:
    token = request.match_info["token"]
    if request.match_info["app"] != fake.world.app_id:
        return None
    return next((ix for ix in fake.interactions.values() if ix.token == token), None)


def _expired(fake: FakeDiscord, ix: FakeInteraction) -> web.Response | None:
    """An interaction's token is good for 15 minutes."""
    if fake.elapsed(ix.created) > fake.token_lifetime:
        return error(401, 50027, "Invalid Webhook Token")
    return None


async def followup(request: web.Request) -> web.Response:
    """POST /webhooks/{app}/{token}: a followup. The first one after a 'thinking' defer
    replaces the placeholder, as on Discord."""
    fake: FakeDiscord = request.app[FAKE]
    ix = _by_token(fake, request)
    if ix is None or not ix.acknowledged:
        return error(404, 10015, "Unknown Webhook")
    data: JSON = request[BODY] or {}
    refused = (
        _expired(fake, ix)
        or valid.refuse_webhook_reply(data)
        or valid.refuse_message(data, request[FILES])
    )
    if refused is not None:
        return refused
    original = ix.original
    if original is not None and original.loading and not original.deleted:
        fake.edit_message(original, data, request[FILES])
        original.flags &= ~LOADING
        message = original
    else:
        flags = int(data.get("flags", 0)) & EPHEMERAL
        message = fake.create_message(ix.channel, data, request[FILES], flags=flags)
        message.interaction_id = ix.id
        ix.messages.append(message)
    fake.changed()
    return json_response(message.payload(ix.channel.guild_id))


async def webhook_message(request: web.Request) -> web.Response:
    """GET/PATCH/DELETE /webhooks/{app}/{token}/messages/{id or @original}"""
    fake: FakeDiscord = request.app[FAKE]
    ix = _by_token(fake, request)
    if ix is None:
        return error(404, 10015, "Unknown Webhook")
    expired = _expired(fake, ix)
    if expired is not None:
        return expired
    wanted = request.match_info["message"]
    if wanted == "@original":
        message = ix.original
    else:
        message = next((m for m in [*ix.messages, *ix.edited] if m.id == wanted), None)
    if message is None or message.deleted:
        return error(404, 10008, "Unknown Message")
    if request.method == "DELETE":
        message.deleted = True
        fake.changed()
        return web.Response(status=204)
    if request.method == "PATCH":
        refused = valid.refuse_message(request[BODY] or {}, request[FILES], new=False)
        if refused is not None:
            return refused
        fake.edit_message(message, request[BODY] or {}, request[FILES])
        message.flags &= ~LOADING
        if message is ix.source and message not in ix.edited:
            ix.edited.append(message)
        fake.changed()
    return json_response(message.payload(ix.channel.guild_id))


def add_routes(app: web.Application, prefix: str) -> None:
    app.router.add_post(prefix + "/interactions/{id}/{token}/callback", callback)
    app.router.add_post(prefix + "/webhooks/{app}/{token}", followup)
    app.router.add_route(
        "*", prefix + "/webhooks/{app}/{token}/messages/{message}", webhook_message
    )
