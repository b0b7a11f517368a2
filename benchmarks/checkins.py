"""Check-ins due in the same minute, sent through the Telegram fake enforcing its limits, with
the bot killed (SIGKILL) several times at random moments and restarted each time.

    python -m benchmarks.checkins              # 3,000 peers, 3 kills: a few minutes here
    python -m benchmarks.checkins --full       # 10,000 peers (about six minutes at 30/s)
    python -m benchmarks.checkins --peers 500 --kills 5 --seed 7

The fake Bot API runs in this process; the bot runs in a child process against it, so it can be
killed with ``kill -9`` and started again on the same database. Every peer has an accepted
check-in whose time passed two minutes before the bot starts, so all are due at once (made up
on start, inside the one-hour grace). Prints the time until every peer had their question, the
rate as a fraction of Telegram's 30/s ceiling, the peers who got none (lost, must be 0) and those
who got it more than once (duplicates), with the load average beside them.

Duplicates are printed per kill, split by the fake's own records of when it received the first
copy and when it wrote its answer, and by what the kernel still held for the bot at the kill
(the bot is frozen with SIGSTOP, its connections' unread bytes read from ``/proc/net/tcp``,
then killed: the same instant):

- "in flight at the kill": the fake had not written its answer, or had, but the answer still
  sat unread in the bot's socket; either way the bot could not know the message arrived.
  Telegram has no idempotent send (Discord has, and the outbox uses it:
  ``bot/platforms/discord/delivery.py``), so the outbox must choose between sending such a
  message again (at least once) and dropping it (at most once). It sends it again: a check-in,
  or a crisis answer, must never be lost. This is the one duplicate a crash can still make on
  Telegram; the window is one request's round trip, and the kill lands at a random moment
  (``--seed`` repeats them) so the figure is what a real crash would meet, not a kill timed
  between two sends.
- "delivered but not recorded": the bot had read the answer from its socket. The outbox notes
  a delivered id beside the database in the same run of the event loop that hands the answer
  to it (``bot/outbox/sent.py``), before the row's deletion waits for SQLite, so this must be
  0; printed with how long before the kill the answers were written.

A measurement: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot import eventloop
from bot.core.model import AccountRef, Platform, Role
from bot.service import running  # first: it imports the storage and outbox in order
from bot.storage.database import Database
from bot.storage.repository import Repository
from handlers.checkins.common import ASK_KIND
from handlers.checkins.plans import make_plan, trigger
from tests.fakes.telegram_server import FakeTelegram
from tests.fakes.telegram_wire import Call

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

    settings = make_settings(
        Path(db_path).parent,
        database_path=Path(db_path),
        telegram_bot_token=token,
        telegram_api_base_url=base_url,
    )

    async def run() -> None:
        async with running(settings, adapters=[TelegramPlatform(settings)]):
            await asyncio.Event().wait()

    logging.basicConfig(level=logging.ERROR)
    eventloop.run(run(), use_uvloop=settings.uvloop)  # the service's own event loop


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


def freeze(pid: int, port: int) -> dict[int, int]:
    """Stop the bot where it is (SIGSTOP: the same instant a kill would meet), then read the
    kernel's count of answer bytes waiting unread on each of its connections to the fake, by
    the bot's port. Waits without yielding, so the fake writes nothing meanwhile."""
    os.kill(pid, signal.SIGSTOP)
    stat = Path(f"/proc/{pid}/stat")
    while stat.read_text().rsplit(")", 1)[1].split()[0] not in ("T", "t"):
        pass
    waiting: dict[int, int] = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, queues = fields[1], fields[2], fields[4]
        if int(remote.split(":")[1], 16) == port:
            waiting[int(local.split(":")[1], 16)] = int(queues.split(":")[1], 16)
    return waiting


def kill_points(count: int, kills: int, rng: random.Random) -> list[int]:
    """Where to kill: one random moment inside each of ``kills`` equal stretches of the run,
    so the kills are spread out but none lands at a moment chosen to suit the outbox."""
    stretch = count / (kills + 1)
    return [int(stretch * (k + 0.5 + rng.random())) for k in range(kills)]


async def bench(count: int, kills: int, folder: Path, seed: int | None) -> None:
    fake = await FakeTelegram().start()
    fake.enforce_limits = True
    mentor = fake.user("Mentor")
    people = [fake.user(f"Peer {n}") for n in range(count)]
    fake.world.started.update(p.id for p in [mentor, *people])
    db_path = folder / "bench.sqlite3"
    began = time.monotonic()
    await prepare(db_path, [p.id for p in people], mentor.id)
    took = time.monotonic() - began
    rng = random.Random(seed)
    points = kill_points(count, kills, rng)
    print(f"{count} peers with check-ins due at once (prepared in {took:.0f} s), {kills} kills")
    at_kill: list[Counter[int]] = []
    killed: list[float] = []
    unread: list[dict[int, int]] = []
    try:
        started = time.monotonic()
        proc = await start_child(db_path, fake)
        for point in points:
            await fake.wait_for(lambda p=point: len(questions(fake)) >= p, timeout=3600)
            # A random moment inside the next send's interval, not just after one arrived.
            await asyncio.sleep(rng.random() / CEILING)
            killed.append(time.monotonic())  # the fake writes nothing until the kill
            unread.append(freeze(proc.pid, fake.port))
            os.kill(proc.pid, signal.SIGKILL)
            await proc.wait()
            at_kill.append(questions(fake))
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
    first_call: dict[int, Call] = {}
    for c in fake.calls:
        if c.method == "sendMessage" and c.status == 200 and QUESTION in str(c.params.get("text")):
            first_call.setdefault(int(c.params["chat_id"]), c)
    lost = count - len(got)
    duplicates = sum(n - 1 for n in got.values() if n > 1)
    elapsed = finished - started
    rate = len(got) / elapsed if elapsed > 0 else 0.0
    load = os.getloadavg()
    in_flight_total = unread_total = late_total = 0
    for k, before in enumerate(at_kill):
        after = at_kill[k + 1] if k + 1 < len(at_kill) else got
        # The last request on each of the killed bot's connections before the kill.
        since = killed[k - 1] if k else 0.0
        last_on: dict[int, Call] = {}
        for c in fake.calls:
            if since < c.at < killed[k]:
                last_on[c.peer] = c
        # Sent again after this kill: chats that already had their question at the kill.
        again = sum(after[chat] - before[chat] for chat in before)
        in_flight = still_unread = 0
        late: list[float] = []
        for chat in before:
            extra = after[chat] - before[chat]
            if extra <= 0:
                continue
            first = first_call[chat]
            if first.answered is None or first.answered >= killed[k]:
                in_flight += extra  # the fake had not answered
            elif unread[k].get(first.peer, 0) > 0 and last_on.get(first.peer) is first:
                still_unread += extra  # answered, but still in the bot's socket, unread
            else:
                late += [(killed[k] - first.answered) * 1000] * extra
        late.sort()
        in_flight_total += in_flight + still_unread
        unread_total += still_unread
        late_total += len(late)
        spread = f" (answers written {late[0]:.1f} to {late[-1]:.1f} ms before it)" if late else ""
        print(
            f"  kill {k + 1} (SIGKILL) after {sum(before.values()):6d} sends:"
            f" {again} sent again: {in_flight + still_unread} in flight at the kill"
            f" ({still_unread} answered but unread in the bot's socket),"
            f" {len(late)} delivered but not recorded{spread}"
        )
    print(f"  all sent after              {elapsed:8.1f} s (including {kills} kills and restarts)")
    print(f"  rate                        {rate:8.2f} msg/s = {rate / CEILING:.1%} of 30/s")
    print(f"  429s from the fake          {fake.limit_hits:8d}")
    print(f"  lost                        {lost:8d}")
    per_kill = duplicates / max(1, kills)
    print(f"  duplicates after restarts   {duplicates:8d} ({per_kill:.2f} a kill)")
    print(
        f"    in flight at the kill     {in_flight_total:8d} (Telegram: at least once, by choice;"
        f" {unread_total} of them answered but not yet read)"
    )
    print(f"    delivered, not recorded   {late_total:8d} (must be 0)")
    print(f"  load average                {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--peers", type=int, default=3_000)
    parser.add_argument("--full", action="store_true", help="10,000 peers, the issue's size")
    parser.add_argument("--kills", type=int, default=3, help="times to kill -9 and restart")
    parser.add_argument("--seed", type=int, default=None, help="for the same kill moments")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    # The kill cuts requests in flight; the fake's server logs each one. Expected here.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as folder:
        peers = 10_000 if args.full else args.peers
        await bench(peers, max(1, args.kills), Path(folder), args.seed)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
    else:
        asyncio.run(main())
