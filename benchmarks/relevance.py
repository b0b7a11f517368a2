"""Finding the right resource: the top-three hit rate on the project's relevance set.

Run from the repository root:  python -m benchmarks.relevance
Goal (issue 13): a right resource in the top three for at least 87.5% of realistic searches
(28 of 32). The set is tests/directory/relevance_set.yaml (searches a BC peer worker types, each
with the entries that would be a right answer). Also prints how many of those ordinary searches
would lead with crisis lines (ceiling 10%), each miss with what came first instead, and the
cost of one search on the shipped directory.
"""

from __future__ import annotations

import os
import statistics
import time

from bot.content.sources import DISTRESS, RESOURCES, SOURCES
from bot.content.store import load_all
from tests.directory import relevance_set
from tests.helpers import CONTENT

CRISIS_CEILING = 0.10


def main() -> None:
    content, _ = load_all(CONTENT, SOURCES)
    directory = content[RESOURCES]
    searches = relevance_set.load()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"directory: {len(directory.resources)} entries; relevance set: {len(searches)} searches")
    outcomes = relevance_set.score(directory, searches)
    hits = sum(o.hit for o in outcomes)
    rate = hits / len(outcomes)
    print(
        f"right resource in the top {relevance_set.TOP}: {hits}/{len(outcomes)} = {rate:.1%}"
        f" ({rate / relevance_set.GOAL:.2f} of the goal {relevance_set.GOAL:.1%})"
    )
    first = sum(bool(o.top) and o.top[0] in o.search.right for o in outcomes)
    print(f"right resource first: {first}/{len(outcomes)} = {first / len(outcomes):.1%}")
    for o in outcomes:
        if not o.hit:
            print(f"    missed: {o.search.typed!r} -> {o.top}")
    alarms = [s.typed for s in searches if content[DISTRESS].recognises(s.words)]
    share = len(alarms) / len(searches)
    print(
        f"led by crisis lines: {len(alarms)}/{len(searches)} = {share:.1%}"
        f" ({share / CRISIS_CEILING:.2f} of the ceiling {CRISIS_CEILING:.0%})"
    )
    for typed in alarms:
        print(f"    crisis first: {typed!r}")
    timings = []
    for search in searches * 5:
        started = time.perf_counter()
        directory.search(search.query())
        timings.append((time.perf_counter() - started) * 1e3)
    print(
        f"one search: p50 {statistics.median(timings):.2f} ms,"
        f" max {max(timings):.2f} ms over {len(timings)} searches"
    )


if __name__ == "__main__":
    main()
