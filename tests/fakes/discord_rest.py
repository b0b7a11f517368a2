"""The fake Discord's bot REST routes (``/api/v10``), answered from its :class:`World`.

Errors use Discord's own codes, so the adapter's mapping is tested against real shapes:
10003 Unknown Channel, 10007 Unknown Member, 10008 Unknown Message, 10011 Unknown Role,
50007 Cannot send messages to this user (DMs closed, or no server shared with the bot);
50001 Missing Access and 50013 Missing Permissions where the bot's own permissions
(``discord_permissions``) do not allow it; 400 50035 and 50006 for bodies Discord refuses
(``discord_validation``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from tests.fakes import discord_permissions as perms
from tests.fakes import discord_validation as valid
from tests.fakes.discord_http import error
from tests.fakes.discord_model import (
    ATTACH_FILES,
    BODY,
    FAKE,
    FILES,
    JSON,
    KICK_MEMBERS,
    MANAGE_CHANNELS,
    MANAGE_ROLES,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    Channel,
    Member,
    Overwrite,
    Role,
    json_response,
    snowflake,
)

if TYPE_CHECKING:
    from tests.fakes.discord_server import FakeDiscord

routes = web.RouteTableDef()


def _fake(request: web.Request) -> FakeDiscord:
    fake: FakeDiscord = request.app[FAKE]
    return fake


def _json(request: web.Request) -> JSON:
    body: JSON = request[BODY] or {}
    return body


def _me(request: web.Request) -> Member:
    """The bot as a member of the guild, whose permissions decide what it may do."""
    world = _fake(request).world
    return world.guild.members[world.bot.id]


def _refused(request: web.Request, channel: Channel, needed: int) -> web.Response | None:
    return perms.refusal(_fake(request).world.guild, _me(request), channel, needed)


# -- who am I ---------------------------------------------------------------------------------


@routes.get("/users/@me")
async def me(request: web.Request) -> web.Response:
    return json_response(_fake(request).world.bot.payload())


@routes.get("/users/{user}")
async def user(request: web.Request) -> web.Response:
    found = _fake(request).world.users.get(request.match_info["user"])
    if found is None:
        return error(404, 10013, "Unknown User")
    return json_response(found.payload())


@routes.get("/oauth2/applications/@me")
@routes.get("/applications/@me")
async def application(request: web.Request) -> web.Response:
    world = _fake(request).world
    return json_response(
        {
            "id": world.app_id,
            "name": "Peer Circle",
            "description": "",
            "icon": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "owner": world.guild.members[world.guild.owner_id].user.payload(),
            "team": None,
            "verify_key": "0" * 64,
            "flags": 0,
            "interactions_endpoint_url": None,
        }
    )


@routes.get("/gateway")
async def gateway(request: web.Request) -> web.Response:
    return json_response({"url": _fake(request).gateway_url})


@routes.get("/gateway/bot")
async def gateway_bot(request: web.Request) -> web.Response:
    limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
    url = _fake(request).gateway_url
    return json_response({"url": url, "shards": 1, "session_start_limit": limit})


# -- application commands ------------------------------------------------------------------


@routes.put("/applications/{app}/commands")
@routes.put("/applications/{app}/guilds/{guild}/commands")
async def put_commands(request: web.Request) -> web.Response:
    fake = _fake(request)
    guild = request.match_info.get("guild")
    refused = valid.refuse_commands(list(request[BODY] or []))
    if refused is not None:
        return refused
    stored = []
    for command in request[BODY] or []:
        entry = {**command, "id": snowflake(), "application_id": fake.world.app_id, "version": "1"}
        if guild is not None:
            entry["guild_id"] = guild
        stored.append(entry)
    fake.world.commands[guild] = stored
    fake.changed()
    return json_response(stored)


@routes.get("/applications/{app}/commands")
@routes.get("/applications/{app}/guilds/{guild}/commands")
async def get_commands(request: web.Request) -> web.Response:
    return json_response(_fake(request).world.commands.get(request.match_info.get("guild"), []))


# -- messages -----------------------------------------------------------------------------


@routes.post("/users/@me/channels")
async def open_dm(request: web.Request) -> web.Response:
    world = _fake(request).world
    recipient = world.users.get(str(_json(request).get("recipient_id")))
    if recipient is None:
        return error(400, 50033, "Invalid Recipient(s)")
    return json_response(world.dm_for(recipient).payload())


def _channel(request: web.Request) -> Channel | None:
    return _fake(request).world.channel(request.match_info["channel"])


@routes.post("/channels/{channel}/messages")
async def send(request: web.Request) -> web.Response:
    fake = _fake(request)
    channel = _channel(request)
    if channel is None:
        return error(404, 10003, "Unknown Channel")
    recipient = channel.recipient
    if recipient is not None and (
        recipient.blocks_dms or recipient.id not in fake.world.guild.members
    ):  # DMs closed, or no server shared with the bot
        return error(403, 50007, "Cannot send messages to this user")
    data = _json(request)
    reference = data.get("message_reference") or {}
    needed = SEND_MESSAGES | (ATTACH_FILES if request[FILES] else 0)
    refused = _refused(request, channel, needed) or valid.refuse_message(data, request[FILES])
    if refused is not None:
        return refused
    if reference.get("message_id") and _refused(request, channel, READ_MESSAGE_HISTORY):
        return error(403, 160002, "Cannot reply without permission to read message history")
    earlier = fake.earlier_with_nonce(data)
    if earlier is not None:  # enforce_nonce: the message made for it, not a second one
        return json_response(earlier.payload(channel.guild_id))
    message = fake.create_message(channel, data, request[FILES])
    fake.remember_nonce(message)
    if reference.get("message_id"):
        message.reply_to = str(reference["message_id"])
    fake.changed()
    return json_response(message.payload(channel.guild_id))


@routes.route("*", "/channels/{channel}/messages/{message}")
async def message(request: web.Request) -> web.Response:
    fake = _fake(request)
    channel = _channel(request)
    if channel is None:
        return error(404, 10003, "Unknown Channel")
    reading = READ_MESSAGE_HISTORY if request.method == "GET" else 0
    refused = _refused(request, channel, VIEW_CHANNEL | reading)
    if refused is not None:
        return refused
    found = fake.world.messages.get(request.match_info["message"])
    if found is None or found.deleted or found.channel_id != channel.id:
        return error(404, 10008, "Unknown Message")
    if request.method == "PATCH":
        refused = valid.refuse_message(_json(request), request[FILES], new=False)
    if refused is not None:
        return refused
    if request.method == "DELETE":
        found.deleted = True
        fake.changed()
        return web.Response(status=204)
    if request.method == "PATCH":
        fake.edit_message(found, _json(request), request[FILES])
        fake.changed()
    return json_response(found.payload(channel.guild_id))


# -- channels and permission overwrites --------------------------------------------------


@routes.route("*", "/channels/{channel}")
async def channel(request: web.Request) -> web.Response:
    fake = _fake(request)
    found = _channel(request)
    if found is None:
        return error(404, 10003, "Unknown Channel")
    refused = _refused(request, found, VIEW_CHANNEL)
    if request.method == "PATCH":
        data = _json(request)
        refused = refused or _refused(request, found, MANAGE_CHANNELS)
        wanted = data.get("permission_overwrites", [])
        if refused is None and wanted:
            allow = deny = 0
            for o in wanted:
                allow, deny = allow | int(o.get("allow", 0)), deny | int(o.get("deny", 0))
            refused = perms.overwrite_refusal(fake.world.guild, _me(request), found, allow, deny)
    if refused is not None:
        return refused
    if request.method == "PATCH":
        found.name = data.get("name", found.name)
        if "permission_overwrites" in data:
            found.overwrites = {
                str(o["id"]): Overwrite(
                    str(o["id"]), int(o["type"]), int(o.get("allow", 0)), int(o.get("deny", 0))
                )
                for o in data["permission_overwrites"]
            }
        await fake.gateway.dispatch("CHANNEL_UPDATE", found.payload())
    return json_response(found.payload())


@routes.route("*", "/channels/{channel}/permissions/{target}")
async def overwrite(request: web.Request) -> web.Response:
    fake = _fake(request)
    found = _channel(request)
    if found is None or found.guild_id is None:
        return error(404, 10003, "Unknown Channel")
    target = request.match_info["target"]
    data, old = _json(request), found.overwrites.get(target)
    if request.method == "PUT":
        allow, deny = int(data.get("allow", 0)), int(data.get("deny", 0))
    else:
        allow, deny = (old.allow, old.deny) if old is not None else (0, 0)
    refused = perms.overwrite_refusal(fake.world.guild, _me(request), found, allow, deny)
    if refused is not None:
        return refused
    if request.method == "PUT":
        found.overwrites[target] = Overwrite(
            target, int(data.get("type", 0)), int(data.get("allow", 0)), int(data.get("deny", 0))
        )
    elif request.method == "DELETE":
        found.overwrites.pop(target, None)
    await fake.gateway.dispatch("CHANNEL_UPDATE", found.payload())
    return web.Response(status=204)


@routes.get("/guilds/{guild}")
async def guild(request: web.Request) -> web.Response:
    return json_response(_fake(request).world.guild.payload())


@routes.get("/guilds/{guild}/channels")
async def channels(request: web.Request) -> web.Response:
    g = _fake(request).world.guild
    return json_response([c.payload() for c in g.channels.values()])


@routes.post("/guilds/{guild}/channels")
async def create_channel(request: web.Request) -> web.Response:
    fake = _fake(request)
    g, data = fake.world.guild, _json(request)
    refused = perms.guild_refusal(g, _me(request), MANAGE_CHANNELS)
    if refused is not None:
        return refused
    created = Channel(
        snowflake(), data.get("name", "channel"), int(data.get("type", 0)), g.id, len(g.channels)
    )
    for o in data.get("permission_overwrites", []):
        created.overwrites[str(o["id"])] = Overwrite(
            str(o["id"]), int(o["type"]), int(o.get("allow", 0)), int(o.get("deny", 0))
        )
    g.channels[created.id] = created
    await fake.gateway.dispatch("CHANNEL_CREATE", created.payload())
    return json_response(created.payload(), status=201)


# -- roles and members ---------------------------------------------------------------------


@routes.get("/guilds/{guild}/roles")
async def roles(request: web.Request) -> web.Response:
    g = _fake(request).world.guild
    return json_response([r.payload() for r in g.roles.values()])


@routes.post("/guilds/{guild}/roles")
async def create_role(request: web.Request) -> web.Response:
    fake = _fake(request)
    g, data = fake.world.guild, _json(request)
    wanted = int(data.get("permissions", 0))
    refused = perms.guild_refusal(g, _me(request), MANAGE_ROLES)
    if refused is None and wanted & ~perms.base(g, _me(request)):
        refused = perms.missing_permissions()  # a role can only get what the bot has
    if refused is not None:
        return refused
    for other in list(g.roles.values()):  # a new role starts just above @everyone
        if other.position >= 1:
            other.position += 1
            update = {"guild_id": g.id, "role": other.payload()}
            await fake.gateway.dispatch("GUILD_ROLE_UPDATE", update)
    role = Role(snowflake(), data.get("name", "new role"), 1, wanted)
    g.roles[role.id] = role
    await fake.gateway.dispatch("GUILD_ROLE_CREATE", {"guild_id": g.id, "role": role.payload()})
    return json_response(role.payload())


@routes.get("/guilds/{guild}/members")
async def members(request: web.Request) -> web.Response:
    g = _fake(request).world.guild
    after = int(request.query.get("after", 0))
    limit = int(request.query.get("limit", 1))
    found = sorted(
        (m for m in g.members.values() if int(m.user.id) > after), key=lambda m: int(m.user.id)
    )
    return json_response([m.payload() for m in found[:limit]])


def _member(request: web.Request) -> Member | None:
    return _fake(request).world.guild.members.get(request.match_info["user"])


@routes.get("/guilds/{guild}/members/{user}")
async def member(request: web.Request) -> web.Response:
    found = _member(request)
    if found is None:
        return error(404, 10007, "Unknown Member")
    return json_response(found.payload())


@routes.delete("/guilds/{guild}/members/{user}")
async def kick(request: web.Request) -> web.Response:
    found = _member(request)
    if found is None:
        return error(404, 10007, "Unknown Member")
    g, me = _fake(request).world.guild, _me(request)
    refused = perms.guild_refusal(g, me, KICK_MEMBERS)
    if refused is None and perms.top_position(g, found) >= perms.top_position(g, me):
        refused = perms.missing_permissions()
    if refused is not None:
        return refused
    await _fake(request).leave(found.user)
    return web.Response(status=204)


@routes.route("*", "/guilds/{guild}/members/{user}/roles/{role}")
async def member_role(request: web.Request) -> web.Response:
    fake = _fake(request)
    found, role = _member(request), request.match_info["role"]
    if found is None:
        return error(404, 10007, "Unknown Member")
    if role not in fake.world.guild.roles:
        return error(404, 10011, "Unknown Role")
    refused = perms.role_refusal(fake.world.guild, _me(request), fake.world.guild.roles[role])
    if refused is not None:
        return refused
    if request.method == "PUT" and role not in found.roles:
        found.roles.append(role)
    elif request.method == "DELETE" and role in found.roles:
        found.roles.remove(role)
    update = {"guild_id": fake.world.guild.id, **found.payload()}
    await fake.gateway.dispatch("GUILD_MEMBER_UPDATE", update)
    return web.Response(status=204)
