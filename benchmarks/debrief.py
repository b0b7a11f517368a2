"""Debrief rooms under load: many rooms of people on Telegram and Discord, everyone talking.

    python -m benchmarks.debrief                 # 50 rooms of 4, every 5 s, for 1 minute
    python -m benchmarks.debrief --full          # the same for 5 minutes (the issue's size)
    python -m benchmarks.debrief --rooms 10 --seconds 30

Each room has two Telegram and two Discord participants (private chats with the bot), set up
through the debrief handlers themselves. Every participant posts a message every ``--every``
seconds (start times spread evenly), through the real python-telegram-bot and discord.py
against the fakes in ``tests/fakes``; the Telegram fake enforces Telegram's limits (30/s per
bot, 1/s per chat), the outbox applies both platforms' limits. Relayed copies go through the
one relay engine and the outbox, in memory only.

Printed: relay latency p50 and p95 from a participant's message reaching the bot's platform
(the fake accepting it) to the last of its copies arriving at a fake, messages lost (every
message must reach the other three), copies merged under load, 429s, peak RSS, and the load
average beside them. The fakes run in this process, so CPU and memory include them. A
measurement, not a test: nothing here asserts a time.
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
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core.context import Caller, Request
from bot.core.events import Actor, Conversation
from bot.core.model import AccountRef, Platform, Role
from bot.platforms.discord import DiscordPlatform
from bot.platforms.telegram import TelegramPlatform
from bot.service import Service, running
from handlers.debrief.rooms import join_room, open_room
from tests.fakes import discord_model, discord_relay
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.telegram_media import user_says
from tests.fakes.telegram_server import FakeTelegram
from tests.fakes.telegram_wire import Call
from tests.fakes.telegram_world import User
from tests.helpers import make_settings

TOKEN = re.compile(r"\bq(\d+)z\b")


def pct(values: list[float], at: float) -> float:
    """The ``at`` quantile of sorted ``values``, in milliseconds."""
    return values[min(len(values) - 1, int(len(values) * at))] * 1000 if values else 0.0


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


@dataclass
class Seat:
    """One participant: who they are on which fake, and their room."""

    room: int
    platform: Platform
    tg: User | None = None
    dc: discord_model.User | None = None


@dataclass
class Tally:
    sent_at: dict[int, float] = field(default_factory=dict)
    at_engine: dict[int, float] = field(default_factory=dict)
    source: dict[int, str] = field(default_factory=dict)  # token -> platform it was posted on
    copies: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    merged: int = 0
    progress: asyncio.Event = field(default_factory=asyncio.Event)
    per_platform: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def arrived(self, text: str, at: float, platform: str) -> None:
        self.progress.set()
        for token in TOKEN.findall(text):
            sent = self.sent_at.get(int(token))
            if sent is not None:
                self.per_platform[platform].append(at - sent)
        found = [int(t) for t in TOKEN.findall(text)]
        if len(found) > 1:
            self.merged += len(found) - 1
        for token in found:
            self.copies[token].append(at)


def request(svc: Service, account: AccountRef, person_id: int, name: str) -> Request:
    from bot.core.model import Person

    actor = Actor(account, name)
    where = Conversation(account.platform, account.user_id, is_private=True)
    person = Person(person_id, frozenset({Role.PEER}))
    return Request(Caller(actor, where, person))


async def set_up(svc: Service, tg: FakeTelegram, dc: FakeDiscord, rooms: int) -> list[Seat]:
    ctx = svc.ctx
    seats: list[Seat] = []
    now = ctx.clock.now()
    for number in range(rooms):
        made: list[tuple[Seat, Request]] = []
        for place in range(4):
            if place < 2:
                user = tg.user(f"T{number}-{place}")
                tg.world.started.add(user.id)
                account = AccountRef(Platform.TELEGRAM, str(user.id))
                seat = Seat(number, Platform.TELEGRAM, tg=user)
            else:
                duser = dc.add_user(f"d{number}-{place}")
                account = AccountRef(Platform.DISCORD, duser.id)
                seat = Seat(number, Platform.DISCORD, dc=duser)
            person = await ctx.repo.people.create(account, (Role.PEER,), now)
            made.append((seat, request(svc, account, person.id, f"P{number}-{place}")))
        room = await open_room(ctx, made[0][1], None)
        for _, req in made[1:]:
            await join_room(ctx, req, room, None)
        seats += [seat for seat, _ in made]
    await ctx.outbox.drain(timeout=120)  # the join notes
    return seats


async def talk(
    tg: FakeTelegram,
    dc: FakeDiscord,
    seats: list[Seat],
    tally: Tally,
    every: float,
    seconds: float,
) -> int:
    """Everyone posts every ``every`` seconds for ``seconds``; returns messages posted."""
    counter = iter(range(1, 10**9))
    began = time.monotonic()

    async def person(index: int, seat: Seat) -> None:
        await asyncio.sleep(every * index / len(seats))
        while time.monotonic() - began < seconds:
            token = next(counter)
            text = f"a few words from a hard shift q{token}z"
            tally.sent_at[token] = time.monotonic()
            tally.source[token] = seat.platform.value
            if seat.tg is not None:
                user_says(tg, seat.tg, text, [])
            else:
                assert seat.dc is not None
                await discord_relay.say(dc, seat.dc, dc.world.dm_for(seat.dc), text)
            await asyncio.sleep(every)

    await asyncio.gather(*(person(i, s) for i, s in enumerate(seats)))
    return len(tally.sent_at)


async def run(rooms: int, every: float, seconds: float, folder: Path) -> None:
    tg = await FakeTelegram().start()
    tg.enforce_limits = True
    tally = Tally()

    def on_telegram(call: Call) -> None:
        if call.status == 200 and call.method == "sendMessage":
            tally.arrived(str(call.params.get("text", "")), call.at, "telegram")

    tg.on_request = on_telegram
    async with FakeDiscord.running() as dc:
        original = dc.create_message

        def on_discord(
            channel: discord_model.Channel, data: Any, files: list[str], *, flags: int = 0
        ) -> discord_model.Message:
            message = original(channel, data, files, flags=flags)
            tally.arrived(message.content, time.monotonic(), "discord")
            return message

        dc.create_message = on_discord  # type: ignore[method-assign]
        settings = make_settings(
            folder,
            telegram_bot_token=tg.token,
            telegram_api_base_url=tg.base_url,
            discord_bot_token=dc.token,
            discord_api_base_url=dc.api_url,
            discord_gateway_url=dc.gateway_url,
        )
        platforms = [TelegramPlatform(settings), DiscordPlatform(settings)]
        rss_before = rss_mib()
        async with running(settings, adapters=platforms) as svc:
            seats = await set_up(svc, tg, dc, rooms)
            relay = svc.ctx.relay
            assert relay is not None
            handle = relay.handle

            async def timed(event: Any) -> bool:
                text = getattr(getattr(event, "text", None), "text", "")
                for token in TOKEN.findall(text):
                    tally.at_engine[int(token)] = time.monotonic()
                return await handle(event)

            relay.handle = timed  # type: ignore[method-assign]
            tally.copies.clear()
            tally.per_platform.clear()
            tally.merged = 0
            started = time.monotonic()
            posted = await talk(tg, dc, seats, tally, every, seconds)
            talked = time.monotonic() - started

            def complete() -> bool:
                return all(len(tally.copies.get(t, ())) >= 3 for t in tally.sent_at)

            waited = time.monotonic()
            with contextlib.suppress(TimeoutError):
                # Until every copy arrived, or nothing moved for 30 s with the outbox empty
                # (then what is missing is lost), for at most ten minutes.
                async with asyncio.timeout(600):
                    quiet_since = time.monotonic()
                    while not complete():
                        tally.progress.clear()
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(tally.progress.wait(), 1.0)
                        if tally.progress.is_set() or svc.ctx.outbox.pending():
                            quiet_since = time.monotonic()
                        elif time.monotonic() - quiet_since > 30:
                            break
            drained = time.monotonic() - waited
            still_queued = svc.ctx.outbox.pending()
            stats = dict(svc.ctx.outbox.stats)
            relay_stats = dict(svc.ctx.relay.stats) if svc.ctx.relay else {}
    await tg.stop()
    latencies = sorted(
        max(tally.copies[t][:3]) - sent
        for t, sent in tally.sent_at.items()
        if len(tally.copies.get(t, ())) >= 3
    )
    inbound = sorted(
        tally.at_engine[t] - sent for t, sent in tally.sent_at.items() if t in tally.at_engine
    )
    outbound = sorted(
        max(tally.copies[t][:3]) - tally.at_engine[t]
        for t in tally.sent_at
        if len(tally.copies.get(t, ())) >= 3 and t in tally.at_engine
    )
    lost = sum(1 for t in tally.sent_at if len(tally.copies.get(t, ())) < 3)
    p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))] if latencies else 0.0
    load = os.getloadavg()
    people = rooms * 4
    print(f"debrief rooms: {rooms} rooms of 4 (2 Telegram, 2 Discord), a message each every")
    print(f"  {every:g} s for {seconds:g} s, Telegram fake enforcing its limits")
    print(f"  messages posted             {posted:8d}  ({posted / talked:.1f}/s from {people})")
    print(f"  copies expected             {posted * 3:8d}")
    print(f"  relay latency p50           {statistics.median(latencies) * 1000:8.0f} ms")
    print(f"  relay latency p95           {p95 * 1000:8.0f} ms   (to the last of 3 copies)")
    parts = [("to reach the engine", inbound), ("engine to last copy", outbound)]
    parts += [(f"copies on {p}", sorted(v)) for p, v in sorted(tally.per_platform.items())]
    for label, part in parts:
        print(f"    {label:22}  p50 {pct(part, 0.5):6.0f} ms, p95 {pct(part, 0.95):6.0f} ms")
    print(f"  messages lost               {lost:8d}  (copies still queued: {still_queued})")
    unseen = [tally.source[t] for t in tally.sent_at if t not in tally.at_engine]
    print(
        f"    never reached the engine  {len(unseen):6d}"
        f"  (posted on Telegram {unseen.count('telegram')}, on Discord {unseen.count('discord')})"
    )
    print(f"  copies merged under load    {tally.merged:8d}")
    print(f"  429s from the Telegram fake {tg.limit_hits:8d}  (outbox saw {stats['retry_after']})")
    print(
        f"  relayed by the engine       {relay_stats.get('relayed', 0):8d}"
        f"  (duplicates {relay_stats.get('duplicates', 0)},"
        f" refused {relay_stats.get('refused_unverified', 0)})"
    )
    print(f"  outbox: failed {stats['failed']}, retried after errors {stats['transient']}")
    print(f"  waited once talking stopped {drained:8.1f} s (for the last copies)")
    print(f"  peak RSS                    {rss_mib():8.1f} MiB (was {rss_before:.1f} before)")
    print(f"  load average                {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rooms", type=int, default=50)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between messages")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long everyone talks")
    parser.add_argument("--full", action="store_true", help="talk for 5 minutes")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    seconds = 300.0 if args.full else args.seconds
    with tempfile.TemporaryDirectory() as folder:
        await run(args.rooms, args.every, seconds, Path(folder))


if __name__ == "__main__":
    asyncio.run(main())
