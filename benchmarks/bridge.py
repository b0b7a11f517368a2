"""The bridge through the real service, discord.py and python-telegram-bot against both fakes.

    python -m benchmarks.bridge            # about two minutes
    python -m benchmarks.bridge --full     # the overhead part at full length (60 s of traffic)

Part 1, relay overhead: 20 bridged conversations (a Discord channel and a Telegram group
each); people post on Discord at 50 messages a second, spread over the 20 channels, with every
limit off (the fake's and the outbox's); for each message, the time from the fake gateway
sending the event to the relayed request arriving at the fake Telegram, p50 and p99. Beside
it, the same measure for the bare library call: python-telegram-bot's ``send_message`` with the
same text to the same fake, one at a time. The ratio of the two is the relay's own cost.

Part 2, a burst: 200 messages in one minute into one Discord channel bridged to a Telegram
group, with the fake enforcing Telegram's 20 messages a minute per group: messages lost (must
be 0), 429s received, delivery delay p50 and p95, and the most sends the group saw in any
minute (at most 20; the outbox merges consecutive relayed messages to keep within it).

Peak memory (RSS) after each part, and the load average beside the figures. The fakes run in
the same process, so CPU and memory include them. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import re
import resource
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.core.model import AccountRef, Platform, Role
from bot.outbox import Destination, Limit
from bot.platforms.discord import DiscordPlatform
from bot.platforms.telegram import TelegramPlatform
from bot.service import running
from bot.storage.database import Database
from bot.storage.repository import Repository
from bot.storage.spaces import Space
from tests.fakes import discord_model, discord_relay
from tests.fakes.discord_harness import FAST
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.telegram_server import Call, FakeTelegram
from tests.helpers import make_settings

MARK = re.compile(r"\bm(\d{5})\b")


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPU(s)"


def pct(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


class Arrivals:
    """When each numbered message first reached the fake Telegram, and how many group sends
    succeeded when (from the fake's own recorded times)."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.at: dict[int, float] = {}
        self.sends: list[float] = []
        self.changed = asyncio.Event()
        fake.on_request = self.seen

    def seen(self, call: Call) -> None:
        if call.method != "sendMessage" or call.status != 200:
            return
        self.sends.append(call.at)
        for found in MARK.finditer(str(call.params.get("text", ""))):
            self.at.setdefault(int(found.group(1)), call.at)
        self.changed.set()

    async def wait_for(self, count: int, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while len(self.at) < count:
                self.changed.clear()
                await self.changed.wait()


async def prepare(
    folder: Path, tg: FakeTelegram, dc: FakeDiscord, pairs: int
) -> tuple[list[tuple[int, discord_model.Channel]], discord_model.User]:
    """``pairs`` Telegram groups and Discord channels, registered and bridged in the database
    (as /space add and /space bridge would), and one member who posts."""
    template = dc.channel("peer-space")
    channels = [template]
    for n in range(1, pairs):
        extra = discord_model.Channel(
            discord_model.snowflake(), f"peer-{n}", 0, template.guild_id, 10 + n
        )
        extra.overwrites = dict(template.overwrites)
        dc.world.guild.channels[extra.id] = extra
        channels.append(extra)
    groups = [tg.group(f"Peers {n}", supergroup=True).id for n in range(pairs)]
    poster = dc.add_user("sam")
    peer = dc.world.guild.role_named("Peer")
    dc.world.guild.members[poster.id].roles.append(peer.id)
    bot_role = next(r for r in dc.world.guild.roles.values() if r.managed)
    bot_role.permissions |= (1 << 15) | (1 << 29)  # attach files, manage webhooks
    db = await Database.open(folder / "peer-circle.sqlite3")
    repo = Repository.open(db)
    now = datetime.now(UTC)
    await repo.people.create(AccountRef(Platform.DISCORD, poster.id), (Role.PEER,), now)
    for group, channel in zip(groups, channels, strict=True):
        await repo.spaces.add(Space(Platform.TELEGRAM, str(group), str(group), "g"), now)
        await repo.spaces.add(Space(Platform.DISCORD, channel.id, dc.world.guild.id, "c"), now)
        bridge = await repo.bridges.start(Platform.TELEGRAM, str(group), now)
        await repo.bridges.join(bridge.id, Platform.DISCORD, channel.id)
    await db.close()
    return list(zip(groups, channels, strict=True)), poster


def adapters(settings: object, limits: bool) -> tuple[TelegramPlatform, DiscordPlatform]:
    telegram = TelegramPlatform(settings)  # type: ignore[arg-type]
    discord = DiscordPlatform(settings, timing=FAST)  # type: ignore[arg-type]
    if not limits:
        telegram.global_limit = None
        telegram.limit_for = lambda destination: None  # type: ignore[method-assign]
        discord.global_limit = None
        discord.limit_for = lambda destination: None  # type: ignore[method-assign]
    return telegram, discord


def settings_for(folder: Path, tg: FakeTelegram, dc: FakeDiscord) -> object:
    return make_settings(
        folder,
        telegram_bot_token=tg.token,
        telegram_api_base_url=tg.base_url,
        discord_bot_token=dc.token,
        discord_api_base_url=dc.api_url,
        discord_gateway_url=dc.gateway_url,
    )


async def overhead(folder: Path, count: int, rate: float, pairs: int, bare_count: int) -> None:
    tg = await FakeTelegram().start()
    dc = FakeDiscord()
    await dc.start()
    try:
        bridged, poster = await prepare(folder, tg, dc, pairs)
        settings = settings_for(folder, tg, dc)
        telegram, discord = adapters(settings, limits=False)
        arrivals = Arrivals(tg)
        posted: dict[int, float] = {}
        async with running(settings, adapters=[telegram, discord]):  # type: ignore[arg-type]
            await dc.until(lambda: discord.client is not None and discord.client.is_ready(), 30)
            started = time.monotonic()
            for n in range(count):
                due = started + n / rate
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                _, channel = bridged[n % pairs]
                posted[n] = time.monotonic()
                await discord_relay.say(dc, poster, channel, f"m{n:05d} a short note")
            took = time.monotonic() - started
            await arrivals.wait_for(count, timeout=120)
            relay = [arrivals.at[n] - posted[n] for n in range(count)]
            # The bare library call: the same text, to the same fake, one at a time.
            bot = telegram.app.bot
            bare: list[float] = []
            group = bridged[0][0]
            for n in range(bare_count):
                number = 90000 + n
                began = time.monotonic()
                await bot.send_message(
                    group, f"<b>Sam</b>\nm{number:05d} a short note", parse_mode="HTML"
                )
                bare.append(arrivals.at[number] - began)
    finally:
        await tg.stop()
        await dc.stop()
    r50, r99 = statistics.median(relay), pct(relay, 0.99)
    b50, b99 = statistics.median(bare), pct(bare, 0.99)
    print(f"relay overhead: {count} messages at {count / took:.1f}/s across {pairs} conversations,")
    print("  Discord -> Telegram, every limit off (fakes and outbox)")
    print(f"  event sent -> request at fake   p50 {r50 * 1000:7.2f} ms   p99 {r99 * 1000:7.2f} ms")
    print(f"  bare send_message -> request     p50 {b50 * 1000:7.2f} ms   p99 {b99 * 1000:7.2f} ms")
    print(f"  ratio relay / bare               p50 {r50 / b50:7.1f} x     p99 {r99 / b99:7.1f} x")
    print(f"  peak RSS                         {rss_mib():7.1f} MiB   ({load()})")


async def burst(folder: Path, count: int, seconds: float) -> None:
    tg = await FakeTelegram().start()
    tg.enforce_limits = True  # 20 a minute per group, answered with 429 above it
    dc = FakeDiscord()
    await dc.start()
    try:
        bridged, poster = await prepare(folder, tg, dc, 1)
        group, channel = bridged[0]
        settings = settings_for(folder, tg, dc)
        telegram, discord = adapters(settings, limits=True)
        arrivals = Arrivals(tg)
        posted: dict[int, float] = {}
        async with running(settings, adapters=[telegram, discord]) as svc:  # type: ignore[arg-type]
            await dc.until(lambda: discord.client is not None and discord.client.is_ready(), 30)
            started = time.monotonic()
            for n in range(count):
                due = started + n * seconds / count
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                posted[n] = time.monotonic()
                await discord_relay.say(dc, poster, channel, f"m{n:05d} busy night, all fine")
            with contextlib.suppress(TimeoutError):  # what never arrived is counted as lost
                await arrivals.wait_for(count, timeout=180)
            await svc.ctx.outbox.drain(timeout=60)  # the last batch's answer, too
            retry_after = svc.ctx.outbox.stats["retry_after"]
            dest = Destination(Platform.TELEGRAM, "chat", str(group))
            still, _ = svc.ctx.outbox.waiting(dest)
    finally:
        await tg.stop()
        await dc.stop()
    lost = count - len(arrivals.at)
    delays = [arrivals.at[n] - posted[n] for n in arrivals.at if n in posted]
    sends = sorted(arrivals.sends)
    most = max((sum(1 for t in sends if s <= t < s + 60) for s in sends), default=0)
    limit = Limit(20, 60.0)
    print(f"burst: {count} messages in {seconds:.0f} s into one Discord channel -> Telegram group")
    print(f"  fake enforcing {limit.count} per {limit.period:.0f} s per group")
    print(f"  lost                           {lost:7d}   (still queued at the end: {still})")
    print(f"  429s received                  {tg.limit_hits:7d}   (outbox waited {retry_after})")
    d50, d95 = statistics.median(delays), pct(delays, 0.95)
    print(f"  delivery delay                 p50 {d50:6.1f} s   p95 {d95:6.1f} s")
    print(
        f"  group sends                    {len(sends):7d}   (at most {most} in any 60 s; limit 20)"
    )
    print(f"  peak RSS                       {rss_mib():7.1f} MiB   ({load()})")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="60 s of traffic in part 1")
    parser.add_argument("--count", type=int, default=None, help="messages in part 1")
    parser.add_argument("--only", choices=("overhead", "burst"), help="run one part")
    parser.add_argument("--rate", type=float, default=50.0, help="messages/s in part 1")
    args = parser.parse_args()
    count = args.count or (3000 if args.full else 1000)
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        if args.only != "burst":
            await overhead(Path(first), count, args.rate, 20, 200)
        if args.only is None:
            print()
        if args.only != "overhead":
            await burst(Path(second), 200, 60.0)


if __name__ == "__main__":
    asyncio.run(main())
