"""A debrief room across all three apps for tests: a Telegram member, a Discord member and the
console, each in their private chat with the bot, through the real libraries and both fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.clock import SettableClock
from bot.core.model import AccountRef, Platform, Role
from bot.platforms.console import CONSOLE_ACCOUNT
from bot.platforms.discord import DiscordPlatform
from tests.fakes import discord_model
from tests.fakes.discord_harness import FAST
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.telegram_harness import adapter, fake_telegram, telegram_settings
from tests.fakes.telegram_world import User
from tests.handlers.debrief.network import START, Net
from tests.helpers import ConsoleDriver, console_service


@dataclass
class Three:
    net: Net
    dc: FakeDiscord
    console: ConsoleDriver
    ada: User  # Telegram, opens the room
    dee: discord_model.User  # Discord, joins under a pseudonym
    dee_number: int


def from_bot(dc: FakeDiscord, user: discord_model.User) -> list[discord_model.Message]:
    return [m for m in dc.dm_messages(user) if m.author.id != user.id]


async def dm_with(dc: FakeDiscord, user: discord_model.User, words: str) -> discord_model.Message:
    def found() -> discord_model.Message | None:
        return next((m for m in from_bot(dc, user) if words in m.shown), None)

    await dc.until(lambda: found() is not None, timeout=10)
    message = found()
    assert message is not None
    return message


@asynccontextmanager
async def three(tmp_path: Path) -> AsyncIterator[Three]:
    async with fake_telegram() as tg, FakeDiscord.running() as dc:
        settings = telegram_settings(
            tmp_path,
            tg,
            discord_bot_token=dc.token,
            discord_api_base_url=dc.api_url,
            discord_gateway_url=dc.gateway_url,
        )
        clock = SettableClock(START)
        platforms = [adapter(settings), DiscordPlatform(settings, timing=FAST)]
        async with console_service(settings, clock=clock, adapters=platforms) as (svc, console):
            net = Net(svc, tg, clock)
            ada = await net.member("Ada")
            dee = dc.add_user("dee")
            dee_person = await svc.ctx.repo.people.create(
                AccountRef(Platform.DISCORD, dee.id), (Role.PEER,), clock.now()
            )
            yield Three(net, dc, console, ada, dee, dee_person.id)


async def room_of_three(t: Three) -> str:
    """Ada opens as herself, Dee joins under a pseudonym, the console joins as itself; returns
    Dee's pseudonym."""
    net, ada = t.net, t.ada
    net.say(ada, "/debrief")
    ask = await net.said(ada, "How do you want to show up")
    await net.press(ada, ask, "As myself")
    await net.said(ada, "You're in a debrief room")
    net.say(ada, f"/debrief invite #{t.dee_number}")
    invitation = await dm_with(t.dc, t.dee, "would like you to join")
    choose = await t.dc.press(t.dee, invitation, "Join")
    pick = choose.messages[-1] if choose.messages else await dm_with(t.dc, t.dee, "How do you want")
    label = next(b["label"] for b in pick.buttons() if b["label"] != "As myself")
    joined = await t.dc.press(t.dee, pick, label)
    assert "You're in a debrief room" in joined.text
    console = await t.net.svc.ctx.repo.people.by_account(CONSOLE_ACCOUNT)
    assert console is not None
    start = len(t.console.output)
    net.say(ada, f"/debrief invite #{console.id}")
    await net.tg.wait_for(lambda: "would like you to join" in t.console.printed_since(start))
    await t.console.say("1")  # Join
    await t.console.say("1")  # As myself
    await net.said(ada, "you joined the room.")
    return label.removeprefix("As ")
