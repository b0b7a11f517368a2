"""The small Discord world the fake server holds, and the JSON shapes discord.py 2.7 parses.

One application (the bot), one guild with roles, text channels (with permission overwrites)
and members, direct-message channels, and every message the bot made. The membership feature
grants and removes roles and checks overwrites, so those are modelled, not stubbed.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

JSON = dict[str, Any]

FAKE: web.AppKey[Any] = web.AppKey("fake", object)
BODY: web.RequestKey[Any] = web.RequestKey("json", object)
FILES: web.RequestKey[list[str]] = web.RequestKey("files", list)
_ids = itertools.count(1_100_000_000_000_000_000)
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_ROLES = 1 << 28
READ_MESSAGE_HISTORY = 1 << 16
ATTACH_FILES = 1 << 15
KICK_MEMBERS = 1 << 1
MANAGE_CHANNELS = 1 << 4
EVERYONE_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY
#: What the invite link in docs/setup-discord.md asks for (Manage Roles, View Channels, Send
#: Messages, Manage Messages, Embed Links, Attach Files, Read Message History).
INVITE_PERMISSIONS = 268561408
#: What docs/setup-discord.md allows the bot's role in each peer channel.
BOT_SPACE_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY
ADMINISTRATOR = 1 << 3
EPHEMERAL = 64
LOADING = 128


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """JSON with the exact content type discord.py checks for (no charset suffix)."""
    body = json.dumps(data).encode()
    return web.Response(body=body, status=status, headers=headers, content_type="application/json")


_last_id = [0]
DISCORD_EPOCH_MS = 1_420_070_400_000


def snowflake() -> str:
    """A new id that, like Discord's, holds the time it was made (discord.py reads a message's
    ``created_at`` from it), always larger than the one before."""
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    made = max((now_ms - DISCORD_EPOCH_MS) << 22, _last_id[0] + 1, next(_ids))
    _last_id[0] = made
    return str(made)


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class User:
    id: str
    name: str
    bot: bool = False
    blocks_dms: bool = False  # sending to their DM answers 403 / 50007

    def payload(self) -> JSON:
        return {
            "id": self.id,
            "username": self.name,
            "global_name": self.name.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
        }


@dataclass
class Role:
    id: str
    name: str
    position: int
    permissions: int = 0
    managed: bool = False
    bot_id: str | None = None  # a bot's own role, made when it was invited

    def payload(self) -> JSON:
        tags = {"bot_id": self.bot_id} if self.bot_id else {}
        return {
            "tags": tags,
            "id": self.id,
            "name": self.name,
            "color": 0,
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
        }


@dataclass
class Overwrite:
    id: str
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0

    def payload(self) -> JSON:
        return {"id": self.id, "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


@dataclass
class Channel:
    id: str
    name: str = ""
    type: int = 0  # 0 guild text, 1 DM
    guild_id: str | None = None
    position: int = 0
    overwrites: dict[str, Overwrite] = field(default_factory=dict)
    recipient: User | None = None

    def payload(self) -> JSON:
        if self.type == 1:
            assert self.recipient is not None
            return {
                "id": self.id,
                "type": 1,
                "last_message_id": None,
                "recipients": [self.recipient.payload()],
            }
        return {
            "id": self.id,
            "type": self.type,
            "guild_id": self.guild_id,
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [o.payload() for o in self.overwrites.values()],
            "parent_id": None,
            "topic": None,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }


@dataclass
class Member:
    user: User
    roles: list[str] = field(default_factory=list)
    joined_at: str = field(default_factory=now_iso)

    def payload(self) -> JSON:
        return {
            "user": self.user.payload(),
            "roles": list(self.roles),
            "joined_at": self.joined_at,
            "nick": None,
            "avatar": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "premium_since": None,
            "communication_disabled_until": None,
        }


@dataclass
class Guild:
    id: str
    name: str
    owner_id: str
    roles: dict[str, Role] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)
    premium_tier: int = 0  # boosts: sets the upload limit (tier 2: 50 MiB, tier 3: 100 MiB)

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def role_named(self, name: str) -> Role:
        return next(r for r in self.roles.values() if r.name == name)

    def channel_named(self, name: str) -> Channel:
        return next(c for c in self.channels.values() if c.name == name)

    def payload(self) -> JSON:
        return {
            "id": self.id,
            "name": self.name,
            "icon": None,
            "owner_id": self.owner_id,
            "roles": [r.payload() for r in self.roles.values()],
            "channels": [c.payload() for c in self.channels.values()],
            "members": [m.payload() for m in self.members.values()],
            "member_count": len(self.members),
            "large": False,
            "unavailable": False,
            "features": [],
            "emojis": [],
            "stickers": [],
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "voice_states": [],
            "presences": [],
            "joined_at": now_iso(),
            "preferred_locale": "en-US",
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": self.premium_tier,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "afk_channel_id": None,
            "afk_timeout": 300,
        }


@dataclass
class Message:
    """A message as Discord holds it. ``interaction_id`` is set for interaction answers."""

    id: str
    channel_id: str
    author: User
    content: str = ""
    flags: int = 0
    components: list[JSON] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    interaction_id: str | None = None
    reply_to: str | None = None
    edits: int = 0
    deleted: bool = False
    nonce: str | None = None

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def shown(self) -> str:
        """What a person reads: Discord hides the backslashes that escape markdown."""
        return re.sub(r"\\(.)", r"\1", self.content)

    @property
    def loading(self) -> bool:
        return bool(self.flags & LOADING)

    def buttons(self) -> list[JSON]:
        return [c for row in self.components for c in row.get("components", [])]

    def payload(self, guild_id: str | None = None) -> JSON:
        data: JSON = {
            "id": self.id,
            "channel_id": self.channel_id,
            "author": self.author.payload(),
            "content": self.content,
            "timestamp": now_iso(),
            "edited_timestamp": now_iso() if self.edits else None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [
                {
                    "id": str(n),
                    "filename": name,
                    "size": 1,
                    "url": f"https://cdn.invalid/{name}",
                    "proxy_url": f"https://cdn.invalid/{name}",
                }
                for n, name in enumerate(self.attachments)
            ],
            "embeds": [],
            "pinned": False,
            "type": 0 if self.reply_to is None else 19,
            "flags": self.flags,
            "components": self.components,
        }
        if guild_id is not None:
            data["guild_id"] = guild_id
        if self.nonce is not None:
            data["nonce"] = self.nonce
        if self.reply_to is not None:
            data["message_reference"] = {"message_id": self.reply_to, "channel_id": self.channel_id}
        return data
