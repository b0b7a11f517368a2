"""One service, both platforms, both fakes at once: a member linked across Telegram and Discord
is one person, and removing them (or them erasing themselves) takes every space away on both."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.core.model import AccountRef, Platform
from bot.platforms.discord import DiscordPlatform
from bot.service import Service
from tests.fakes import discord_model
from tests.fakes.discord_harness import FAST
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.telegram_harness import fake_telegram, telegram_service, telegram_settings
from tests.fakes.telegram_server import FakeTelegram
from tests.fakes.telegram_world import BotMessage, Chat, User
from tests.handlers.membership.test_privacy import rows_naming

CODE = re.compile(r"\b([A-Z2-9]{5}-[A-Z2-9]{5})\b")


@dataclass
class Both:
    svc: Service
    tg: FakeTelegram
    dc: FakeDiscord
    tg_steward: User
    dc_steward: discord_model.User
    group: Chat


@asynccontextmanager
async def both(tmp_path: Path) -> AsyncIterator[Both]:
    async with fake_telegram() as tg, FakeDiscord.running() as dc:
        tg_steward, dc_steward = tg.user("Steward"), dc.add_user("steward")
        group = tg.group("Night shift peers", supergroup=True)
        settings = telegram_settings(
            tmp_path,
            tg,
            discord_bot_token=dc.token,
            discord_api_base_url=dc.api_url,
            discord_gateway_url=dc.gateway_url,
            stewards=f"telegram:{tg_steward.id},discord:{dc_steward.id}",
        )
        discord = DiscordPlatform(settings, timing=FAST)
        async with telegram_service(settings, others=[discord]) as (svc, _):
            tg.say(tg_steward, "/start")
            await tg.wait_messages(tg_steward.id)
            tg.say(tg_steward, "/space add", group)
            await said(tg, tg_steward, "is now a peer space")
            await dc.slash(dc_steward, "space", subcommand="add", channel=dc.channel("peer-space"))
            yield Both(svc, tg, dc, tg_steward, dc_steward, group)


async def said(fake: FakeTelegram, user: User, words: str) -> BotMessage:
    def found() -> BotMessage | None:
        return next((m for m in fake.messages_to(user.id) if words in m.plain), None)

    return await fake.wait_for(found)


async def member_on_both(net: Both, name: str) -> tuple[User, discord_model.User, int]:
    """Someone joins on Telegram, gets into the group, and links their Discord account."""
    tg, dc = net.tg, net.dc
    on_tg, on_dc = tg.user(name), dc.add_user(name.lower())
    tg.say(net.tg_steward, "/invite")
    code = CODE.search((await said(tg, net.tg_steward, "/join")).plain)
    assert code is not None
    tg.say(on_tg, f"/join {code.group(1)}")
    agreements = await said(tg, on_tg, "Our community agreements")
    tg.press(on_tg, agreements, "I agree")
    await tg.wait_for(lambda: "You're a member now" in agreements.plain)
    assert "There are peer spaces on Discord too" in agreements.plain
    [join_button] = [b for b in agreements.buttons if "url" in b]
    tg.follow(on_tg, join_button["url"])
    await tg.wait_for(lambda: net.group.members.get(on_tg.id) == "member")
    tg.say(on_tg, "/link")
    link = CODE.search((await said(tg, on_tg, "Your link code")).plain)
    assert link is not None
    linked = await dc.slash(on_dc, "link", options={"code": link.group(1)}, dm=True)
    assert "Your Discord account is now linked" in linked.text
    assert "#peer-space (Discord): open to you now." in linked.text
    person = await net.svc.ctx.repo.people.by_account(AccountRef(Platform.DISCORD, on_dc.id))
    assert person is not None
    return on_tg, on_dc, person.id


async def test_a_removed_member_loses_every_space_on_both_platforms(tmp_path: Path) -> None:
    async with both(tmp_path) as net:
        tg, dc = net.tg, net.dc
        peer = dc.world.guild.role_named("Peer").id
        on_tg, on_dc, number = await member_on_both(net, "Robin")
        had_role = peer in dc.world.guild.members[on_dc.id].roles
        tg.say(net.tg_steward, f"/remove #{number}")
        confirm = await said(tg, net.tg_steward, f"Remove member #{number}")
        asked = confirm.plain
        tg.press(net.tg_steward, confirm, "Remove")
        await tg.wait_for(lambda: "no longer a member" in confirm.plain)
        await dc.until(lambda: any("no longer a member" in m.shown for m in dc.dm_messages(on_dc)))
        [told] = dc.dm_messages(on_dc)  # reached on the account they linked last
        person = await net.svc.ctx.repo.people.get(number)
    assert had_role and peer not in dc.world.guild.members[on_dc.id].roles
    assert net.group.members[on_tg.id] == "left"  # banned, then unbanned: out, may return
    assert (
        "Night shift peers (Telegram)" in confirm.plain and "#peer-space (Discord)" in confirm.plain
    )
    assert "Not yet out" not in confirm.plain
    assert "/forgetme" in told.shown
    assert person is not None and not person.is_member
    assert f"Remove member #{number} (Discord, Telegram) from the network?" in asked


async def test_forgetme_on_one_platform_erases_the_person_from_both(tmp_path: Path) -> None:
    async with both(tmp_path) as net:
        tg, dc = net.tg, net.dc
        on_tg, on_dc, number = await member_on_both(net, "Sky")
        ask = await dc.slash(on_dc, "forgetme", dm=True)
        done = await dc.press(on_dc, ask.messages[-1], "Erase everything")
        await tg.wait_for(lambda: net.group.members.get(on_tg.id) == "left")
        await net.svc.ctx.outbox.drain(timeout=10)
        left_tg = await rows_naming(net.svc, number, str(on_tg.id))
        left_dc = await rows_naming(net.svc, number, on_dc.id)
    assert "Everything I held about you is erased." in done.text
    assert dc.world.guild.role_named("Peer").id not in dc.world.guild.members[on_dc.id].roles
    assert left_tg == [] and left_dc == []
