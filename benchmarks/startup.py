"""Start-up to first answer, and peak memory, with many schedules stored.

    python -m benchmarks.startup                 # 1k, 10k, 20k and 100k schedules
    python -m benchmarks.startup --counts 1000,20000
    python -m benchmarks.startup --counts 20000 --repeat 5   # the median of five of each
    python -m benchmarks.startup --counts 20000 --repeat 5 --compare ../main   # and main's

For each count, a fresh database gets half as many people as schedules (two self-care
schedules each, at varied local times in varied timezones), then a child process starts the
service with the console platform and answers one command; it prints the time from launch to
that answer (goals: 2 s at 20k, 5 s at 100k), the part of it spent in the service (from
opening it to the answer) with its CPU time (steadier than wall time on a shared host), and
peak RSS, with the load average; for a first start on a fresh data folder (which fills the
content cache; the learned distress model ships in content/, so nothing is trained) and for a
restart (which reads the cache back). Each start runs in its own process so memory figures
do not mix. A measurement, not a test.

The process's whole CPU time (interpreter, imports and service) is printed beside each wall
time: it is the steadier figure on a shared host. Before anything is timed, each code makes one
whole untimed start on a throwaway data folder, writing its compiled bytecode into a
temporary folder (PYTHONPYCACHEPREFIX), then runs ``python -m bot prepare`` with it, as the
install steps do: so the first timed start is a fresh data folder, not a fresh checkout.
``--without-bytecode`` measures what a host with PYTHONDONTWRITEBYTECODE=1 and nothing compiled
or prepared does instead: compile every module, and work out the rest, at every start.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.outbox_fanout import load
from bot.scheduler import build_trigger
from bot.storage.database import Database
from bot.storage.times import to_db
from handlers.selfcare.prompts import PERSONAL_KIND

COUNTS = (1_000, 10_000, 20_000, 100_000)
GOALS = {20_000: 2.0, 100_000: 5.0}
ZONES = ("America/Vancouver", "America/Toronto", "America/Halifax", "Europe/London", "UTC")

CHILD = """
import asyncio, resource, sys, time
began = float(sys.argv[2])
from bot import collector
getattr(collector, "hold", lambda: None)()  # as python -m bot does first (older code: none)
from pathlib import Path
from tests.helpers import console_service, make_settings

async def main() -> None:
    settings = make_settings(Path(sys.argv[1]))
    wall, cpu = time.time(), time.process_time()
    async with console_service(settings) as (svc, driver):
        await driver.say("/help")
        answered = time.time() - began
        service = time.time() - wall
        service_cpu = time.process_time() - cpu
        total_cpu = time.process_time()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    armed = svc.ctx.scheduler.armed()
    print(f"{answered:.3f} {service:.3f} {service_cpu:.3f} {total_cpu:.3f} {rss:.1f} {armed}")

asyncio.run(main())
"""


DATABASE = "peer-circle.sqlite3"  # the name make_settings gives it
HERE = Path(__file__).resolve().parent.parent  # this code's checkout


async def seed(folder: Path, count: int) -> None:
    db = await Database.open(folder / DATABASE)
    now = datetime.now(UTC)
    stamp = to_db(now)
    people = max(1, count // 2)
    async with db.begin() as conn:
        await conn.executemany(
            "INSERT INTO people(id, created_at, timezone) VALUES (?, ?, ?)",
            [(n + 1, stamp, ZONES[n % len(ZONES)]) for n in range(people)],
        )
        await conn.executemany(
            "INSERT INTO roles(person_id, role, granted_at) VALUES (?, 'peer', ?)",
            [(n + 1, stamp) for n in range(people)],
        )
        rows = []
        for n in range(count):
            zone = ZONES[(n // 2) % len(ZONES)]
            spec = {"cron": {"hour": str(7 + n % 12), "minute": str(n % 60)}}
            due = build_trigger(spec, zone).get_next_fire_time(None, now + timedelta(seconds=1))
            rows.append((PERSONAL_KIND, n // 2 + 1, json.dumps(spec), zone, stamp, to_db(due)))
        await conn.executemany(
            "INSERT INTO schedules(kind, person_id, trigger, timezone, payload, created_at,"
            " next_due) VALUES (?, ?, ?, ?, '{}', ?, ?)",
            rows,
        )
    await db.close()


def child_env(bytecode: Path | None, code: Path | None = None) -> dict[str, str]:
    """The children's environment: bytecode read from (and written once to) ``bytecode``, or
    none at all (every start compiles); ``code``: another checkout's code instead of this."""
    env = {**os.environ, "LOG_LEVEL": "WARNING", "PYTHONPATH": str(code or HERE)}
    if bytecode is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(bytecode)
    return env


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default=",".join(str(c) for c in COUNTS))
    parser.add_argument(
        "--without-bytecode",
        action="store_true",
        help="compile every module at every start (PYTHONDONTWRITEBYTECODE=1, nothing compiled)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="start each way N times and show the median (a shared host's load comes and goes)",
    )
    parser.add_argument(
        "--compare",
        type=Path,
        metavar="CHECKOUT",
        help="also start another checkout's code (e.g. main's), taking turns with this code's"
        " on the same databases, so both meet the same load",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as bytecode:
        folder = None if args.without_bytecode else Path(bytecode)
        codes = {"this code": child_env(folder)}
        if args.compare is not None:
            codes[str(args.compare)] = child_env(folder, args.compare.resolve())
        if folder is not None:  # compiled once, as an install does; not timed
            for code, env in codes.items():
                await warm_up(code, env)
        print(
            "start-up to first answer (console /help), schedules stored beforehand; "
            + (
                "every module compiled at every start"
                if folder is None
                else "bytecode compiled beforehand"
            )
        )
        for count in (int(c) for c in args.counts.split(",")):
            await measure(count, codes, args.repeat)
    print(f"  {load()}", flush=True)


async def warm_up(code: str, env: dict[str, str]) -> None:
    """One whole untimed start on a throwaway data folder, so every module a real start
    imports is compiled before anything is timed (as ``compileall`` at install leaves it).
    Importing only the test helpers left about 79 modules (ftfy, langcodes, msgpack...) to
    be compiled by the first timed start, which made a first start look slower than it is."""
    with tempfile.TemporaryDirectory() as throwaway:
        got = await start(Path(throwaway), env)
    if isinstance(got, str):
        raise SystemExit(f"the warm-up start of {code} failed:\n{got}")
    if "PYTHONDONTWRITEBYTECODE" not in env:  # then as the install steps: python -m bot prepare
        await child(["-m", "bot", "prepare"], env)  # (older code has none: it says so)


async def child(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Python with ``args`` in a child process run by the code ``env`` names, from that
    code's folder (``python -c`` and ``-m`` look in their working folder first)."""
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=env["PYTHONPATH"],
        check=False,
    )


async def start(folder: Path, env: dict[str, str]) -> list[str] | str:
    """One start in a child process: its figures, or what it said when it failed."""
    out = await child(["-c", CHILD, str(folder), str(time.time())], env)
    return out.stderr[-2000:] if out.returncode != 0 else out.stdout.split()[-6:]


SEED = (
    "import asyncio, sys; from pathlib import Path; from benchmarks.startup import seed;"
    " asyncio.run(seed(Path(sys.argv[1]), int(sys.argv[2])))"
)


async def seed_with(code: str, env: dict[str, str], folder: Path, count: int) -> None:
    """The same schedules stored by each code's own version of the database: a checkout
    compared with this one may not know this code's newest migrations (it would refuse a
    database made by a newer version), and each code's first start should meet a database
    of its own version, as a fresh install of it would."""
    await asyncio.to_thread(folder.mkdir)
    out = await child(["-c", SEED, str(folder), str(count)], env)
    if out.returncode != 0:
        raise SystemExit(f"storing the schedules with {code} failed:\n{out.stderr[-2000:]}")


async def measure(count: int, codes: dict[str, dict[str, str]], repeat: int) -> None:
    """A first start on a fresh data folder with ``count`` schedules, then a restart;
    ``repeat`` times (each on a fresh copy of the database its code seeded), the median shown. With
    two codes, each round starts each code in turn."""
    with tempfile.TemporaryDirectory() as name:
        seeded = {code: Path(name) / f"seeded{n}" for n, code in enumerate(codes)}
        for code, env in codes.items():
            await seed_with(code, env, seeded[code], count)
        ways = ("first start", "restart")
        runs: dict[tuple[str, str], list[list[str]]] = {(c, w): [] for c in codes for w in ways}
        for n in range(repeat):
            for code, env in codes.items():
                folder = Path(name) / f"run{n}"
                shutil.copytree(seeded[code], folder)  # the database and what SQLite keeps
                # The first start fills what the data folder keeps (the content cache); a
                # restart, the usual case, reads it back.
                for which in ways:
                    got = await start(folder, env)
                    if isinstance(got, str):
                        print(f"  {count:>7,} schedules, {which} ({code}): failed\n{got}")
                        return
                    runs[code, which].append(got)
                shutil.rmtree(folder)
        for (code, which), kept in runs.items():
            answered, service, cpu, total, rss = (
                statistics.median(float(r[i]) for r in kept) for i in range(5)
            )
            goal = GOALS.get(count)
            ratio = f" = {answered / goal:.0%} of the {goal:.0f} s goal" if goal else ""
            spread = (
                f" (median of {repeat}: {min(float(r[0]) for r in kept):.2f} to"
                f" {max(float(r[0]) for r in kept):.2f} s)"
                if repeat > 1
                else ""
            )
            whose = f" [{code}]" if len(codes) > 1 else ""
            print(
                f"  {count:>7,} schedules, {which:>11}{whose}: first answer {answered:6.2f} s"
                f"{ratio}{spread}, {total:.2f} s of CPU (interpreter and imports included; the"
                f" service itself {service:.2f} s, {cpu:.2f} s of CPU), peak RSS"
                f" {rss:6.1f} MiB, {kept[-1][5]} with a due time"
            )


if __name__ == "__main__":
    asyncio.run(main())
