"""Memory across content reloads, with what is alive set aside as the service sets it aside.

Run from the repository root:  python -m benchmarks.reload_memory [--entries N] [--reloads R]
It writes the shipped content folder with a synthetic resources.yaml of N entries (10,000 by
default, issue 14's size), loads it as the service does, sets aside what is alive
(``collector.set_aside``: the end of start-up, and again after each reload, as a burst of due
prompts would), then reloads R times (5 by default), alternating two different directories,
and prints after each step: the process's resident memory (and again after ``malloc_trim``,
which gives back what the C allocator merely kept), Python's allocated blocks, and the memory
SQLite holds (read from the system's libsqlite3, which Python's sqlite3 module is linked to
here; "unknown" elsewhere).

Before 2026-11-30 each reload kept the replaced search index: SQLite's memory went 10, 20,
30 ... MB at 10,000 entries (a connection nobody closed refers to itself through its statement
cache, and the collector never walks what was set aside). It stays at one index's worth now
(``SearchIndex`` closes its connection when it is freed). Nothing is asserted: these are
measurements (tests/content/test_reload_frees_old_content.py checks the behaviour).
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import ctypes.util
import gc
import random
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

from benchmarks.content_load import REPO, load_average
from benchmarks.search import synthetic
from bot import collector
from bot.content.sources import RESOURCES, SOURCES
from bot.content.store import ContentStore


def _libraries() -> tuple[ctypes.CDLL | None, ctypes.CDLL | None]:
    found = ctypes.util.find_library("sqlite3")
    sqlite = ctypes.CDLL(found) if found else None
    if sqlite is not None:
        sqlite.sqlite3_memory_used.restype = ctypes.c_int64
    libc_name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(libc_name) if libc_name else None
    return sqlite, libc


SQLITE, LIBC = _libraries()


def resident_mb() -> float:
    """VmRSS of this process (Linux), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def figures() -> str:
    gc.collect()
    resident = resident_mb()
    trimmed = resident
    if LIBC is not None and hasattr(LIBC, "malloc_trim"):
        LIBC.malloc_trim(0)
        trimmed = resident_mb()
    used = f"{SQLITE.sqlite3_memory_used() / 1e6:.1f} MB" if SQLITE is not None else "unknown"
    return (
        f"resident {resident:.0f} MB (after malloc_trim {trimmed:.0f} MB),"
        f" SQLite {used}, Python blocks {sys.getallocatedblocks():,}"
    )


async def measure(folder: Path, texts: list[str], reloads: int) -> None:
    path = folder / "resources.yaml"
    path.write_text(texts[0], "utf-8")
    store = ContentStore(folder, SOURCES)
    await store.load()
    store[RESOURCES].index.facets()  # as the service's warm-up builds them
    collector.set_aside()
    print(f"loaded:     {figures()}   ({load_average()})", flush=True)
    try:
        for n in range(1, reloads + 1):
            path.write_text(texts[n % 2], "utf-8")
            problems = await store.reload()
            assert not problems, problems
            store[RESOURCES].index.facets()
            collector.set_aside()  # a burst of due prompts after the reload
            print(f"reload {n:>2}:  {figures()}   ({load_average()})", flush=True)
    finally:
        collector.release()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--reloads", type=int, default=5)
    args = parser.parse_args()
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    texts = [
        yaml.dump(
            synthetic(args.entries, random.Random(seed)),
            Dumper=dumper,
            sort_keys=False,
            allow_unicode=True,
        )
        for seed in (20261122, 20261130)
    ]
    print(f"{args.entries:,} entries, {args.reloads} reloads, set aside after each step")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "content"
        shutil.copytree(REPO / "content", folder)
        asyncio.run(measure(folder, texts, args.reloads))


if __name__ == "__main__":
    main()
