"""A bridged conversation for tests: the real service on both real libraries, against the fake
Telegram and the fake Discord, with a Telegram group and a Discord channel registered as peer
spaces and joined by ``/space bridge`` the way a steward does it. The service can be stopped and
started again on the same database and the same fakes (restarts, catch-up)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from bot.config import Settings
from bot.core.model import AccountRef, Platform, Role
from bot.outbox import Destination
from bot.platforms.discord import DiscordPlatform
from bot.service import Service
from tests.fakes import discord_model
from tests.fakes.discord_harness import FAST
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.telegram_harness import fake_telegram, telegram_service, telegram_settings
from tests.fakes.telegram_server import FakeTelegram
from tests.fakes.telegram_world import BotMessage, Chat, User

T = TypeVar("T")
CODE = re.compile(r"\b([A-Z2-9]{5}-[A-Z2-9]{5})\b")
ATTACH_FILES = 1 << 15
MANAGE_WEBHOOKS = 1 << 29
MANAGE_MESSAGES = 1 << 13


@dataclass
class Net:
    tg: FakeTelegram
    dc: FakeDiscord
    settings: Settings
    tg_steward: User
    dc_steward: discord_model.User
    group: Chat
    channel: discord_model.Channel
    svc: Service | None = None
    people: dict[str, int] = field(default_factory=dict)

    @property
    def ctx(self) -> Any:
        assert self.svc is not None
        return self.svc.ctx

    @property
    def group_dest(self) -> Destination:
        return Destination(Platform.TELEGRAM, "chat", str(self.group.id))

    @property
    def channel_dest(self) -> Destination:
        return Destination(Platform.DISCORD, "chat", self.channel.id)

    def in_group(self) -> list[BotMessage]:
        return self.tg.messages_to(self.group.id)

    def group_text(self) -> str:
        return "\n".join(m.plain for m in self.in_group() if m.chat_id == self.group.id)


@asynccontextmanager
async def fakes(tmp_path: Path, **settings: Any) -> AsyncIterator[Net]:
    """Both fakes, a group and a channel; the bot may do in them what the bridge needs."""
    async with fake_telegram() as tg, FakeDiscord.running() as dc:
        tg_steward, dc_steward = tg.user("Steward"), dc.add_user("steward")
        group = tg.group("Night shift peers", supergroup=True)
        bot_role = next(r for r in dc.world.guild.roles.values() if r.managed)
        bot_role.permissions |= ATTACH_FILES | MANAGE_WEBHOOKS | MANAGE_MESSAGES
        values = telegram_settings(
            tmp_path,
            tg,
            discord_bot_token=dc.token,
            discord_api_base_url=dc.api_url,
            discord_gateway_url=dc.gateway_url,
            stewards=f"telegram:{tg_steward.id},discord:{dc_steward.id}",
            **settings,
        )
        yield Net(tg, dc, values, tg_steward, dc_steward, group, dc.channel("peer-space"))


@asynccontextmanager
async def running(net: Net) -> AsyncIterator[Service]:
    discord = DiscordPlatform(net.settings, timing=FAST)
    async with telegram_service(net.settings, others=[discord]) as (svc, _):
        net.svc = svc
        await net.dc.until(lambda: discord.client is not None and discord.client.is_ready(), 60)
        try:
            yield svc
        finally:
            net.svc = None


async def on_discord(net: Net, check: Callable[[], object], timeout: float = 60.0) -> None:
    """Wait until ``check()`` holds on the Discord side (generously: a busy machine is slow,
    and this is only a safety net)."""
    await net.dc.until(check, timeout=timeout)


async def on_telegram(net: Net, check: Callable[[], T], timeout: float = 60.0) -> T:
    """Wait until ``check()`` holds on the Telegram side; returns what it gave."""
    return await net.tg.wait_for(check, timeout)


async def said_privately(tg: FakeTelegram, user: User, words: str) -> BotMessage:
    def found() -> BotMessage | None:
        return next((m for m in reversed(tg.messages_to(user.id)) if words in m.plain), None)

    return await tg.wait_for(found, 60)


async def bridge(net: Net) -> str:
    """The stewards make both places peer spaces and join them; returns what Discord said."""
    tg, dc = net.tg, net.dc
    tg.say(net.tg_steward, "/start")
    await tg.wait_messages(net.tg_steward.id, timeout=60)
    tg.say(net.tg_steward, "/space add", net.group)
    await said_privately(tg, net.tg_steward, "is now a peer space")
    await dc.slash(net.dc_steward, "space", subcommand="add", channel=net.channel)
    tg.say(net.tg_steward, "/space bridge", net.group)
    told = await said_privately(tg, net.tg_steward, "Your bridge code")
    code = CODE.search(told.plain)
    assert code is not None
    joined = await dc.slash(
        net.dc_steward,
        "space",
        subcommand="bridge",
        options={"code": code.group(1)},
        channel=net.channel,
    )
    return joined.text


async def member(net: Net, name: str, on: Platform) -> tuple[Any, int]:
    """A verified member on one platform, already inside the space there."""
    now = datetime.now(UTC)
    if on is Platform.TELEGRAM:
        tg_user = net.tg.user(name)
        net.group.members[tg_user.id] = "member"
        net.tg.world.started.add(tg_user.id)
        person = await net.ctx.repo.people.create(
            AccountRef(Platform.TELEGRAM, str(tg_user.id)), (Role.PEER,), now
        )
        net.people[name] = person.id
        return tg_user, person.id
    dc_user = net.dc.add_user(name.lower())
    peer = net.dc.world.guild.role_named("Peer")
    net.dc.world.guild.members[dc_user.id].roles.append(peer.id)
    person = await net.ctx.repo.people.create(
        AccountRef(Platform.DISCORD, dc_user.id), (Role.PEER,), now
    )
    net.people[name] = person.id
    return dc_user, person.id
