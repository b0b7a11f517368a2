"""Recognising "I need support now": recall and false alarms on the project's own test set.

Run from the repository root:  python -m benchmarks.distress
Goals (issue 13): at least 48 of 50 messages that need support recognised (96%), at most 4 of 40
ordinary searches wrongly leading with crisis lines (10%). Each list of
tests/directory/distress_set.yaml is printed on its own, because they differ in how far they
were in view while the patterns were tuned (see the comments in that file): the lists nobody
tuned for say most about people the set never met. Also prints the cost of one check.
"""

from __future__ import annotations

import os
import statistics
import time

from bot.content.sources import DISTRESS, SOURCES
from bot.content.store import load_all
from tests.directory import distress_set
from tests.helpers import CONTENT

RECALL_GOAL = 0.96
FALSE_ALARM_CEILING = 0.10


def main() -> None:
    content, _ = load_all(CONTENT, SOURCES)
    distress = content[DISTRESS]
    lists = distress_set.load()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"goals: recall >= {RECALL_GOAL:.0%}, false alarms <= {FALSE_ALARM_CEILING:.0%}")
    found = total = 0
    for name in distress_set.DISTRESS_LISTS:
        messages = lists[name]
        missed = [m for m in messages if not distress.recognises(m)]
        hit = len(messages) - len(missed)
        found, total = found + hit, total + len(messages)
        recall = hit / len(messages)
        print(
            f"recall {name:>15}: {hit:3}/{len(messages):3} = {recall:6.1%}"
            f" ({recall / RECALL_GOAL:.2f} of the goal)"
        )
        for m in missed:
            print(f"    missed: {m}")
    print(f"recall {'all':>15}: {found:3}/{total:3} = {found / total:6.1%}")
    alarms = quiet = 0
    for name in distress_set.ORDINARY_LISTS:
        messages = lists[name]
        wrong = [m for m in messages if distress.recognises(m)]
        rate = len(wrong) / len(messages)
        alarms, quiet = alarms + len(wrong), quiet + len(messages)
        print(
            f"false alarms {name:>14}: {len(wrong):3}/{len(messages):3} = {rate:6.1%}"
            f" ({rate / FALSE_ALARM_CEILING:.2f} of the ceiling)"
        )
        for m in wrong:
            print(f"    alarm: {m} ({distress.which(m)})")
    print(f"false alarms {'all':>14}: {alarms:3}/{quiet:3} = {alarms / quiet:6.1%}")

    everything = [m for messages in lists.values() for m in messages]
    timings = []
    for message in everything * 5:
        started = time.perf_counter()
        distress.recognises(message)
        timings.append((time.perf_counter() - started) * 1e6)
    print(
        f"one check: p50 {statistics.median(timings):.0f} µs,"
        f" max {max(timings):.0f} µs over {len(timings)} checks"
    )


if __name__ == "__main__":
    main()
