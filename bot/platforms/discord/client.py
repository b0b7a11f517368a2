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
import time
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

import discord
import yarl
from discord import app_commands

from bot.config import Settings
from bot.core.events import MemberJoined, MemberLeft, MemberPosted, MessageEvent, SpaceEvent
from bot.core.model import AccountRef, Platform

TOKEN_PATTERN = r"pc:(?P<token>[a-z2-7]{12})"
DEFAULT_API = discord.http.Route.BASE
DEFAULT_GATEWAY = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY

ButtonHandler = Callable[[discord.Interaction, str], Awaitable[None]]
SpaceHandler = Callable[[SpaceEvent], Awaitable[None]]
MessageHandler = Callable[[MessageEvent], Awaitable[None]]


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
    """Guilds, members (to grant the peer role and audit who can see a space), guild and
    direct messages (to notice who posts in a peer channel), and message content: the bridge
    relays what people write in bridged channels, and a debrief room what they write to the
    bot. The content is relayed and never kept (see docs/setup-discord.md)."""
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.members = True
    chosen.guild_messages = True
    chosen.dm_messages = True
    chosen.message_content = True
    return chosen


def _events() -> ModuleType:
    """The message events module (imported late: it builds on the renderer, which builds on
    this module's button class)."""
    from bot.platforms.discord import relay_events

    return relay_events


def _account(user: discord.abc.User) -> AccountRef:
    return AccountRef(Platform.DISCORD, str(user.id))


class PeerClient(discord.Client):
    """A ``discord.Client`` that hands button presses to the adapter and tracks whether the
    gateway is connected (for start-up and for tests)."""

    def __init__(self, on_button: ButtonHandler, **options: Any) -> None:
        super().__init__(**options)
        self.on_button = on_button
        self.on_space_event: SpaceHandler | None = None
        self.on_message_event: MessageHandler | None = None
        self.on_ready_again: Callable[[], Awaitable[None]] | None = None
        #: Monotonic time of the last frame from the gateway (the watchdog's sign of life).
        self.last_frame = 0.0
        self.connected = asyncio.Event()
        self.tree: app_commands.CommandTree[PeerClient] | None = None

    async def on_connect(self) -> None:
        self.connected.set()

    async def on_resumed(self) -> None:
        self.connected.set()

    async def on_disconnect(self) -> None:
        self.connected.clear()

    async def on_socket_raw_receive(self, raw: object) -> None:
        self.last_frame = time.monotonic()  # only when: what came is never looked at

    async def on_ready(self) -> None:
        """Connected afresh (not resumed): events missed meanwhile are not replayed, so the
        relay catches up from history."""
        if self.on_ready_again is not None:
            await self.on_ready_again()

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        event = _events().edited(payload)
        if event is not None:
            await self._relay(event)

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        await self._relay(_events().deleted(payload, self._dm_person(payload.channel_id)))

    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        await self._relay(_events().deleted(payload, self._dm_person(payload.channel_id)))

    def _dm_person(self, channel_id: int) -> discord.User | None:
        """Whose direct messages a channel is (None for a server channel)."""
        channel = self.get_channel(channel_id)
        return channel.recipient if isinstance(channel, discord.DMChannel) else None

    async def _relay(self, event: MessageEvent) -> None:
        if self.on_message_event is not None:
            await self.on_message_event(event)

    # Joining and leaving are server-wide on Discord (the peer role is), so these name the
    # server; a post names its channel (a thread's parent channel).

    async def on_member_join(self, member: discord.Member) -> None:
        await self._tell(MemberJoined(str(member.guild.id), _account(member)))

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        await self._tell(MemberLeft(str(payload.guild_id), _account(payload.user)))

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id is not None:
            return
        event = _events().posted(message)
        if event is not None:
            await self._relay(event)
        if message.guild is None:
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
