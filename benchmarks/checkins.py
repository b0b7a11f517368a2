"""Check-ins due in the same minute, sent through the Telegram fake enforcing its limits, with
the bot killed (SIGKILL) halfway and restarted.

    python -m benchmarks.checkins              # 3,000 peers: a few minutes here
    python -m benchmarks.checkins --full       # 10,000 peers (about six minutes at 30/s)
    python -m benchmarks.checkins --peers 500

The fake Bot API runs in this process; the bot runs in a child process against it, so it can be
killed with ``kill -9`` and started again on the same database. Every peer has an accepted
check-in whose time passed two minutes before the bot starts, so all are due at once (made up
on start, inside the one-hour grace). Prints the time until every peer had their question, the
rate as a fraction of Telegram's 30/s ceiling, the peers who got none (lost) and those who got
it more than once (duplicates), with the load average beside them. A measurement: nothing here
asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.model import AccountRef, Platform, Role
from bot.service import running  # first: it imports the storage and outbox in order
from bot.storage.database import Database
from bot.storage.repository import Repository
from handlers.checkins.common import ASK_KIND
from handlers.checkins.plans import make_plan, trigger
from tests.fakes.telegram_server import FakeTelegram

CEILING = 30.0
QUESTION = "How are you doing"
#: No new question for this long counts the rest as lost (beyond the outbox's longest backoff).
STALL = 330.0


async def prepare(db_path: Path, peers: list[int], mentor: int) -> None:
    """People, accepted check-ins and their schedules, written straight to the database."""
    db = await Database.open(db_path)
    repo = Repository.open(db)
    now = datetime.now(UTC)
    created = now - timedelta(days=1)
    due = now + timedelta(seconds=5) - timedelta(minutes=2)
    plan = make_plan("daily", None, f"{due:%H:%M}")
    mentor_person = await repo.people.create(
        AccountRef(Platform.TELEGRAM, str(mentor)), [Role.PEER, Role.MENTOR], created
    )
    for user_id in peers:
        person = await repo.people.create(
            AccountRef(Platform.TELEGRAM, str(user_id)), [Role.PEER], created
        )
        await repo.people.set_timezone(person.id, "UTC")
        checkin = await repo.checkins.propose(mentor_person.id, person.id, plan, created)
        schedule = await repo.schedules.add(
            kind=ASK_KIND,
            trigger=trigger(plan, created.date()),
            timezone="UTC",
            now=created,
            person_id=person.id,
            payload={"checkin": checkin},
        )
        await repo.checkins.activate(checkin, plan, schedule.id)
    await db.close()


def child(db_path: str, base_url: str, token: str) -> None:
    """The bot alone, until killed."""
    from bot.platforms.telegram import TelegramPlatform
    from tests.helpers import make_settings

    async def run() -> None:
        settings = make_settings(
            Path(db_path).parent,
            database_path=Path(db_path),
            telegram_bot_token=token,
            telegram_api_base_url=base_url,
        )
        async with running(settings, adapters=[TelegramPlatform(settings)]):
            await asyncio.Event().wait()

    logging.basicConfig(level=logging.ERROR)
    asyncio.run(run())


async def start_child(db_path: Path, fake: FakeTelegram) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.checkins",
        "--child",
        str(db_path),
        fake.base_url,
        fake.token,
    )


def questions(fake: FakeTelegram) -> Counter[int]:
    return Counter(
        int(c.params["chat_id"])
        for c in fake.calls
        if c.method == "sendMessage" and c.status == 200 and QUESTION in str(c.params.get("text"))
    )


async def bench(count: int, folder: Path) -> None:
    fake = await FakeTelegram().start()
    fake.enforce_limits = True
    mentor = fake.user("Mentor")
    people = [fake.user(f"Peer {n}") for n in range(count)]
    fake.world.started.update(p.id for p in [mentor, *people])
    db_path = folder / "bench.sqlite3"
    began = time.monotonic()
    await prepare(db_path, [p.id for p in people], mentor.id)
    took = time.monotonic() - began
    print(f"{count} peers with check-ins due at once (prepared in {took:.0f} s)")
    try:
        started = time.monotonic()
        proc = await start_child(db_path, fake)
        await fake.wait_for(lambda: len(questions(fake)) >= count // 2, timeout=3600)
        os.kill(proc.pid, signal.SIGKILL)
        await proc.wait()
        killed_at = len(questions(fake))
        print(f"  killed (SIGKILL) after      {killed_at:8d} peers had their question")
        proc = await start_child(db_path, fake)
        last, stalled = -1, time.monotonic()
        while True:
            seen = len(questions(fake))
            if seen >= count and time.monotonic() - stalled > 5:
                break
            if seen != last:
                last, stalled = seen, time.monotonic()
            elif time.monotonic() - stalled > STALL:
                break
            await asyncio.sleep(0.2)
        finished = stalled
        proc.send_signal(signal.SIGTERM)
        await proc.wait()
    finally:
        await fake.stop()
    got = questions(fake)
    lost = count - len(got)
    duplicates = sum(n - 1 for n in got.values() if n > 1)
    elapsed = finished - started
    rate = len(got) / elapsed if elapsed > 0 else 0.0
    load = os.getloadavg()
    print(f"  all sent after              {elapsed:8.1f} s (including the kill and restart)")
    print(f"  rate                        {rate:8.2f} msg/s = {rate / CEILING:.1%} of 30/s")
    print(f"  429s from the fake          {fake.limit_hits:8d}")
    print(f"  lost                        {lost:8d}")
    print(f"  duplicates after restart    {duplicates:8d}")
    print(f"  load average                {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--peers", type=int, default=3_000)
    parser.add_argument("--full", action="store_true", help="10,000 peers, the issue's size")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    # The kill cuts requests in flight; the fake's server logs each one. Expected here.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as folder:
        await bench(10_000 if args.full else args.peers, Path(folder))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
    else:
        asyncio.run(main())
