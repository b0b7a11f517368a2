"""Peer spaces on Discord: channels whose access is held server-wide by the peer role
(``DISCORD_PEER_ROLE``). Letting a verified member in is giving them the role; taking someone
out is taking it away. A person not on the server yet gets the role when they arrive.

The audit checks what Discord itself decides: whether the bot itself can view, post and read
history in the channel (Discord sends it nothing from a channel it cannot view, so without that
no post there is noticed and nothing reaches the space), whether @everyone can view the channel
(fixed with one tap by allowing the bot's own role what it needs, allowing the peer role, then
denying @everyone, so the fix never locks the bot out), and whether everyone who holds the peer
role is verified (fixed by taking the role away). It reads the member list the gateway keeps
(the Server Members intent), not anyone's messages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
import discord

from bot.core import markup
from bot.core.spaces import (
    AccessOffer,
    Entry,
    Finding,
    Need,
    Problem,
    SpaceError,
    SpaceInfo,
    Verified,
)
from bot.platforms.discord.client import PeerClient

T = TypeVar("T")
REASON = "Peer Circle: membership"
Channel = discord.abc.GuildChannel

#: What the bot needs in each peer channel, by the names Discord shows in channel settings.
NEEDED_IN_SPACE = {
    "View Channel": "view_channel",
    "Send Messages": "send_messages",
    "Read Message History": "read_message_history",
}


def _translate(exc: Exception) -> SpaceError:
    if isinstance(exc, discord.RateLimited):
        return SpaceError("Discord asked to slow down", transient=True, retry_after=exc.retry_after)
    if isinstance(exc, discord.Forbidden) and exc.code == 50001:
        return SpaceError(
            "the bot cannot see that channel: allow View Channel to its own role there"
        )
    if isinstance(exc, discord.Forbidden):
        return SpaceError(
            "the bot is not allowed to: it needs Manage Roles, and its own role must sit above"
            " the peer role"
        )
    if isinstance(exc, discord.NotFound):
        return SpaceError("Discord cannot find that channel or member any more")
    if isinstance(exc, discord.DiscordServerError | aiohttp.ClientError | OSError | TimeoutError):
        return SpaceError("Discord could not be reached", transient=True)
    if isinstance(exc, discord.HTTPException):
        return SpaceError(f"Discord refused the request ({exc.status})")
    return SpaceError(f"Discord refused the request ({type(exc).__name__})")


class DiscordSpaces:
    def __init__(self, client: Callable[[], PeerClient | None], peer_role: str) -> None:
        self._client = client
        self._peer_role = peer_role

    async def _call(self, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await call()
        except (discord.DiscordException, aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise _translate(exc) from None

    async def _channel(self, space_id: str) -> Channel:
        client = self._client()
        if client is None or not client.is_ready():
            raise SpaceError("the bot is not connected to Discord yet", transient=True)
        try:
            channel_id = int(space_id)
        except ValueError:
            raise SpaceError("that is not a Discord channel") from None
        found = client.get_channel(channel_id)
        if found is None:
            found = await self._call(lambda: client.fetch_channel(channel_id))
        if not isinstance(found, Channel):
            raise SpaceError("only a server channel can be a peer space")
        return found

    async def relay_missing(self, space_id: str) -> list[Need]:
        """The bridge needs, in the channel: View Channel, Read Message History, Send
        Messages, Attach Files and Manage Webhooks (to post under each author's name)."""
        channel = await self._channel(space_id)
        allowed = channel.permissions_for(channel.guild.me)
        wanted = (
            (Need.VIEW, allowed.view_channel),
            (Need.READ_HISTORY, allowed.read_message_history),
            (Need.SEND, allowed.send_messages),
            (Need.ATTACH, allowed.attach_files),
            (Need.WEBHOOKS, allowed.manage_webhooks),
        )
        return [need for need, ok in wanted if not ok]

    def _role(self, guild: discord.Guild) -> discord.Role:
        role = discord.utils.get(guild.roles, name=self._peer_role)
        if role is None:
            raise SpaceError(f"the server has no role called {self._peer_role}")
        return role

    async def _member(self, guild: discord.Guild, user_id: str) -> discord.Member | None:
        found = guild.get_member(int(user_id))
        if found is not None:
            return found
        try:
            return await guild.fetch_member(int(user_id))
        except discord.NotFound:
            return None  # not on the server
        except (discord.DiscordException, aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise _translate(exc) from None

    async def describe(self, space_id: str) -> SpaceInfo:
        channel = await self._channel(space_id)
        return SpaceInfo(f"#{channel.name}", str(channel.guild.id))

    async def admit(self, space_id: str, user_id: str) -> AccessOffer:
        channel = await self._channel(space_id)
        role = self._role(channel.guild)
        member = await self._member(channel.guild, user_id)
        if member is None:
            return AccessOffer(Entry.ON_ARRIVAL)
        if role not in member.roles:
            await self._call(lambda: member.add_roles(role, reason=REASON))
        return AccessOffer(Entry.GRANTED)

    async def remove(self, space_id: str, user_id: str) -> None:
        channel = await self._channel(space_id)
        role = self._role(channel.guild)
        member = await self._member(channel.guild, user_id)
        if member is not None and role in member.roles:
            await self._call(lambda: member.remove_roles(role, reason=REASON))

    async def answer_join_request(self, space_id: str, user_id: str, approve: bool) -> None:
        return None  # Discord servers have no join requests for the bot to answer

    async def inspect(
        self, space_id: str, verified: Verified, seen: frozenset[str]
    ) -> list[Finding]:
        try:
            channel = await self._channel(space_id)
        except SpaceError as exc:
            if exc.transient:
                raise
            return [Finding(Problem.UNREACHABLE)]
        guild = channel.guild
        findings = []
        missing = _missing(channel, guild.me)
        if missing:
            findings.append(Finding(Problem.BOT_CANNOT_USE, missing=missing))
        if channel.permissions_for(guild.default_role).view_channel:
            findings.append(Finding(Problem.EVERYONE_CAN_VIEW, fixable=True))
        role = discord.utils.get(guild.roles, name=self._peer_role)
        if role is None:
            return [*findings, Finding(Problem.NO_PEER_ROLE)]
        me = guild.me
        if not me.guild_permissions.manage_roles or me.top_role <= role:
            findings.append(Finding(Problem.BOT_LACKS_RIGHTS))
        for member in sorted(role.members, key=lambda m: m.id):
            if not member.bot and not verified(str(member.id)):
                user = str(member.id)
                findings.append(Finding(Problem.UNVERIFIED_HOLDS_ACCESS, user, fixable=True))
        return findings

    async def fix(self, space_id: str, finding: Finding) -> None:
        if finding.problem is Problem.UNVERIFIED_HOLDS_ACCESS and finding.user_id:
            await self.remove(space_id, finding.user_id)
            return
        if finding.problem is not Problem.EVERYONE_CAN_VIEW:
            raise SpaceError("that has to be changed in Discord itself")
        channel = await self._channel(space_id)
        role = self._role(channel.guild)
        guild = channel.guild
        everyone = guild.default_role
        own: discord.Role | discord.Member = guild.self_role or guild.me
        kept = channel.overwrites_for(own)  # first, so closing the channel never locks us out
        have = channel.permissions_for(guild.me)
        kept.update(**{flag: True for flag in NEEDED_IN_SPACE.values() if getattr(have, flag)})
        closed = channel.overwrites_for(everyone)
        closed.update(view_channel=False)
        opened = channel.overwrites_for(role)
        opened.update(view_channel=True)
        await self._call(lambda: channel.set_permissions(own, overwrite=kept, reason=REASON))
        await self._call(lambda: channel.set_permissions(role, overwrite=opened, reason=REASON))
        await self._call(lambda: channel.set_permissions(everyone, overwrite=closed, reason=REASON))

    def join_link(self, code: str) -> str | None:
        return None  # Discord has no link that starts a chat with a bot and a code

    def profile_link(self, user_id: str) -> str | None:
        return f"https://discord.com/users/{user_id}" if user_id.isdigit() else None

    async def reach(self, user_id: str) -> str | None:
        """A mention, which Discord shows as their name with their profile a tap away (in a
        DM too; the bot's messages ping no one); other apps show their Discord name, without
        an @ (Telegram would make "@name" a link to whoever has that Telegram username)."""
        client = self._client()
        if client is None or not user_id.isdigit():
            return None
        user = client.get_user(int(user_id))
        if user is None:
            try:
                user = await self._call(lambda: client.fetch_user(int(user_id)))
            except SpaceError:
                return None
        return markup.user_tag(user_id, user.name)


def _missing(channel: Channel, me: discord.Member) -> tuple[str, ...]:
    """What the bot lacks in a channel, of what it needs to work in a peer space."""
    have = channel.permissions_for(me)
    return tuple(name for name, flag in NEEDED_IN_SPACE.items() if not getattr(have, flag))
