"""One buddy pairing round over 10,000 members, on a real SQLite file.

    python -m benchmarks.buddies                 # 10,000 members, the issue's size
    python -m benchmarks.buddies --members 2000

Members have a region (five), up to three of eight interests, a few do-not-pair entries
(one in ten people has one), and three earlier rounds of pairs, so the round must steer
around repeats. Prints the time to read who waits and their history, the matching itself
(networkx's maximum-weight matching, in groups; see ``handlers/buddies/matching.py``), and
writing the round; then the repeats and do-not-pair pairs made (both must be 0), and the load
average beside them. Introductions and check-backs go out through the outbox like any
message: their sending is what ``benchmarks.checkins`` and ``outbox_fanout`` measure. A
measurement: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.service import running  # noqa: F401  (first: it imports storage in order)
from bot.storage.database import Database
from bot.storage.repository import Repository
from handlers.buddies.matching import Candidate, pair_up

REGIONS = ("northern-bc", "vancouver-island", "interior", "fraser-valley", "lower-mainland")
INTERESTS = ("harm-reduction", "housing", "youth", "grief", "lived-experience", "rural")
EARLIER_ROUNDS = 3


async def prepare(repo: Repository, count: int, rng: random.Random) -> None:
    """Members, their choices, do-not-pair lists and earlier rounds, straight to the file."""
    now = datetime.now(UTC).isoformat()
    db = repo.db
    ids = list(range(1, count + 1))
    await db.executemany(
        "INSERT INTO people(id, created_at) VALUES (?, ?)", [(i, now) for i in ids]
    )
    await db.executemany(
        "INSERT INTO roles(person_id, role, granted_at) VALUES (?, 'peer', ?)",
        [(i, now) for i in ids],
    )
    await db.executemany(
        "INSERT INTO buddies(person_id, region, interests, joined_at) VALUES (?, ?, ?, ?)",
        [
            (i, rng.choice(REGIONS), json.dumps(rng.sample(INTERESTS, rng.randint(0, 3))), now)
            for i in ids
        ],
    )
    avoid = {(rng.choice(ids), rng.choice(ids)) for _ in range(count // 10)}
    await db.executemany(
        "INSERT OR IGNORE INTO buddy_avoid(person_id, avoid_id) VALUES (?, ?)",
        [(a, b) for a, b in avoid if a != b],
    )
    for round_no in range(1, EARLIER_ROUNDS + 1):
        shuffled = ids[:]
        rng.shuffle(shuffled)
        pairs = [shuffled[i : i + 2] for i in range(0, len(shuffled) - 1, 2)]
        await repo.buddies.hold_round(round_no, pairs, datetime.now(UTC))


async def bench(count: int, folder: Path) -> None:
    rng = random.Random(12)
    db = await Database.open(folder / "bench.sqlite3")
    repo = Repository.open(db)
    await prepare(repo, count, rng)
    print(f"Buddy round over {count:,} members ({EARLIER_ROUNDS} earlier rounds)")
    started = time.perf_counter()
    now = datetime.now(UTC)
    waiting = [
        Candidate(b.person_id, b.region, frozenset(b.interests))
        for b in await repo.buddies.waiting(now)
    ]
    history = await repo.buddies.history()
    avoided = await repo.buddies.avoided_pairs()
    read = time.perf_counter()
    cpu = time.process_time()
    groups = pair_up(waiting, history, avoided, EARLIER_ROUNDS + 1, rng)
    matched = time.perf_counter()
    cpu = time.process_time() - cpu
    await repo.buddies.hold_round(EARLIER_ROUNDS + 1, groups, now)
    written = time.perf_counter()
    await db.close()
    made = {frozenset(p) for g in groups for p in itertools.combinations(g, 2)}
    paired = sum(len(g) for g in groups)
    load = os.getloadavg()
    print(f"  read who waits and history  {read - started:8.2f} s")
    print(f"  matching                    {matched - read:8.2f} s ({cpu:.2f} s of CPU)")
    print(f"  write the round             {written - matched:8.2f} s")
    print(f"  one round, in all           {written - started:8.2f} s")
    print(f"  paired                      {paired:8,d} of {len(waiting):,}")
    print(f"  groups of three             {sum(len(g) == 3 for g in groups):8d}")
    print(f"  repeats                     {len(made & set(history)):8d}")
    print(f"  do-not-pair pairs made      {len(made & avoided):8d}")
    print(f"  load average                {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        await bench(args.members, Path(folder))


if __name__ == "__main__":
    asyncio.run(main())
