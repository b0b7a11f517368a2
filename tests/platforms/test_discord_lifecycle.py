"""Starting, reconnecting and stopping on the real discord.py against the fake Discord:
bad tokens, a network that is down, dropped gateway connections, restarts, and logs."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest

from bot.core.errors import SettingsError
from bot.core.model import Platform
from bot.core.replies import Choice, Reply
from bot.outbox import Destination
from bot.platforms.discord.adapter import BAD_TOKEN, NO_MEMBERS_INTENT
from handlers import ROUTERS
from tests.fakes.discord_harness import FAST, discord_service, discord_settings
from tests.fakes.discord_probe import probe
from tests.fakes.discord_server import FakeDiscord
from tests.helpers import CONTENT

OTHER_TOKEN = "MTAxMDAwMDAwMDAwMDAwMDAw.other.not-the-token-discord-knows-abcdef"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.running() as server:
        yield server


async def test_an_invalid_token_stops_start_up_with_one_plain_line(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    settings = discord_settings(tmp_path, fake, discord_bot_token=OTHER_TOKEN)
    with pytest.raises(SettingsError) as raised:
        async with discord_service(settings):
            pass
    assert str(raised.value) == BAD_TOKEN
    assert str(raised.value).startswith("DISCORD_BOT_TOKEN: ") and "\n" not in BAD_TOKEN
    assert OTHER_TOKEN not in str(raised.value)


async def test_the_command_line_prints_that_line_and_exits_2(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    env = {
        **os.environ,
        "DISCORD_BOT_TOKEN": OTHER_TOKEN,
        "DISCORD_API_BASE_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
        "CONTENT_DIR": str(CONTENT),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 2
    assert err.decode().strip().splitlines()[-1] == BAD_TOKEN
    assert "Traceback" not in err.decode() and OTHER_TOKEN not in err.decode()


async def test_a_missing_members_intent_is_explained(tmp_path: Path, fake: FakeDiscord) -> None:
    fake.gateway.members_intent_allowed = False
    with pytest.raises(SettingsError) as raised:
        async with discord_service(discord_settings(tmp_path, fake)):
            pass
    assert str(raised.value) == NO_MEMBERS_INTENT


async def test_a_network_down_at_start_is_retried_and_connects_later(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeDiscord()
    await fake.start()
    await fake.stop()  # the address is known, but nothing answers there
    sam = fake.add_user("sam")
    settings = discord_settings(tmp_path, fake)
    try:
        async with discord_service(settings) as (svc, adapter):
            assert adapter.client is None  # start-up carried on without Discord
            waiting = await svc.ctx.messenger.to_destination(
                Destination(Platform.DISCORD, "user", sam.id), Reply("Queued while offline")
            )
            await fake.start(port=fake.port)
            await fake.until(lambda: fake.gateway.connected, timeout=10)
            answer = await fake.slash(sam, "crisis")
            await svc.ctx.outbox.settled([waiting], timeout=10)
    finally:
        await fake.stop()
    assert "cannot reach Discord (ClientConnectorError); trying again" in caplog.text
    assert "9-8-8" in answer.text
    assert [m.content for m in fake.dm_messages(sam)] == ["Queued while offline"]


async def test_a_slow_discord_does_not_hold_up_start_up(tmp_path: Path, fake: FakeDiscord) -> None:
    sam = fake.add_user("sam")
    fake.fail("GET", "/users/@me", None, delay=1.5)  # logging in hangs for a while
    timing = dataclasses.replace(FAST, startup_wait=0.2)
    async with discord_service(discord_settings(tmp_path, fake), timing=timing) as (_, adapter):
        assert adapter.client is None  # the service is running; Discord is still logging in
        await fake.until(lambda: fake.gateway.connected)
        answer = await fake.slash(sam, "help")
    assert "/crisis" in answer.text


async def test_an_outage_while_running_loses_nothing_and_the_bot_comes_back(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    sam = fake.add_user("sam")
    async with discord_service(discord_settings(tmp_path, fake)) as (svc, _):
        await fake.stop()  # Discord disappears: REST refuses connections, the gateway is gone
        queued = await svc.ctx.messenger.to_destination(
            Destination(Platform.DISCORD, "user", sam.id), Reply("Sent during the outage")
        )
        await fake.until(lambda: svc.ctx.outbox.stats["transient"] >= 1)  # it failed once
        await fake.start(port=fake.port)
        (report,) = await svc.ctx.outbox.settled([queued], timeout=15)
        await fake.until(lambda: fake.gateway.connected, timeout=15)
        answer = await fake.slash(sam, "help")
    assert report.delivered and fake.dm_messages(sam)[0].content == "Sent during the outage"
    assert "/crisis" in answer.text


@pytest.mark.parametrize("hard", [False, True], ids=["close-frame", "cut-connection"])
async def test_a_dropped_gateway_connection_resumes_and_the_bot_keeps_answering(
    tmp_path: Path, fake: FakeDiscord, hard: bool
) -> None:
    sam = fake.add_user("sam")
    async with discord_service(discord_settings(tmp_path, fake)):
        await fake.gateway.drop(hard=hard)
        during = await fake.slash(sam, "crisis")  # sent while disconnected: replayed on RESUME
        await fake.until(lambda: fake.gateway.resumes == 1 and fake.gateway.connected)
        after = await fake.slash(sam, "help")
    assert "9-8-8" in during.text and "/crisis" in after.text
    assert len(fake.gateway.identifies) == 1  # resumed, not a new session


async def test_an_invalidated_session_identifies_again(tmp_path: Path, fake: FakeDiscord) -> None:
    sam = fake.add_user("sam")
    async with discord_service(discord_settings(tmp_path, fake)):
        await fake.gateway.invalidate()
        # discord.py waits 5 s before identifying again, as Discord asks
        await fake.until(
            lambda: len(fake.gateway.identifies) == 2 and fake.gateway.connected, timeout=15
        )
        answer = await fake.slash(sam, "help")
    assert "/crisis" in answer.text


async def test_buttons_keep_working_after_a_restart(tmp_path: Path, fake: FakeDiscord) -> None:
    sam = fake.add_user("sam")
    settings = discord_settings(tmp_path, fake)
    async with discord_service(settings, routers=(*ROUTERS, probe)) as (svc, _):
        crisis = await fake.slash(sam, "crisis")
        queued = await svc.ctx.messenger.to_destination(
            Destination(Platform.DISCORD, "user", sam.id),
            Reply.with_choices("From the outbox", [Choice("Swap", "probe.swap", anyone=True)]),
        )
        await svc.ctx.outbox.settled([queued], timeout=10)
    async with discord_service(settings, routers=(*ROUTERS, probe)):
        pressed = await fake.press(sam, crisis.messages[0], "Indigenous-led")
        swapped = await fake.press(sam, fake.dm_messages(sam)[0], "Swap")
    assert "Hope for Wellness" in pressed.text
    assert swapped.edited[0].content == "Swapped in place"


async def test_the_gateway_gets_json_and_only_the_intents_commands_need(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    async with discord_service(discord_settings(tmp_path, fake)):
        await fake.until(lambda: fake.gateway.heartbeats >= 1)
    await fake.until(lambda: not fake.gateway.live)  # stopping closed the connection
    (identify,) = fake.gateway.identifies
    wanted = discord.Intents.none()
    wanted.guilds = wanted.members = True
    wanted.guild_messages = True  # who posts in a peer channel
    wanted.dm_messages = True  # what people write to the bot (debrief rooms)
    wanted.message_content = True  # the bridge relays what people write, and keeps none of it
    assert identify["intents"] == wanted.value
    assert not discord.Intents._from_value(identify["intents"]).presences
    assert fake.gateway.queries[0]["encoding"] == "json" and fake.gateway.queries[0]["v"] == "10"


async def test_members_joining_and_leaving_reach_discord_py(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    newcomer = fake.add_user("newcomer", member=False)
    async with discord_service(discord_settings(tmp_path, fake)) as (_, adapter):
        assert adapter.client is not None
        guild = adapter.client.get_guild(int(fake.world.guild.id))
        assert guild is not None
        await fake.join(newcomer)
        await fake.until(lambda: guild.get_member(int(newcomer.id)) is not None)
        await fake.leave(newcomer)
        await fake.until(lambda: guild.get_member(int(newcomer.id)) is None)


async def test_logs_carry_destinations_never_tokens_or_what_anyone_wrote(
    tmp_path: Path, fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # everything of ours, libraries capped as bot.logs does
    caplog.set_level(logging.INFO, logger="discord")
    for library in ("aiosqlite", "apscheduler"):
        caplog.set_level(logging.WARNING, logger=library)
    sam, closed = fake.add_user("sam"), fake.add_user("closed", blocks_dms=True)
    general = fake.channel("general")
    fake.fail("POST", rf"/channels/{general.id}/messages", 503)
    async with discord_service(discord_settings(tmp_path, fake), routers=(*ROUTERS, probe)) as (
        svc,
        _,
    ):
        asked = await fake.slash(sam, "probe", options={"count": 1, "at": "7", "from": "Kamloops"})
        await fake.press(sam, asked.messages[0], "Swap")
        sent = [
            await svc.ctx.messenger.to_destination(Destination(Platform.DISCORD, *where), Reply(t))
            for where, t in (
                (("user", closed.id), "a very private note"),
                (("chat", general.id), "a rough shift"),
            )
        ]
        await svc.ctx.outbox.settled(sent, timeout=10)
    logged = caplog.text
    assert f"discord:user:{closed.id} refused a message" in logged
    assert f"discord:chat:{general.id} failed (TransientFailure)" in logged
    for secret in (fake.token, "Kamloops", "a very private note", "a rough shift", "ix-"):
        assert secret not in logged
    assert "Unclosed" not in logged
