"""The bridge under strain, through both fakes: a restart in the middle of a burst, 429s on
one side only, a burst ten times over Telegram's group limit, a gateway disconnect, catch-up
after downtime, a second copy refused, and nothing of what was relayed left on disk or in logs.

Nothing here depends on the machine's speed: bursts are held back with the fake's own 429s
until everything is queued, and limits are checked on the times the fake recorded."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import logs
from bot.core.errors import SettingsError
from bot.core.model import Platform
from tests.fakes import discord_relay, telegram_relay
from tests.fakes.bridge_harness import Net, bridge, fakes, member, running


def _count(net: Net, marker: str) -> int:
    return net.group_text().count(marker)


async def _all_queued(net: Net, relayed: int) -> None:
    relay = net.ctx.relay
    await net.tg.wait_for(lambda: relay.stats["relayed"] >= relayed, timeout=60)


async def test_a_restart_in_the_middle_of_a_burst_loses_and_doubles_nothing(
    tmp_path: Path,
) -> None:
    async with fakes(tmp_path) as net:
        async with running(net):
            await bridge(net)
            sam, _ = await member(net, "Sam", Platform.DISCORD)
            for n in range(10):
                await discord_relay.say(net.dc, sam, net.channel, f"burst-{n:03d}")
            await net.tg.wait_for(lambda: _count(net, "burst-009") == 1)
            net.tg.fail("sendMessage", 429, retry_after=1, times=100_000, chat_id=net.group.id)
            for n in range(10, 40):
                await discord_relay.say(net.dc, sam, net.channel, f"burst-{n:03d}")
            await _all_queued(net, 40)
        net.tg.clear_failures()
        async with running(net):
            await net.tg.wait_for(lambda: _count(net, "burst-039") == 1, timeout=30)
    text = net.group_text()
    assert [text.count(f"burst-{n:03d}") for n in range(40)] == [1] * 40
    positions = [text.index(f"burst-{n:03d}") for n in range(40)]
    assert positions == sorted(positions)


async def test_429s_on_one_side_do_not_stop_the_other(tmp_path: Path) -> None:
    async with fakes(tmp_path) as net, running(net):
        await bridge(net)
        alex, _ = await member(net, "Alex", Platform.TELEGRAM)
        sam, _ = await member(net, "Sam", Platform.DISCORD)
        net.tg.fail("sendMessage", 429, retry_after=2, times=100_000, chat_id=net.group.id)
        await discord_relay.say(net.dc, sam, net.channel, "stuck behind a 429")
        for n in range(5):
            telegram_relay.post(net.tg, alex, net.group, f"flowing {n}")
        await net.dc.until(lambda: len(discord_relay.webhook_messages(net.dc, net.channel)) == 5)
        waiting_meanwhile = _count(net, "stuck behind a 429")
        net.tg.clear_failures()
        await net.tg.wait_for(lambda: _count(net, "stuck behind a 429") == 1, timeout=30)
    assert waiting_meanwhile == 0
    assert [m.content for m in discord_relay.webhook_messages(net.dc, net.channel)] == [
        f"flowing {n}" for n in range(5)
    ]


async def test_a_burst_ten_times_over_the_group_limit_arrives_in_full_merged(
    tmp_path: Path,
) -> None:
    async with fakes(tmp_path) as net, running(net):
        await bridge(net)
        sam, _ = await member(net, "Sam", Platform.DISCORD)
        robin, _ = await member(net, "Robin", Platform.DISCORD)
        net.tg.enforce_limits = True  # Telegram's 20 a minute per group, answered with 429
        net.tg.fail("sendMessage", 429, retry_after=1, times=100_000, chat_id=net.group.id)
        for n in range(200):
            who = sam if n % 3 else robin
            await discord_relay.say(net.dc, who, net.channel, f"m{n:03d}")
        await _all_queued(net, 200)
        net.tg.clear_failures()
        await net.tg.wait_for(lambda: _count(net, "m199") == 1, timeout=120)
        sends = [
            c
            for c in net.tg.calls_of("sendMessage")
            if c.status == 200 and c.params.get("chat_id") == net.group.id
        ]
    text = net.group_text()
    assert [text.count(f"m{n:03d}") for n in range(200)] == [1] * 200
    positions = [text.index(f"m{n:03d}") for n in range(200)]
    assert positions == sorted(positions)
    assert "Robin\nm000" in text and "Sam\nm001" in text  # names kept in the merge
    assert len(sends) < 20  # merged: far fewer messages than were written
    assert net.tg.limit_hits == 0
    times = sorted(c.at for c in sends)
    assert all(times[i + 20] - times[i] >= 60 for i in range(len(times) - 20))


async def test_a_gateway_disconnect_is_resumed_and_nothing_is_missed(tmp_path: Path) -> None:
    async with fakes(tmp_path) as net, running(net):
        await bridge(net)
        sam, _ = await member(net, "Sam", Platform.DISCORD)
        resumed = net.dc.gateway.resumes
        await net.dc.gateway.drop()
        await discord_relay.say(net.dc, sam, net.channel, "said while the gateway was down")
        await net.tg.wait_for(lambda: _count(net, "while the gateway was down") == 1, timeout=30)
        await discord_relay.say(net.dc, sam, net.channel, "and after")
        await net.tg.wait_for(lambda: _count(net, "and after") == 1, timeout=30)
    assert net.dc.gateway.resumes > resumed
    assert _count(net, "while the gateway was down") == 1


async def test_what_was_posted_while_stopped_is_caught_up_in_order_once(tmp_path: Path) -> None:
    async with fakes(tmp_path) as net:
        async with running(net):
            await bridge(net)
            alex, _ = await member(net, "Alex", Platform.TELEGRAM)
            sam, _ = await member(net, "Sam", Platform.DISCORD)
            await discord_relay.say(net.dc, sam, net.channel, "before the stop")
            telegram_relay.post(net.tg, alex, net.group, "telegram before")
            await net.tg.wait_for(lambda: _count(net, "before the stop") == 1)
            await net.dc.until(lambda: discord_relay.webhook_messages(net.dc, net.channel))
        # While the bot is away: 120 posts on Discord (more than one page of history) and three
        # on Telegram (Telegram keeps them as pending updates), one of them delivered twice.
        for n in range(120):
            await discord_relay.say(net.dc, sam, net.channel, f"away-{n:03d}", live=False)
        updates = [telegram_relay.post(net.tg, alex, net.group, f"tg-away-{n}") for n in range(3)]
        net.tg.world.push("message", dict(updates[1]["message"]))  # re-delivered
        # Hold Telegram back until all is queued, so the catch-up merges whatever the speed.
        net.tg.fail("sendMessage", 429, retry_after=1, times=100_000, chat_id=net.group.id)
        async with running(net):
            await _all_queued(net, 123)
            net.tg.clear_failures()
            await net.tg.wait_for(lambda: _count(net, "away-119") == 1, timeout=60)
            await net.dc.until(
                lambda: len(discord_relay.webhook_messages(net.dc, net.channel)) == 4, timeout=30
            )
            duplicates = net.ctx.relay.stats["duplicates"]
        async with running(net):  # a second start finds nothing new to relay
            await net.tg.wait_for(lambda: net.ctx.relay.stats["catch_ups"] >= 1)
            assert await net.ctx.outbox.drain(timeout=10)
            again = net.ctx.relay.stats["relayed"]
        copies = [m.content for m in discord_relay.webhook_messages(net.dc, net.channel)]
    text = net.group_text()
    assert [text.count(f"away-{n:03d}") for n in range(120)] == [1] * 120
    positions = [text.index(f"away-{n:03d}") for n in range(120)]
    assert positions == sorted(positions)
    assert text.count("before the stop") == 1
    assert copies == ["telegram before", "tg-away-0", "tg-away-1", "tg-away-2"]
    assert duplicates >= 1  # the re-delivered Telegram update was refused
    assert again == 0


async def test_a_second_copy_on_the_same_database_refuses_to_start(tmp_path: Path) -> None:
    async with fakes(tmp_path) as net, running(net):
        with pytest.raises(SettingsError) as refused:
            async with running(net):
                pass
        still = net.svc is not None
    assert "already running" in str(refused.value) and "\n" not in str(refused.value)
    assert still


@pytest.fixture
def log_text() -> Iterator[io.StringIO]:
    """The service's own log configuration at DEBUG, written to a string."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in logging.root.manager.loggerDict}
    stream = io.StringIO()
    logs.configure("DEBUG", [], stream)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)


async def test_a_relayed_marker_is_in_no_database_file_and_no_log(
    tmp_path: Path, log_text: io.StringIO
) -> None:
    marker = "MARKER-q7Zk2fW9-unique"
    async with fakes(tmp_path) as net:
        async with running(net):
            await bridge(net)
            alex, _ = await member(net, "Alex", Platform.TELEGRAM)
            sam, _ = await member(net, "Sam", Platform.DISCORD)
            first = telegram_relay.post(net.tg, alex, net.group, f"{marker} from telegram")
            await discord_relay.say(net.dc, sam, net.channel, f"{marker} from discord")
            await net.dc.until(lambda: discord_relay.webhook_messages(net.dc, net.channel))
            await net.tg.wait_for(lambda: _count(net, f"{marker} from discord") == 1)
            telegram_relay.edit(net.tg, first, f"{marker} edited")
            await net.dc.until(
                lambda: discord_relay.webhook_messages(net.dc, net.channel)[0].content.endswith(
                    "edited"
                )
            )
            assert await net.ctx.outbox.drain(timeout=10)
            db = net.settings.database_path

            def clean() -> bool:
                files = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
                return (
                    all(marker.encode() not in f.read_bytes() for f in files if f.exists())
                    and not net.ctx.outbox.pending()
                )

            await net.tg.wait_for(clean, timeout=20)  # the outbox scrubs the WAL when idle
        files = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
        left = [f.name for f in files if f.exists() and marker.encode() in f.read_bytes()]
    assert left == []
    assert marker not in log_text.getvalue()
    assert "relay" in log_text.getvalue() or log_text.getvalue()  # the log did run
