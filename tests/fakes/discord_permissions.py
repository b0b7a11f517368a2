"""Discord's permission rules, as the fake applies them to the bot (discord-api-docs,
topics/permissions and resources/channel).

What a member may do in a channel: @everyone's base permissions, then every role's (the guild
owner and Administrator get everything); in the channel, @everyone's overwrite (deny, then
allow), then the member's roles' overwrites together (deny, then allow), then the member's own
overwrite. Without View Channel nothing else in a text channel counts. On top of that, the
hierarchy: a role can only be given or taken by someone whose highest role sits above it, and
an overwrite may only allow or deny what the bot itself has in that channel (unless it is an
Administrator or has Manage Roles allowed by an overwrite there).

Refusals are Discord's: 403 with ``{"message": "Missing Access", "code": 50001}`` when the bot
cannot see the channel at all, ``{"message": "Missing Permissions", "code": 50013}`` when it
can but lacks the permission.
"""

from __future__ import annotations

from aiohttp import web

from tests.fakes.discord_http import error
from tests.fakes.discord_model import (
    ADMINISTRATOR,
    MANAGE_ROLES,
    VIEW_CHANNEL,
    Channel,
    Guild,
    Member,
    Role,
)

ALL = (1 << 51) - 1


def base(guild: Guild, member: Member) -> int:
    """Guild-level permissions: @everyone's and every role's; owner and Administrator: all."""
    if member.user.id == guild.owner_id:
        return ALL
    permissions = guild.everyone.permissions
    for role_id in member.roles:
        role = guild.roles.get(role_id)
        if role is not None:
            permissions |= role.permissions
    return ALL if permissions & ADMINISTRATOR else permissions


def in_channel(guild: Guild, member: Member, channel: Channel) -> int:
    """Permissions in one channel, overwrites applied in the documented order."""
    permissions = base(guild, member)
    if permissions & ADMINISTRATOR:
        return ALL
    everyone = channel.overwrites.get(guild.id)
    if everyone is not None:
        permissions = (permissions & ~everyone.deny) | everyone.allow
    allow = deny = 0
    for role_id in member.roles:
        found = channel.overwrites.get(role_id)
        if found is not None and found.type == 0:
            allow |= found.allow
            deny |= found.deny
    permissions = (permissions & ~deny) | allow
    own = channel.overwrites.get(member.user.id)
    if own is not None and own.type == 1:
        permissions = (permissions & ~own.deny) | own.allow
    if not permissions & VIEW_CHANNEL:
        return 0  # a channel you cannot see implicitly denies everything in it
    return permissions


def can_view(guild: Guild, user_id: str, channel_id: str) -> bool:
    """Whether a guild member can see a channel (other channels, such as DMs: yes)."""
    channel, member = guild.channels.get(channel_id), guild.members.get(user_id)
    if channel is None:
        return True
    return member is not None and bool(in_channel(guild, member, channel) & VIEW_CHANNEL)


def top_position(guild: Guild, member: Member) -> int:
    """Position of the member's highest role (@everyone is 0); the owner is above everyone."""
    if member.user.id == guild.owner_id:
        return 1 << 30
    return max((guild.roles[r].position for r in member.roles if r in guild.roles), default=0)


def missing_access() -> web.Response:
    return error(403, 50001, "Missing Access")


def missing_permissions() -> web.Response:
    return error(403, 50013, "Missing Permissions")


def refusal(guild: Guild, member: Member, channel: Channel, needed: int) -> web.Response | None:
    """Discord's answer when ``member`` lacks ``needed`` in a guild ``channel``, else None."""
    if channel.guild_id is None:
        return None  # direct messages have no permissions
    have = in_channel(guild, member, channel)
    if not have & VIEW_CHANNEL:
        return missing_access()
    if have & needed != needed:
        return missing_permissions()
    return None


def guild_refusal(guild: Guild, member: Member, needed: int) -> web.Response | None:
    """Refusal for a guild-level action needing ``needed``, else None."""
    return None if base(guild, member) & needed == needed else missing_permissions()


def role_refusal(guild: Guild, member: Member, role: Role) -> web.Response | None:
    """Giving or taking ``role``: Manage Roles, and the role must sit below the bot's highest.
    Managed roles (a bot's own, a booster role) cannot be given by anyone."""
    refused = guild_refusal(guild, member, MANAGE_ROLES)
    if refused is not None:
        return refused
    if role.managed or role.position >= top_position(guild, member):
        return missing_permissions()
    return None


def overwrite_refusal(
    guild: Guild, member: Member, channel: Channel, allow: int, deny: int
) -> web.Response | None:
    """Editing a channel's overwrites: the bot needs to see the channel and have Manage Roles
    there, and may only allow or deny what it has itself in that channel (an Administrator,
    or a bot allowed Manage Roles by an overwrite in the channel, may set anything)."""
    refused = refusal(guild, member, channel, MANAGE_ROLES)
    if refused is not None:
        return refused
    if base(guild, member) & ADMINISTRATOR or _overwrite_allows_manage_roles(member, channel):
        return None
    have = in_channel(guild, member, channel)
    return None if (allow | deny) & ~have == 0 else missing_permissions()


def _overwrite_allows_manage_roles(member: Member, channel: Channel) -> bool:
    ids = {member.user.id, *member.roles}
    return any(o.allow & MANAGE_ROLES for o in channel.overwrites.values() if o.id in ids)
