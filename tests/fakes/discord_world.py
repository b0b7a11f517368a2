"""The fake Discord's whole world, and the guild it starts with."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.fakes.discord_model import (
    BOT_SPACE_PERMISSIONS,
    EVERYONE_PERMISSIONS,
    INVITE_PERMISSIONS,
    JSON,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    Channel,
    Guild,
    Member,
    Message,
    Overwrite,
    Role,
    User,
    snowflake,
)


def default_guild(bot: User, owner: User, others: list[User]) -> Guild:
    """A guild set up as docs/setup-discord.md says: #general, #peer-space (closed to
    @everyone, open to Peer and to the bot's role), the bot's managed role above Peer with the
    invite link's permissions, and the given members."""
    gid = snowflake()
    guild = Guild(gid, "Peer Circle Test", owner.id)
    guild.roles[gid] = Role(gid, "@everyone", 0, EVERYONE_PERMISSIONS)
    peer = Role(snowflake(), "Peer", 1)
    bot_role = Role(snowflake(), "Peer Circle", 2, INVITE_PERMISSIONS, True, bot.id)
    guild.roles.update({peer.id: peer, bot_role.id: bot_role})
    general = Channel(snowflake(), "general", 0, gid, 0)
    space = Channel(snowflake(), "peer-space", 0, gid, 1)
    space.overwrites[gid] = Overwrite(gid, 0, deny=VIEW_CHANNEL)
    space.overwrites[peer.id] = Overwrite(peer.id, 0, allow=VIEW_CHANNEL | SEND_MESSAGES)
    space.overwrites[bot_role.id] = Overwrite(bot_role.id, 0, allow=BOT_SPACE_PERMISSIONS)
    guild.channels.update({general.id: general, space.id: space})
    guild.members[bot.id] = Member(bot, [bot_role.id])
    for user in [owner, *others]:
        guild.members[user.id] = Member(user)
    return guild


@dataclass
class World:
    """Everything the fake Discord knows."""

    app_id: str
    bot: User
    guild: Guild
    users: dict[str, User] = field(default_factory=dict)
    dms: dict[str, Channel] = field(default_factory=dict)  # by recipient user id
    messages: dict[str, Message] = field(default_factory=dict)
    commands: dict[str | None, list[JSON]] = field(default_factory=dict)  # None: global

    def channel(self, channel_id: str) -> Channel | None:
        found = self.guild.channels.get(channel_id)
        if found is None:
            found = next((c for c in self.dms.values() if c.id == channel_id), None)
        return found

    def dm_for(self, user: User) -> Channel:
        if user.id not in self.dms:
            self.dms[user.id] = Channel(snowflake(), type=1, recipient=user)
        return self.dms[user.id]
