"""Content load at the design size, and whether the bot keeps answering during a reload.

Run from the repository root:  python -m benchmarks.content_load [--entries N]
It writes the shipped content folder with a synthetic resources.yaml of N entries (10,000 by
default, issue 14's size; 25,900 is the size at which the reliability probe saw a 10.8 s stall)
to a temporary place, then prints:

- the whole content load (every file: YAML, validation, wording check, search index) against
  the 1 s ceiling: cold (every file new or changed: parsed, checked and indexed, and kept in
  the content cache as it goes) and warm (a fresh process starting with unchanged files, so
  what the cache kept is used), wall and CPU time, with the distress model's share of it;
  and where the cold time goes, with libyaml's C loader, with the pure-Python one, and with
  yaml-rs (which the service uses for a file that surely reads the same,
  bot/content/fastyaml.py);
- the event loop's worst lag while a reload runs (it reads on a worker thread), sampled by a
  timer that should fire every 10 ms.

Cut from the cold load besides the search index (2026-11-30, measured one part at a time on a
busy 2-core host, load 4-5, so about twice the quiet figures):
- the collector's walk of everything the load built, as it turned the collector back on: 55 to
  95 ms, now none (``collector.promote``; the service, which sets its content aside, as before);
- fastyaml's plain character checks and the cut-comment check over the file's bytes as read
  rather than its text (two bytes a character here): 65-75 ms down to 48-53 ms;
- distress.yaml's phrases: 29 down to 11 ms (a word told by ``isalnum``, not a regex), and
  ``normalise`` 21 down to 17 ms for its 2,851 examples (``str.translate``, one ``findall``);
- then both files' load 54-59 down to 47-52 ms (load 4, alternated with the code before): an
  entry's phrases written out together by ``str.replace`` passes when none has a mistake, ASCII
  apostrophes dropped by ``replace``; the wording check (texts 16-18 down to 13-16 ms) compares
  a pattern of keys only with its own file's texts. Left as they were: ``Spelling`` (20-30 ms,
  most of it the 62,000 starts of longer words it cuts at 10,000 entries; filtering its words
  with ``compress``, bucketing them by two stable sorts, cutting starts from the next length's
  starts all measured slower) and the vocabulary (``search_memory.Terms``: about 35 ms, all of
  it SQLite walking fts5vocab, GIL released; its Python part is 1-2 ms).
- resources.yaml's whole-file check: 12-21 down to 5-7 ms (ids and topics compared in C);
- fastyaml's sign checks and the cut-comment check over 8 MB of text: about 64 down to 19 ms
  (each ``!``, ``&``, ``?``, ``#`` and bracket found with ``bytes.find``, a memchr, where a
  two-byte ``in`` or a regex took 5 to 18 ms each), and ``_doubtful``'s candidate filter 20
  down to 14 ms (only texts led by a character some resolver reads) (doubt8, load 3-4);
- a warm start's distress model: its weights read from the content cache (marshal, by the
  JSON's sha256) instead of from 1.2 MB of JSON. Not in the cold load (it uses the model the
  process already holds). The warm phase prints it ("of which the distress model's weights"),
  run A B A B against this code with the distress model of before (cec2f5a^, this file copied
  in), load 1.7-3.0: 56 51 56 / 26 23 25 / 52 50 52 / 15 20 18 ms of CPU. The whole warm
  load's best of 3 in those runs, 362 / 457 / 387 / 444 ms of CPU, and in 8 more alternated
  fresh starts (load 2.0-2.2; JSON 341-536, cache 316-513 ms, medians about 400 and 383): the
  gain, 30 ms or so, is within the run-to-run noise of a whole warm start here.
Tried and not kept: ``fastyaml._doubtful`` walking level by level with C-level filters
(``Counter(map(type, ...))``, ``filter(str.__instancecheck__, ...)``): 240 ms against 97, each
pass over 140,000 values costing as much as the walk's own step; the walk with each
mapping's values handled in place: 92-131 ms against 83-136, no gain; level by level with
``map(type, ...)`` and ``itertools.compress``: 101 against 62 ms; no walk at all, one regex
over the text for every unquoted value PyYAML might read otherwise: 200 to 1,300 ms (Python's
regex engine tries every ``:``, ``-`` and line start of 8 MB). yaml-rs's options (no
duplicate-key check, reading the bytes): no gain beyond the noise (the bytes were later
kept after all, for the instructions they spare: see below). Pydantic's
``cache_strings``: no gain; ``str_strip_whitespace`` off: about 20 of 85 ms, but a text with
blanks at its ends would then keep them (not done). Left: the per-entry
``verified`` check (about 15 ms) stays a Python validator, since moving it to the file's
check would hide it behind any other mistake in the file, changing the problems reported.

Where a cold load's CPU goes on the loading thread at 10,000 entries (what holds the GIL once
the index fills beside the parse), part by part, thread CPU in ms, min-median of 5 to 15,
load 2-3 (2026-11-30, parse9; ``/tmp/parse9``-style scripts timing each function on the
benchmark's file; callgrind for the repeatable figures): read, sha256 (GIL released) and
decode 15; fastyaml's checks 20 (``_SECOND_DOCUMENT`` 6, ``_odd_colon`` 7, ``_refused`` 3:
each a single C pass already; ``bytes.find`` of ``\n---`` costs as much, 5); yaml-rs's parse
130-210, of which it holds the GIL about 60-90 (a thread ticking every 0.5 ms meanwhile saw
gaps of up to 63-90 ms, 83-113 in all: building the Python objects), ``loads`` and ``load``
alike; ``_doubtful`` 48-65; pydantic 55-80 (no single setting of the model moves it: extra
"ignore" about 5 less, but a misspelt field must be reported; ``str_strip_whitespace`` off,
not frozen, enums and dates as plain text, no pattern on the id, no ``cache_strings``: each
within 1-3 ms, the noise; the per-entry ``verified`` validator 3-4); ``marshal.dumps`` for
the cache 8-12; ``docs_of`` 30-33; staging 60 (rows 11, tags 4, the ``executemany`` 45-50,
of which binding 11 values a row is 32 and the insert 13); the index's words, on its thread,
27 in SQLite and 5 in Python; the spelling help 15-27 and the rest of the directory 5.
Cut: yaml-rs reads the file's bytes (``fastyaml.load``; a text holding a character beyond
Latin-1, as this one and the shipped one do, was written out as UTF-8 again first: 88 of the
parse's 1,212 million instructions); ``_doubtful``'s walk (388 down to 328 million
instructions); ``_doc`` (docs_of 30-33 down to 26-28 ms). callgrind, resources.yaml's load
with its index (``_begin_resources(...).result()``): 5,856 down to 5,687 million
instructions, every one of the cut on the loading thread. ``--cold 3``, A B A B against
0d372ce, load 1.6-2.0: base 933 1,097 1,146 / 1,090 975 1,028 ms wall (CPU 927 1,112 1,069
/ 939 948 980), this 750 740 883 / 808 701 782 (CPU 785 800 937 / 791 764 794); the
timeline's "resources (begin)" 610 and 469 against 399 and 426 ms of CPU; a third pair, this
first (load 1.5-1.8): this 1,213 1,127 879 (CPU 1,083 958 847, begin 457), base 886 1,070
1,019 (CPU 886 1,146 1,116, begin 664). More than the instruction counts say (about 25-30
ms of CPU): the rest is the host's noise, which these figures show is as large.
Tried and not kept: the staged rows given to SQLite as one JSON array (``orjson.dumps``,
read with ``json_each``): the loading thread's part 47 down to 6-10 ms, but SQLite's 95 ms
more on the index's thread, which is the critical path's other half; the words read with
``orjson`` (their Python part is 5 ms); ``Building``'s rows by index rather than by name
(1 ms); ``_doubtful`` replaced by a search of ``orjson.dumps(data)`` (see its docstring).

Nothing is asserted: these are measurements. The machine's load average is printed beside;
on a shared machine the CPU time is the steadier figure. ``--cold N`` runs only the cold load,
N times, and then one more timed part by part on each thread (``timeline``): with main's code
beside (its benchmarks folder holding this file), the two can take turns, A B A B.

The directory's search index is built by SQLite on a thread of its own while the other files
load (``search_index.Building``, ``Source.begin``). Tried twice before and dropped, when it was
measured at load 4-5 (no free core) and the rows went to the thread a row a statement: a
thread that takes the GIL back after every row waits up to the switch interval (5 ms) each
time the loading thread is running Python, so it did next to nothing until that thread
stopped. Now the loading thread stages the rows in a table of their own (one ``executemany``,
about 45 ms of CPU at 10,000 entries, and 30 ms making the rows for it) and the thread fills
the index from it with one statement for the text (about 250-300 ms, all of it without the
GIL) and one for the facets: the same index, byte for byte (tests/content/
test_index_built_beside_the_load.py; ``python -m benchmarks.index_build --verify``). The
critical path is then resources.yaml up to its staged rows, then the index's thread; the other
files (distress.yaml, texts...: about 200 ms) are done meanwhile, on the other core when one is
free. The index's words (``SearchIndex.terms``, one JSON step instead of a row a word, about
40 ms) are read by the index's thread at the end of its build, and the spelling help (about
40 ms) is made from them on the loading thread before the load hands the directory over, so
no search makes either on the event loop (a review measured 60-270 ms there when they were
made on the first search).
Measured 2026-11-30 with ``--cold 2``, A B A B A B against main's code (013e048), load 0.8 to
2.5 (other work on the host throughout, so a core was free only part of the time): main
1,720 1,713 / 1,700 1,265 / 2,473 2,205 ms wall (CPU 1,712 1,656 / 1,612 1,248 / 1,835
1,767), this code 1,551 1,859 / 1,200 1,158 / 1,081 1,036 ms (CPU 1,535 1,812 / 1,196 1,155 /
1,072 1,025). One load part by part at load 2.5: resources.yaml up to its staged rows 0-805
ms, the index's thread 783-1,104 (CPU 242) while the other files took 806-1,010, the whole
1,144. With a CPU hog beside (load 2.8-3.8): main 4,456 4,789 ms, this code 3,189 3,015.
Those figures are from before the words and the spelling help went back into the load (a
review found the first word or typo search then made them on the event loop, 60-270 ms). With
them (``--cold 3``, A B A B, load 0.7-2.0, each line one process): without 1,314 1,541 1,668 /
1,173 1,481 1,278 / 1,396 1,364 1,371 / 1,319 1,461 1,333 ms wall (CPU 1,301 1,527 1,648 /
1,291 1,583 1,397 / 1,507 1,465 1,459 / 1,363 1,591 1,445), with 1,569 1,136 1,106 / 1,695
1,563 1,571 / 1,668 1,532 1,504 / 1,577 1,504 1,276 ms (CPU 1,693 1,217 1,230 / 1,816 1,664
1,682 / 1,798 1,643 1,571 / 1,686 1,614 1,383): about 100-150 ms more, the spelling help
(50-65 ms of CPU on the loading thread, after the index) and the words (about 40 ms, the end
of the index's thread), as on main.
resources.yaml read in parts, each part's entries indexed by the index's thread while the next
part is read (``bot.content.in_parts``, for a clean file of 2 MB or more): the fill, 250-390 ms
without the GIL, no longer waits for the whole file. ``--cold 3``, A B against main 0d372ce
(/tmp checkout), 7 pairs of processes from 13:24 to 13:45 on 2026-11-30, load 2.4-3.6 (other
helpers' test suites and callgrind runs on both cores throughout): main 1,514 1,689 1,350 /
1,586 1,413 1,707 / 1,005 869 880 / 1,363 1,592 1,345 / 1,084 1,048 1,101 / 1,415 1,797 1,429
/ 884 941 907 ms wall; in parts 920 915 895 / 1,503 1,489 1,486 / 1,194 1,311 818 / 625 783
827 / 1,549 923 928 / 1,611 927 1,235 / 959 1,007 1,260. Medians 1,350 against 959, under
1 s 5 of 21 against 11 of 21; CPU alike (main 782-1,270, in parts 804-1,225 ms). One load
part by part at load 2.7: main read the file 0-558 ms, filled 546-1,063, ready 1,108; in
parts read 0-656, filled 8-794 (each part as it came), ready 814. With no free core at all
(load 3.2-3.9, 16 loads each alternated in one process, no cache) there is nothing to overlap
with: medians 1,467 read whole and 1,601 in parts, best 863 and 885. Two more pairs with the
final code (14:00-14:03, load 1.6-3.5): main 1,863 1,880 2,017 / 1,492 1,312 955 ms (CPU 972
936 955 / 1,314 942 879), in parts 1,087 1,106 1,090 / 913 775 677 (CPU 949 912 902 / 1,049
888 805); part by part, main ready at 1,840 and 1,373, in parts at 1,022 and 825.
Tried and not kept: the index begun from resources.yaml's parsed data before the model checked
it, the rows compared with the checked model's fields afterwards (``Foreseen``): making the
rows from the plain data and checking their types cost 100-150 ms, comparing 50-70 ms, against
the 100-150 ms of checking it moved out of the way: no gain, more CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from benchmarks.search import synthetic
from bot.content import fastyaml, yamlfile
from bot.content import sources as sources_module
from bot.content.schema.resources import ResourcesFile
from bot.content.sources import SOURCES, _indexed
from bot.content.store import ContentStore, _no_cyclic_gc, load_all
from bot.content.wording import scan
from bot.directory.distress_model import keep_models_in
from bot.directory.resources import ResourceDirectory
from bot.storage import search_index

REPO = Path(__file__).resolve().parent.parent
CEILING_S = 1.0  # issue 14: content load at 10k entries at most 1 s


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def write_content(folder: Path, entries: int) -> float:
    """The shipped content with a synthetic resources.yaml; returns its size in MB."""
    shutil.copytree(REPO / "content", folder)
    data = synthetic(entries, random.Random(20261122))
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True)
    (folder / "resources.yaml").write_text(text, "utf-8")
    return len(text) / 1e6


def timed(run: object) -> float:
    assert callable(run)
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def fresh_load(folder: Path, cache_dir: Path | None = None) -> None:
    """A load that reuses nothing held in this process from the one before (as at start-up);
    with ``cache_dir``, it uses and fills the content cache there."""
    yamlfile._last_good.clear()
    _indexed.clear()
    keep_models_in(cache_dir.parent if cache_dir is not None else None)  # as the service does
    load_all(folder, SOURCES, cache_dir)


_WARM = """
import gc, sys, time
from pathlib import Path
from bot.content.sources import SOURCES, _indexed
from bot.content.store import load_all
from bot.directory.distress_model import keep_models_in
keep_models_in(Path(sys.argv[2]).parent)  # as the service does: the data folder
gc.collect()
wall, cpu = time.perf_counter(), time.process_time()
load_all(Path(sys.argv[1]), SOURCES, Path(sys.argv[2]))
print(time.perf_counter() - wall, time.process_time() - cpu)
"""


_WEIGHTS = """
import sys, time
from pathlib import Path
from bot.content import cache
from bot.directory import distress_model
with cache.kept_in(Path(sys.argv[2])):
    cpu = time.process_time()
    model = distress_model._read(Path(sys.argv[1]) / distress_model.SHIPPED, None, 0.5)
    cpu = time.process_time() - cpu
assert model is not None
print(cpu)
"""


def _in_a_fresh_process(script: str, folder: Path, cache_dir: Path) -> list[float]:
    """The figures ``script`` prints, run in a new Python process from this code."""
    out = subprocess.run(
        [sys.executable, "-c", script, str(folder), str(cache_dir)],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    ).stdout.split()
    return [float(figure) for figure in out]


def weights_read(folder: Path, cache_dir: Path) -> float:
    """CPU seconds a fresh process takes to read the shipped distress model's weights (from
    the content cache when this code keeps them there; the code before read the JSON)."""
    (cpu,) = _in_a_fresh_process(_WEIGHTS, folder, cache_dir)
    return cpu


def warm_start(folder: Path, cache_dir: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of the content load in a fresh process whose files are unchanged
    since the cache was filled: what a restart costs."""
    wall, cpu = _in_a_fresh_process(_WARM, folder, cache_dir)
    return wall, cpu


def breakdown(folder: Path, loader: type) -> dict[str, float]:
    text = (folder / "resources.yaml").read_text("utf-8")
    parsed: dict[str, object] = {}
    figures = {"read": timed(lambda: (folder / "resources.yaml").read_text("utf-8"))}
    figures["parse"] = timed(lambda: parsed.update(data=yaml.load(text, Loader=loader)))
    model: dict[str, ResourcesFile] = {}
    figures["validate"] = timed(
        lambda: model.update(file=ResourcesFile.model_validate(parsed["data"]))
    )
    figures["index"] = timed(lambda: ResourceDirectory(model["file"]))
    return figures


def timeline(folder: Path, cache_dir: Path) -> list[tuple[str, str, float, float, float]]:
    """One cold load with each part timed on the thread it runs on: (thread, part, start ms,
    end ms, that thread's CPU ms). The parts: each source's load (resources.yaml's until its
    index's thread starts: read, parse, check, rows staged), the index's thread, and the
    wait for it at the end (with the directory made from it)."""
    parts: list[tuple[str, str, float, float, float]] = []
    zero = time.perf_counter()

    def timed_part(label: str, run: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return run(*args, **kwargs)
            finally:
                parts.append(
                    (
                        threading.current_thread().name,
                        label,
                        (wall - zero) * 1000,
                        (time.perf_counter() - zero) * 1000,
                        (time.thread_time() - cpu) * 1000,
                    )
                )

        return wrapper

    sources = []
    for s in SOURCES:  # (main's code, to compare: no ``begin``, no ``Building``)
        begin = getattr(s, "begin", None)
        more = {} if begin is None else {"begin": timed_part(f"{s.key} (begin)", begin)}
        sources.append(dataclasses.replace(s, load=timed_part(s.key, s.load), **more))
    patched = [
        (owner, name, getattr(owner, name))
        for owner, name in (
            (getattr(search_index, "Building", None), "_fill"),
            (getattr(sources_module, "_Indexing", None), "result"),
        )
        if owner is not None
    ]
    labels = {"_fill": "index: fill (its own thread)", "result": "resources: wait, directory"}
    for owner, name, method in patched:
        setattr(owner, name, timed_part(labels[name], method))
    try:
        yamlfile._last_good.clear()
        _indexed.clear()
        keep_models_in(cache_dir.parent)
        zero = time.perf_counter()
        load_all(folder, sources, cache_dir)
        parts.append(("", "whole load", 0.0, (time.perf_counter() - zero) * 1000, 0.0))
    finally:
        for owner, name, method in patched:
            setattr(owner, name, method)
    return sorted(parts, key=lambda p: p[2])


def show_timeline(parts: list[tuple[str, str, float, float, float]]) -> None:
    print("  one cold load, part by part (ms from its start; CPU of the thread it ran on):")
    small: dict[str, list[float]] = {}
    for thread, label, start, end, cpu in parts:
        if end - start < 5 and label != "whole load":  # the small files: summed
            got = small.setdefault(thread, [0.0, 0.0])
            got[0], got[1] = got[0] + end - start, got[1] + cpu
            continue
        print(f"    {start:7.0f} - {end:7.0f}  {thread or '-':>18}  {label} (CPU {cpu:,.0f})")
    for thread, (wall, cpu) in small.items():
        print(f"    {wall:17.0f}  {thread:>18}  the small files, summed (CPU {cpu:,.0f})")


async def loop_lag_during_reload(folder: Path) -> tuple[float, float, int]:
    """(reload seconds, worst lag of a 10 ms timer in ms, timer ticks) while reloading."""
    store = ContentStore(folder, SOURCES)
    await store.load()
    yamlfile._last_good.clear()  # as if resources.yaml had been edited
    worst = 0.0
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal worst, ticks
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            worst = max(worst, time.perf_counter() - before - 0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    started = time.perf_counter()
    problems = await store.reload()
    took = time.perf_counter() - started
    done.set()
    await task
    assert not problems, problems
    return took, worst * 1000, ticks


def cold_only(entries: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "content"
        write_content(folder, entries)
        load_all(folder, SOURCES)  # the code scan and everything done once per process
        for run in range(runs):
            cache_dir = Path(tmp) / f"content-cache-{run}"
            cpu_before = time.process_time()
            cold = timed(lambda: fresh_load(folder, cache_dir))  # noqa: B023
            cpu = time.process_time() - cpu_before
            print(
                f"cold load at {entries:,} entries: {cold * 1000:,.0f} ms wall ="
                f" {cold / CEILING_S:.2f} of the 1 s ceiling; CPU {cpu * 1000:,.0f} ms;"
                f" {load_average()}"
            )
        show_timeline(timeline(folder, Path(tmp) / "content-cache-timed"))
    print(load_average())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument(
        "--cold",
        type=int,
        metavar="N",
        help="only the cold load, N times (each figure printed), and one timed part by part",
    )
    args = parser.parse_args()
    print(load_average())
    if args.cold:
        cold_only(args.entries, args.cold)
        return
    c_loader = getattr(yaml, "CSafeLoader", None)
    print(f"libyaml C loader available: {c_loader is not None}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "content"
        size = write_content(folder, args.entries)
        print(f"resources.yaml: {args.entries:,} entries, {size:.1f} MB")

        scan_s = timed(scan)  # once per process; included in the first load below
        first = timed(lambda: load_all(folder, SOURCES))
        print(
            f"content load, every file (first in this process, with the code scan, no cache):"
            f" {first * 1000:,.0f} ms = {first / CEILING_S:.2f} of the 1 s ceiling"
        )
        cache_dir = Path(tmp) / "content-cache"
        cpu_before = time.process_time()
        cold = timed(lambda: fresh_load(folder, cache_dir))
        cpu = time.process_time() - cpu_before  # what it costs on a quiet machine
        print(
            f"cold load (every file new or changed; parsed, checked, indexed, and kept):"
            f" {cold * 1000:,.0f} ms = {cold / CEILING_S:.2f} of the 1 s ceiling;"
            f" CPU time {cpu * 1000:,.0f} ms = {cpu / CEILING_S:.2f} of it"
        )
        show_timeline(timeline(folder, Path(tmp) / "content-cache-timed"))
        kept = sum(p.stat().st_size for p in cache_dir.iterdir()) / 1e6
        runs = [warm_start(folder, cache_dir) for _ in range(3)]
        wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
        print(
            f"warm load (a fresh process, files unchanged, {kept:.0f} MB kept; best of 3):"
            f" {wall * 1000:,.0f} ms = {wall / CEILING_S:.2f} of the 1 s ceiling;"
            f" CPU time {cpu * 1000:,.0f} ms = {cpu / CEILING_S:.2f} of it"
        )
        weights = [weights_read(folder, cache_dir) * 1000 for _ in range(3)]
        print(
            "  of which the distress model's weights (a fresh process, 3 runs):"
            f" {', '.join(f'{w:,.0f}' for w in weights)} ms CPU"
        )
        print(f"  reading the code for wording keys (once per process): {scan_s * 1000:,.0f} ms")
        with _no_cyclic_gc():  # as load_all does
            parts = breakdown(folder, yamlfile._Loader)
        shown = ", ".join(f"{k} {v * 1000:,.0f} ms" for k, v in parts.items())
        total = sum(parts.values())
        print(f"  resources.yaml with libyaml (CSafeLoader): {total * 1000:,.0f} ms ({shown})")
        raw = (folder / "resources.yaml").read_bytes()
        text = raw.decode("utf-8")
        resolvers = yamlfile._Loader.yaml_implicit_resolvers
        with _no_cyclic_gc():
            fast: list[object] = []
            rs = timed(lambda: fast.append(fastyaml.load(text, resolvers, raw)))
        print(
            f"  parse with yaml-rs where it surely reads as PyYAML (bot/content/fastyaml.py, what"
            f" the service uses): {rs * 1000:,.0f} ms = {parts['parse'] / rs:.1f}x faster than"
            f" libyaml; {'taken' if fast[0] is not None else 'NOT taken: PyYAML parses this file'}"
        )
        # The pure-Python parser for comparison, on a tenth of the entries (it is slow).
        small = Path(tmp) / "small"
        write_content(small, max(1, args.entries // 10))
        started = time.perf_counter()
        with _no_cyclic_gc():
            yaml.load((small / "resources.yaml").read_text("utf-8"), Loader=yaml.SafeLoader)
        pure = (time.perf_counter() - started) * 10
        print(
            f"  parse with pure-Python SafeLoader instead: about {pure * 1000:,.0f} ms"
            f" (measured on a tenth, times 10) = {pure / parts['parse']:.1f}x the C loader"
        )
        help_texts = folder / "texts" / "help.yaml"
        help_texts.write_text(help_texts.read_text() + "\nbenchmark_note: An edit.\n")
        edited = timed(lambda: load_all(folder, SOURCES))
        print(
            f"reload after editing one small file (resources.yaml unchanged, reused):"
            f" {edited * 1000:,.0f} ms = {edited / CEILING_S:.2f} of the 1 s ceiling"
        )
        took, lag, ticks = asyncio.run(loop_lag_during_reload(folder))
        print(
            f"reload on a worker thread: {took * 1000:,.0f} ms; meanwhile the event loop's"
            f" worst lag was {lag:,.0f} ms over {ticks} ticks of a 10 ms timer"
        )
    print(load_average())


if __name__ == "__main__":
    main()
