"""`/resources` end to end at 1,000, 10,000 and 50,000 entries, with a realistic vocabulary.

Run from the repository root:  python -m benchmarks.search   (--sizes 1000,10000 for fewer;
--slowest 20 also prints the twenty slowest commands of each size, with their kind and words;
--fresh N starts N fresh processes for the first figure, 0 skips it; --compare CHECKOUT also
starts that checkout's code for it, say main's, taking turns with this code's)

First, the first `/resources` in a fresh process, on the shipped content: a child process
starts the service as `python -m bot` does, waits until what the first commands need is built
on its worker thread (bot/warm.py; older code: nothing to wait for), then times its first and
second `/resources`. The first used to pay 15-45 ms for Babel's locale data. Each size below
also waits for that before its first command.

For each size it writes the shipped content with a synthetic resources.yaml whose words come
from wordfreq's English list (about 20,000 distinct words, drawn as often as people use them,
plus the directory's own words), starts the real service on a SQLite file, and sends
`/resources` commands through the real dispatcher as a member would: the time from dispatch
to the prepared reply (argument parsing, distress check, search, cards, the "more" button
minted in the database). Wall time is what a person waits; CPU time (this process, all its
threads) is printed beside it because on a busy machine wall time is mostly waiting for a
core. Ceilings (issue 14): end to end p99 at most 5 ms at 10,000 entries;
content load at most 1 s. Figures are printed as ratios to them, with the load average.
Nothing is asserted: these are measurements.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from bot.config import load_settings
from bot.content.schema.common import Cost, Format, Region
from bot.content.sources import RESOURCES, SOURCES
from bot.content.store import ContentStore
from bot.core.events import Actor, CommandEvent, Conversation
from bot.core.model import AccountRef, Platform, Role
from bot.directory.english import english_words
from bot.directory.words import FILLER
from bot.service import running

SIZES = (1_000, 10_000, 50_000)
QUERIES_PER_KIND = 200
E2E_CEILING_MS = 5.0
LOAD_CEILING_S = 1.0
REPO = Path(__file__).resolve().parent.parent
TOPICS = ("harm-reduction", "grief", "peer-work", "training", "wellness", "housing", "income")
_DOMAIN = """
naloxone narcan fentanyl overdose grief bereavement burnout housing shelter income peer support
training certification harm reduction recovery counselling wellness indigenous youth family
employment boundaries trauma stigma advocacy mentor network navigator outreach food legal
disability benefits pension union wage debrief circle group online phone workshop toolkit guide
drug checking strips supply efap counsellor vicarious compassion fatigue elder healing
"""
DOMAIN = _DOMAIN.split()
MEMBER = AccountRef(Platform.TELEGRAM, "bench-member")
PRIVATE = Conversation(Platform.TELEGRAM, "bench-member", is_private=True)


FRESH = 5
CHILD = """
import asyncio, sys, tempfile, time
from pathlib import Path
from bot.config import load_settings
from bot.core.events import Actor, CommandEvent, Conversation
from bot.core.model import AccountRef, Platform, Role
from bot.service import running

async def main() -> None:
    member = AccountRef(Platform.TELEGRAM, "bench-member")
    private = Conversation(Platform.TELEGRAM, "bench-member", is_private=True)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            database_path=Path(tmp) / "bench.sqlite3", content_dir=Path(sys.argv[1]),
            _env_file=None,
        )
        async with running(settings) as svc:
            await svc.ctx.repo.people.create(member, (Role.PEER,), svc.ctx.clock.now())
            warming = getattr(svc, "warming", None)
            if warming is not None and sys.argv[2] == "after":
                await warming
            busy = warming is not None and not warming.done()
            took = []
            for words in ("naloxone", "grief"):
                event = CommandEvent(Actor(member, "bench"), private, "resources", raw=words)
                started = time.perf_counter()
                await svc.dispatcher.command(event)
                took.append((time.perf_counter() - started) * 1000)
            if warming is not None:
                await warming
    print(int(busy), *took)

asyncio.run(main())
"""


#: When the child's first command comes: once the warm-up (bot/warm.py) has finished, or at
#: once, while it runs (a restart with a backlog of updates: commands arrive as it starts).
WHEN = {"after": "after the warm-up", "during": "during the warm-up"}


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """About 20,000 English words weighted by rank (Zipf), plus the directory's own words."""
    english = sorted(english_words())
    rng.shuffle(english)
    words = english[:20_000]
    for word in DOMAIN:  # directory words are middling: in about 1% of entries each
        words.insert(rng.randrange(200, 3_000), word)
    weights = [1 / (rank + 10) for rank in range(len(words))]
    return words, weights


def synthetic(size: int, rng: random.Random) -> dict[str, object]:
    words, weights = vocabulary(rng)

    def some(n: int) -> str:
        return " ".join(rng.choices(words, weights, k=n))

    resources = [
        {
            "id": f"r{n}",
            "name": some(4).title()[:100],
            "summary": (some(12) + ".")[:200],
            "description": (some(40) + ".")[:800],
            "topics": rng.sample(TOPICS, 2),
            "regions": [rng.choice(list(Region)).value],
            "cost": rng.choice(list(Cost)).value,
            "formats": [rng.choice(list(Format)).value],
            "indigenous_led": rng.random() < 0.1,
            "peer_run": rng.random() < 0.2,
            "crisis": rng.random() < 0.01,
            "keywords": some(3).split(),
            "source": "synthetic benchmark entry",
            "verified": "2026-01-01",
        }
        for n in range(size)
    ]
    topics = [{"id": t, "label": t.replace("-", " ").title()} for t in TOPICS]
    return {"topics": topics, "resources": resources}


def typo(word: str, rng: random.Random) -> str:
    at = rng.randrange(1, len(word) - 1)
    return word[:at] + word[at + 1 :]  # one letter dropped


def queries(rng: random.Random, indexed: list[str]) -> dict[str, list[str]]:
    """What people type: directory words, prefixes, typos, filters, a rare word that finds
    nothing, messages that need support now, and words of two or three letters."""
    common = [w for w in DOMAIN if len(w) >= 6]
    rare = [w for w in indexed if len(w) >= 7 and w.isalpha()]
    regions = ("north", "island", "interior", "fraser", "vancouver")
    n = QUERIES_PER_KIND
    return {
        "plain": [" ".join(rng.sample(DOMAIN, 2)) for _ in range(n)],
        "prefix": [rng.choice(DOMAIN)[:4] for _ in range(n)],
        "typo": [typo(rng.choice(common + rare), rng) for _ in range(n)],
        "filtered": [f"{rng.choice(DOMAIN)} region:{rng.choice(regions)} free" for _ in range(n)],
        "nothing": [f"zq{rng.randrange(10**6)}x" for _ in range(n)],
        "distress": [
            rng.choice(["im not ok", "i took too much naloxone", "cant do this anymore grief"])
            for _ in range(n)
        ],
        "short": short_words(indexed, n),
    }


def short_words(indexed: list[str], n: int) -> list[str]:
    """Words of two and three letters ("bc", "hiv", "gr"), which FTS5 answers from its own
    prefix index or not (bot/storage/search_index.py): half indexed words, half the starts of
    directory words. Drawn with a generator of their own, so the other kinds are the same
    draws as before this kind was added."""
    rng = random.Random(20261130)
    short = [w for w in indexed if 2 <= len(w) <= 3 and w.isalpha() and w not in FILLER]
    starts = sorted({w[:k] for w in DOMAIN for k in (2, 3)} - FILLER)
    return [rng.choice(short if i % 2 else starts) for i in range(n)]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def one_size(size: int, rng: random.Random, slowest: int = 0) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "content"
        shutil.copytree(REPO / "content", folder)
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # writing it is not measured
        text = yaml.dump(synthetic(size, rng), Dumper=dumper, sort_keys=False, allow_unicode=True)
        (folder / "resources.yaml").write_text(text, "utf-8")

        store = ContentStore(folder, SOURCES)
        started = time.perf_counter()
        await store.load()
        load_s = time.perf_counter() - started
        directory = store[RESOURCES]
        print(
            f"\n{size:,} entries ({len(text) / 1e6:.1f} MB of YAML),"
            f" index vocabulary {len(directory.vocabulary):,} words"
        )
        print(
            f"  content load (cold: every file parsed, no cache): {load_s * 1000:,.0f} ms"
            f" ({load_s / LOAD_CEILING_S:.2f} of the 1 s ceiling) · load average {load_average()}"
        )

        settings = load_settings(
            database_path=Path(tmp) / "bench.sqlite3", content_dir=folder, _env_file=None
        )
        async with running(settings) as svc:
            await svc.ctx.repo.people.create(MEMBER, (Role.PEER,), svc.ctx.clock.now())
            warming = getattr(svc, "warming", None)  # built once the service answers
            if warming is not None:
                await warming
            actor = Actor(MEMBER, "bench")
            everything: list[float] = []
            cpu_all: list[float] = []
            each: list[tuple[float, float, str, str]] = []  # wall, CPU, kind, words
            for kind, batch in queries(rng, directory.vocabulary).items():
                timings, cpu = [], []
                for raw in batch:
                    event = CommandEvent(actor, PRIVATE, "resources", raw=raw)
                    started, used = time.perf_counter(), time.process_time()
                    await svc.dispatcher.command(event)
                    timings.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - used) * 1000)
                    each.append((timings[-1], cpu[-1], kind, raw))
                everything += timings
                cpu_all += cpu
                p99 = percentile(timings, 99)
                print(
                    f"  /resources {kind:>8}: p50 {statistics.median(timings):5.2f} ms,"
                    f" p99 {p99:6.2f} ms ({p99 / E2E_CEILING_MS:5.2f} of the 5 ms ceiling);"
                    f" CPU p50 {statistics.median(cpu):5.2f} ms, p99 {percentile(cpu, 99):5.2f} ms"
                )
            p99 = percentile(everything, 99)
            print(
                f"  /resources all kinds: p50 {statistics.median(everything):5.2f} ms,"
                f" p99 {p99:6.2f} ms ({p99 / E2E_CEILING_MS:.2f} of the 5 ms ceiling);"
                f" CPU p99 {percentile(cpu_all, 99):5.2f} ms"
                f" over {len(everything)} commands · load average {load_average()}"
            )
            for wall, used, kind, raw in sorted(each, reverse=True)[:slowest]:
                print(f"    {wall:6.2f} ms (CPU {used:5.2f} ms)  {kind:>8}  {raw}")


def first_in_fresh_process(fresh: int, compare: Path | None) -> None:
    """The first and second `/resources` of ``fresh`` child processes (see the docstring),
    with another checkout's code taking turns when ``compare`` is given."""
    codes = {"this code": REPO, **({f"{compare}": compare} if compare else {})}
    took: dict[tuple[str, str], list[tuple[float, float, bool]]] = {
        (name, when): [] for name in codes for when in WHEN
    }
    for _ in range(fresh):
        for name, code in codes.items():
            for when in WHEN:
                env = {**os.environ, "LOG_LEVEL": "WARNING", "PYTHONPATH": str(code)}
                done = subprocess.run(  # in the code's own folder: python -c looks there first
                    [sys.executable, "-c", CHILD, str(REPO / "content"), when],
                    cwd=code,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                busy, first, second = done.stdout.split()[-3:]
                took[name, when].append((float(first), float(second), busy == "1"))
    for (name, when), runs in took.items():
        firsts = sorted(first for first, _, _ in runs)
        seconds = sorted(second for _, second, _ in runs)
        busy = sum(b for _, _, b in runs)
        print(
            f"first /resources in a fresh process ({name}, shipped content, {fresh} processes),"
            f" {WHEN[when]}{f' (still warming in {busy})' if when == 'during' else ''}:"
            f" median {statistics.median(firsts):5.2f} ms ({firsts[0]:.2f}-{firsts[-1]:.2f}),"
            f" {statistics.median(firsts) / E2E_CEILING_MS:.2f} of the 5 ms ceiling;"
            f" the second: median {statistics.median(seconds):5.2f} ms"
            f" · load average {load_average()}"
        )


async def main(sizes: tuple[int, ...] = SIZES, slowest: int = 0) -> None:
    if not sizes:
        return
    print(f"load average before: {load_average()}")
    started = time.perf_counter()
    english_words()
    print(
        f"English word list (wordfreq, once per process): {len(english_words()):,} words,"
        f" {(time.perf_counter() - started) * 1000:,.0f} ms"
    )
    rng = random.Random(20261129)
    for size in sizes:
        await one_size(size, rng, slowest)


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_sizes, default=SIZES, help="e.g. 1000,10000")
    parser.add_argument("--slowest", type=int, default=0, help="print the N slowest commands")
    parser.add_argument("--fresh", type=int, default=FRESH, help="fresh processes (0: none)")
    parser.add_argument("--compare", type=Path, help="another checkout for the fresh processes")
    arguments = parser.parse_args()
    if arguments.fresh:
        first_in_fresh_process(arguments.fresh, arguments.compare)
    asyncio.run(main(arguments.sizes, arguments.slowest))
