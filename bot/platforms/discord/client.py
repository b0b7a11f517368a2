"""The discord.py client the adapter drives, and the one button class every message uses.

Buttons carry ``pc:<token>`` as their custom id; the token names a stored action (see
``bot.storage.buttons``). :class:`PcButton` is a ``DynamicItem`` whose template matches any
such id, registered once with ``add_dynamic_items``: discord.py then rebuilds the button from
the id on every press, so buttons keep working after a restart with no view kept in memory,
whether the message went out as an interaction answer or through the outbox.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord
import yarl
from discord import app_commands

from bot.config import Settings
from bot.core.events import MemberJoined, MemberLeft, MemberPosted, SpaceEvent
from bot.core.model import AccountRef, Platform

TOKEN_PATTERN = r"pc:(?P<token>[a-z2-7]{12})"
DEFAULT_API = discord.http.Route.BASE
DEFAULT_GATEWAY = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY

ButtonHandler = Callable[[discord.Interaction, str], Awaitable[None]]
SpaceHandler = Callable[[SpaceEvent], Awaitable[None]]


def point_at(settings: Settings) -> None:
    """Use the REST and gateway addresses from the settings (a self-hosted proxy, or the
    tests' fake), or Discord's own. discord.py reads both from class attributes: the REST
    base for every route, the gateway for the first connection and after an invalid session
    (it resumes at the ``resume_gateway_url`` the gateway gives in READY)."""
    discord.http.Route.BASE = settings.discord_api_base_url or DEFAULT_API
    gateway = settings.discord_gateway_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = (
        yarl.URL(gateway) if gateway else DEFAULT_GATEWAY
    )


def intents() -> discord.Intents:
    """Guilds, members (to grant the peer role and audit who can see a space) and guild
    messages (to notice who posts in a peer channel: only the author, which discord.py gives
    without message content). Not message content: nothing depends on what people write."""
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.members = True
    chosen.guild_messages = True
    return chosen


def _account(user: discord.abc.User) -> AccountRef:
    return AccountRef(Platform.DISCORD, str(user.id))


class PeerClient(discord.Client):
    """A ``discord.Client`` that hands button presses to the adapter and tracks whether the
    gateway is connected (for start-up and for tests)."""

    def __init__(self, on_button: ButtonHandler, **options: Any) -> None:
        super().__init__(**options)
        self.on_button = on_button
        self.on_space_event: SpaceHandler | None = None
        self.connected = asyncio.Event()
        self.tree: app_commands.CommandTree[PeerClient] | None = None

    async def on_connect(self) -> None:
        self.connected.set()

    async def on_resumed(self) -> None:
        self.connected.set()

    async def on_disconnect(self) -> None:
        self.connected.clear()

    # Joining and leaving are server-wide on Discord (the peer role is), so these name the
    # server; a post names its channel (a thread's parent channel).

    async def on_member_join(self, member: discord.Member) -> None:
        await self._tell(MemberJoined(str(member.guild.id), _account(member)))

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        await self._tell(MemberLeft(str(payload.guild_id), _account(payload.user)))

    async def on_message(self, message: discord.Message) -> None:
        if message.guild is None or message.author.bot or message.webhook_id is not None:
            return
        channel = message.channel
        where = getattr(channel, "parent_id", None) if isinstance(channel, discord.Thread) else None
        chat = str(where or channel.id)
        await self._tell(MemberPosted(chat, _account(message.author), str(message.id)))

    async def _tell(self, event: SpaceEvent) -> None:
        if self.on_space_event is not None:
            await self.on_space_event(event)


class PcButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=re.compile(TOKEN_PATTERN),
):
    """A button whose custom id is ``pc:<token>``; pressing it reaches the dispatcher."""

    def __init__(
        self,
        token: str,
        label: str = "…",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        row: int | None = None,
    ) -> None:
        button: discord.ui.Button[discord.ui.View] = discord.ui.Button(
            label=label, style=style, custom_id=f"pc:{token}"
        )
        super().__init__(button, row=row)
        self.token = token

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> PcButton:
        return cls(match["token"])

    async def callback(self, interaction: discord.Interaction) -> None:
        client = interaction.client
        if isinstance(client, PeerClient):
            await client.on_button(interaction, self.token)
