"""Resource search at ten thousand entries: load, reload, index build, query latency, memory.

Run from the repository root:  python -m benchmarks.search
It writes a content folder with 10,000 synthetic resources to a temporary place, then prints
its figures. Nothing is asserted: these are measurements.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from bot.content.schema.common import Cost, Format, Region
from bot.content.sources import RESOURCES, SOURCES
from bot.content.store import ContentStore
from bot.directory.resources import Query, ResourceDirectory

ENTRIES = 10_000
QUERIES_PER_KIND = 250
REPO = Path(__file__).resolve().parent.parent

_STEMS = """
naloxone grief burnout housing income peer support training certification harm reduction
overdose recovery counselling wellness indigenous youth family employment boundaries trauma
stigma advocacy mentor network navigator outreach shelter food legal disability benefits
pension union wage debrief circle group online phone workshop toolkit guide
"""
STEMS = _STEMS.split()
TOPICS = ("harm-reduction", "grief", "peer-work", "training", "wellness", "housing", "income")


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def synthetic(rng: random.Random) -> dict[str, object]:
    """A content-shaped resources.yaml with made-up words drawn from real-sounding stems."""
    words = [f"{s}{rng.choice(['', 's', 'ing', 'er', 'ed'])}" for s in STEMS for _ in range(3)]
    words += [f"place{n}" for n in range(400)]
    resources = []
    for n in range(ENTRIES):
        name = " ".join(rng.sample(words, 3)).title()
        resources.append(
            {
                "id": f"r{n}",
                "name": name,
                "summary": " ".join(rng.sample(words, 12)) + ".",
                "description": " ".join(rng.sample(words, 40)) + ".",
                "topics": rng.sample(TOPICS, 2),
                "regions": [rng.choice(list(Region)).value],
                "cost": rng.choice(list(Cost)).value,
                "formats": [rng.choice(list(Format)).value],
                "indigenous_led": rng.random() < 0.1,
                "peer_run": rng.random() < 0.2,
                "crisis": rng.random() < 0.01,
                "keywords": rng.sample(words, 3),
                "source": "synthetic benchmark entry",
                "verified": "2026-01-01",
            }
        )
    topics = [{"id": t, "label": t.replace("-", " ").title()} for t in TOPICS]
    return {"topics": topics, "resources": resources}


def typo(word: str, rng: random.Random) -> str:
    at = rng.randrange(1, len(word) - 1)
    return word[:at] + word[at + 1 :]  # one letter dropped


def queries(rng: random.Random) -> dict[str, list[Query]]:
    long_stems = [s for s in STEMS if len(s) >= 6]
    return {
        "plain": [Query(" ".join(rng.sample(STEMS, 2))) for _ in range(QUERIES_PER_KIND)],
        "prefix": [Query(rng.choice(STEMS)[:4]) for _ in range(QUERIES_PER_KIND)],
        "typo": [Query(typo(rng.choice(long_stems), rng)) for _ in range(QUERIES_PER_KIND)],
        "filtered": [
            Query(
                rng.choice(STEMS),
                region=rng.choice(list(Region)),
                cost=Cost.FREE,
                topic=rng.choice(TOPICS),
            )
            for _ in range(QUERIES_PER_KIND)
        ],
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def main() -> None:
    rng = random.Random(20261122)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "content"
        shutil.copytree(REPO / "content", folder)
        text = yaml.safe_dump(synthetic(rng), sort_keys=False, allow_unicode=True)
        (folder / "resources.yaml").write_text(text, "utf-8")
        print(f"resources.yaml: {ENTRIES:,} entries, {len(text) / 1e6:.1f} MB")

        before = rss_mib()
        store = ContentStore(folder, SOURCES)
        started = time.perf_counter()
        await store.load()
        load_s = time.perf_counter() - started
        after_load = rss_mib()
        started = time.perf_counter()
        problems = await store.reload()
        reload_s = time.perf_counter() - started
        assert not problems, problems

        directory = store[RESOURCES]
        started = time.perf_counter()
        ResourceDirectory(directory.file)
        build_s = time.perf_counter() - started

        print(f"content load (all files, validation and index): {load_s * 1000:,.0f} ms")
        print(f"content reload: {reload_s * 1000:,.0f} ms")
        print(f"index build alone (10,000 entries): {build_s * 1000:,.0f} ms")
        print(f"index vocabulary: {len(directory.vocabulary):,} words")
        print(f"memory (RSS): {before:,.0f} MiB before load, {after_load:,.0f} MiB after")

        everything: list[float] = []
        for kind, batch in queries(rng).items():
            timings = []
            hits = 0
            for query in batch:
                started = time.perf_counter()
                found = directory.search(query)
                timings.append((time.perf_counter() - started) * 1000)
                hits += bool(found.resources)
            everything += timings
            print(
                f"search {kind:>8}: p50 {statistics.median(timings):6.2f} ms,"
                f" p99 {percentile(timings, 99):6.2f} ms, {hits}/{len(batch)} with results"
            )
        print(
            f"search all kinds: p50 {statistics.median(everything):.2f} ms,"
            f" p99 {percentile(everything, 99):.2f} ms over {len(everything)} queries"
        )


if __name__ == "__main__":
    asyncio.run(main())
