"""What the fake Discord needs for the bridge: people posting, editing and deleting messages
with content (the bot asks for the message content intent), channel webhooks (create, list,
execute, edit and delete their messages, as Discord answers them), and the channel history the
bot pages through to catch up (``GET /channels/{id}/messages`` with ``after``/``before`` and at
most 100 a page, newest first, as Discord returns them).

Kept apart from the rest of the fake so its parts can change independently; the server adds
these routes before the interaction routes, because a webhook and an interaction followup
share the path ``/webhooks/{id}/{token}`` (Discord tells them apart by the id).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

from tests.fakes import discord_interactions as interactions
from tests.fakes.discord_http import error
from tests.fakes.discord_model import (
    BODY,
    FAKE,
    FILES,
    JSON,
    Channel,
    Message,
    User,
    json_response,
    snowflake,
)
from tests.fakes.discord_uploads import files_of

if TYPE_CHECKING:
    from tests.fakes.discord_server import FakeDiscord

MAX_PAGE = 100


@dataclass
class Webhook:
    id: str
    token: str
    channel_id: str
    guild_id: str | None
    name: str
    creator: User

    def payload(self, with_token: bool = True) -> JSON:
        data: JSON = {
            "id": self.id,
            "type": 1,
            "channel_id": self.channel_id,
            "guild_id": self.guild_id,
            "name": self.name,
            "avatar": None,
            "application_id": None,
            "user": self.creator.payload(),
        }
        if with_token:
            data["token"] = self.token
        return data


@dataclass
class WebhookMessage(Message):
    """A message a webhook posted: its author is the name it was given, not an account."""

    webhook_id: str = ""
    username: str = ""
    avatar_url: str | None = None
    allowed_mentions: JSON | None = None

    def payload(self, guild_id: str | None = None) -> JSON:
        data = super().payload(guild_id)
        data["webhook_id"] = self.webhook_id
        data["author"] = {
            "id": self.webhook_id,
            "username": self.username,
            "discriminator": "0000",
            "avatar": None,
            "bot": True,
        }
        return data


@dataclass
class Relayed:
    """What the bridge needs from the fake, kept beside the fake's world."""

    webhooks: dict[str, Webhook] = field(default_factory=dict)
    history: dict[str, list[str]] = field(default_factory=dict)  # channel → message ids
    files: dict[str, tuple[str, bytes | None, int]] = field(default_factory=dict)  # by message


def state(fake: FakeDiscord) -> Relayed:
    found = getattr(fake, "_relayed", None)
    if found is None:
        found = Relayed()
        fake._relayed = found  # type: ignore[attr-defined]
    return found


def _fake(request: web.Request) -> FakeDiscord:
    fake: FakeDiscord = request.app[FAKE]
    return fake


def remember(fake: FakeDiscord, message: Message) -> None:
    fake.world.messages[message.id] = message
    state(fake).history.setdefault(message.channel_id, []).append(message.id)


# -- people ---------------------------------------------------------------------------------------


async def say(
    fake: FakeDiscord,
    user: User,
    channel: Channel,
    content: str,
    *,
    reply_to: Message | None = None,
    file: tuple[str, bytes | int] | None = None,
    live: bool = True,
) -> Message:
    """``user`` posts ``content`` in ``channel`` (a reply to ``reply_to``), with a ``file``
    (its name and bytes, or only a size for one too large to bother making). ``live=False``:
    it is only in the channel's history, as if posted while the bot was not connected."""
    message = Message(snowflake(), channel.id, user, content=content)
    if reply_to is not None:
        message.reply_to = reply_to.id
    if file is not None:
        name, body = file
        data = body if isinstance(body, bytes) else None
        state(fake).files[message.id] = (name, data, len(body) if data else int(body))  # type: ignore[arg-type]
        message.attachments = [name]
    remember(fake, message)
    if live:
        await fake.gateway.dispatch("MESSAGE_CREATE", _with_member(fake, message, channel))
    return message


def _with_member(fake: FakeDiscord, message: Message, channel: Channel) -> JSON:
    payload = message.payload(channel.guild_id)
    member = fake.world.guild.members.get(message.author.id)
    if member is not None and channel.guild_id is not None:
        payload["member"] = {k: v for k, v in member.payload().items() if k != "user"}
    if message.reply_to is not None:
        replied = fake.world.messages.get(message.reply_to)
        if replied is not None:
            payload["referenced_message"] = replied.payload(channel.guild_id)
    found = state(fake).files.get(message.id)
    if found is not None:
        name, data, size = found
        path = f"/attachments/{message.channel_id}/{message.id}/{name}"
        if data is not None:
            files_of(fake).cdn[path] = data  # served by the fake's CDN (discord_uploads)
        url = f"http://127.0.0.1:{fake.port}{path}"
        payload["attachments"] = [
            {"id": snowflake(), "filename": name, "size": size, "url": url, "proxy_url": url,
             "content_type": "application/octet-stream"}
        ]  # fmt: skip
    return payload


async def edit(fake: FakeDiscord, message: Message, content: str) -> None:
    message.content = content
    message.edits += 1
    channel = fake.world.channel(message.channel_id)
    assert channel is not None
    await fake.gateway.dispatch("MESSAGE_UPDATE", _with_member(fake, message, channel))


async def delete(fake: FakeDiscord, *messages: Message) -> None:
    """Delete one message (MESSAGE_DELETE) or several at once (MESSAGE_DELETE_BULK)."""
    for m in messages:
        m.deleted = True
    first = messages[0]
    channel = fake.world.channel(first.channel_id)
    assert channel is not None
    base: JSON = {"channel_id": first.channel_id}
    if channel.guild_id is not None:
        base["guild_id"] = channel.guild_id
    if len(messages) == 1:
        await fake.gateway.dispatch("MESSAGE_DELETE", {"id": first.id, **base})
    else:
        await fake.gateway.dispatch(
            "MESSAGE_DELETE_BULK", {"ids": [m.id for m in messages], **base}
        )


def hooks_in(fake: FakeDiscord, channel: Channel) -> list[Webhook]:
    return [w for w in state(fake).webhooks.values() if w.channel_id == channel.id]


def webhook_messages(fake: FakeDiscord, channel: Channel) -> list[WebhookMessage]:
    return [m for m in fake.messages_in(channel) if isinstance(m, WebhookMessage)]


# -- routes ---------------------------------------------------------------------------------------

routes = web.RouteTableDef()


@routes.get("/channels/{channel}/messages")
async def history(request: web.Request) -> web.Response:
    fake = _fake(request)
    channel = fake.world.channel(request.match_info["channel"])
    if channel is None:
        return error(404, 10003, "Unknown Channel")
    limit = int(request.query.get("limit", 50))
    if not 1 <= limit <= MAX_PAGE:
        return error(400, 50035, "Invalid Form Body")
    ids = sorted(
        (i for i in state(fake).history.get(channel.id, []) if not fake.world.messages[i].deleted),
        key=int,
    )
    ids += sorted(
        (m.id for m in fake.messages_in(channel) if m.id not in ids), key=int
    )  # the bot's own
    ids = sorted(set(ids), key=int)
    if "after" in request.query:
        after = int(request.query["after"])
        found = [i for i in ids if int(i) > after][:limit]
    else:
        before = int(request.query.get("before", 1 << 63))
        found = [i for i in ids if int(i) < before][-limit:]
    found.reverse()  # Discord returns newest first
    return json_response([fake.world.messages[i].payload(channel.guild_id) for i in found])


@routes.get("/channels/{channel}/webhooks")
async def list_hooks(request: web.Request) -> web.Response:
    fake = _fake(request)
    channel = fake.world.channel(request.match_info["channel"])
    if channel is None:
        return error(404, 10003, "Unknown Channel")
    return json_response([w.payload() for w in hooks_in(fake, channel)])


@routes.post("/channels/{channel}/webhooks")
async def create_hook(request: web.Request) -> web.Response:
    fake = _fake(request)
    channel = fake.world.channel(request.match_info["channel"])
    if channel is None:
        return error(404, 10003, "Unknown Channel")
    name = str((request[BODY] or {}).get("name") or "")
    if not 1 <= len(name) <= 80:
        return error(400, 50035, "Invalid Form Body")
    hook = Webhook(
        snowflake(), secrets.token_urlsafe(24), channel.id, channel.guild_id, name, fake.bot
    )
    state(fake).webhooks[hook.id] = hook
    fake.changed()
    return json_response(hook.payload())


@routes.delete("/webhooks/{hook}")
async def delete_hook(request: web.Request) -> web.Response:
    """A person removes the webhook in the channel's settings (tests call this directly)."""
    fake = _fake(request)
    if state(fake).webhooks.pop(request.match_info["hook"], None) is None:
        return error(404, 10015, "Unknown Webhook")
    return web.Response(status=204)


def _hook(request: web.Request) -> Webhook | None:
    hook = state(_fake(request)).webhooks.get(request.match_info["app"])
    if hook is None or hook.token != request.match_info["token"]:
        return None
    return hook


async def execute(request: web.Request) -> web.Response:
    """POST /webhooks/{id}/{token}: a channel webhook posts, or an interaction followup."""
    fake = _fake(request)
    if request.match_info["app"] == fake.world.app_id:
        return await interactions.followup(request)
    hook = _hook(request)
    if hook is None:
        return error(404, 10015, "Unknown Webhook")
    data: JSON = request[BODY] or {}
    if data.get("message_reference"):
        return error(400, 50035, "Invalid Form Body: webhooks cannot reply")
    content = str(data.get("content") or "")
    if len(content) > 2000:
        return error(400, 50035, "Invalid Form Body: content must be 2000 or fewer in length")
    if not content and not request[FILES]:
        return error(400, 50006, "Cannot send an empty message")
    username = str(data.get("username") or hook.name)
    if not 1 <= len(username) <= 80 or "discord" in username.lower() or "clyde" in username.lower():
        return error(400, 50035, "Invalid Form Body: username")
    message = WebhookMessage(
        snowflake(),
        hook.channel_id,
        fake.bot,
        content=content,
        webhook_id=hook.id,
        username=username,
        avatar_url=data.get("avatar_url"),
        allowed_mentions=data.get("allowed_mentions"),
    )
    message.attachments = list(request[FILES])
    remember(fake, message)
    channel = fake.world.channel(hook.channel_id)
    guild = channel.guild_id if channel else None
    await fake.gateway.dispatch("MESSAGE_CREATE", message.payload(guild))
    fake.changed()
    if request.query.get("wait") not in ("true", "True", "1"):
        return web.Response(status=204)
    return json_response(message.payload(guild))


async def hook_message(request: web.Request) -> web.Response:
    """GET/PATCH/DELETE /webhooks/{id}/{token}/messages/{message}."""
    fake = _fake(request)
    if request.match_info["app"] == fake.world.app_id:
        return await interactions.webhook_message(request)
    hook = _hook(request)
    if hook is None:
        return error(404, 10015, "Unknown Webhook")
    found = fake.world.messages.get(request.match_info["message"])
    if not isinstance(found, WebhookMessage) or found.deleted or found.webhook_id != hook.id:
        return error(404, 10008, "Unknown Message")
    channel = fake.world.channel(found.channel_id)
    guild = channel.guild_id if channel else None
    if request.method == "DELETE":
        found.deleted = True
        base: JSON = {"id": found.id, "channel_id": found.channel_id}
        if guild:
            base["guild_id"] = guild
        await fake.gateway.dispatch("MESSAGE_DELETE", base)
        fake.changed()
        return web.Response(status=204)
    if request.method == "PATCH":
        data: JSON = request[BODY] or {}
        if len(str(data.get("content") or "")) > 2000:
            return error(400, 50035, "Invalid Form Body: content must be 2000 or fewer in length")
        fake.edit_message(found, data, request[FILES])
        found.allowed_mentions = data.get("allowed_mentions", found.allowed_mentions)
        await fake.gateway.dispatch("MESSAGE_UPDATE", found.payload(guild))
        fake.changed()
    return json_response(found.payload(guild))


def add_routes(app: web.Application, prefix: str) -> None:
    for route in routes:
        assert isinstance(route, web.RouteDef)
        app.router.add_route(route.method, prefix + route.path, route.handler)
    app.router.add_post(prefix + "/webhooks/{app}/{token}", execute)
    app.router.add_route("*", prefix + "/webhooks/{app}/{token}/messages/{message}", hook_message)
