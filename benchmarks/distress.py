"""Recognising "I need support now": recall and false alarms on a test set.

Run from the repository root:  python -m benchmarks.distress
Goals (issue 13): at least 48 of 50 messages that need support recognised (96%), at most 4 of 40
ordinary searches wrongly leading with crisis lines (10%). Each list of
tests/directory/distress_set.yaml is printed on its own, because they differ in how far they
were in view while the patterns were tuned (see the comments in that file): the lists nobody
tuned for say most about people the set never met. Also prints the cost of one check.

The sets written blind for testing (tests/directory/blind_set*.yaml) follow, each on its own.
``--set PATH`` (repeatable) scores any other YAML file with a ``distress:`` and an
``ordinary:`` list instead, e.g. a new set written blind by someone who never saw the patterns:
python -m benchmarks.distress --set /path/to/new_set.yaml
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

import yaml

from bot.content.problems import ContentError
from bot.content.sources import DISTRESS, SOURCES
from bot.content.store import load_all
from bot.directory.distress import Distress
from tests.directory import distress_set
from tests.helpers import CONTENT

RECALL_GOAL = 0.96
FALSE_ALARM_CEILING = 0.10


def load_set(path: Path) -> dict[str, list[str]]:
    """A set file's lists; it needs `distress:` and `ordinary:` (other lists are ignored)."""
    data = yaml.safe_load(path.read_text("utf-8"))
    if not isinstance(data, dict) or not {"distress", "ordinary"} <= set(data):
        raise SystemExit(f"{path}: needs a 'distress:' list and an 'ordinary:' list")
    return {name: [str(m) for m in data[name] or []] for name in ("distress", "ordinary")}


def score(
    distress: Distress,
    lists: dict[str, list[str]],
    distress_lists: Sequence[str],
    ordinary_lists: Sequence[str],
    label: str = "",
) -> None:
    """Print recall per distress list and false alarms per ordinary list, with misses."""
    found = total = 0
    for name in distress_lists:
        messages = lists[name]
        missed = [m for m in messages if not distress.recognises(m)]
        hit = len(messages) - len(missed)
        found, total = found + hit, total + len(messages)
        recall = hit / len(messages)
        print(
            f"recall {label + name:>15}: {hit:3}/{len(messages):3} = {recall:6.1%}"
            f" ({recall / RECALL_GOAL:.2f} of the goal)"
        )
        for m in missed:
            print(f"    missed: {m}")
    if len(distress_lists) > 1:
        print(f"recall {'all':>15}: {found:3}/{total:3} = {found / total:6.1%}")
    alarms = quiet = 0
    for name in ordinary_lists:
        messages = lists[name]
        wrong = [m for m in messages if distress.recognises(m)]
        rate = len(wrong) / len(messages)
        alarms, quiet = alarms + len(wrong), quiet + len(messages)
        print(
            f"false alarms {label + name:>14}: {len(wrong):3}/{len(messages):3} = {rate:6.1%}"
            f" ({rate / FALSE_ALARM_CEILING:.2f} of the ceiling)"
        )
        for m in wrong:
            print(f"    alarm: {m} ({distress.which(m)})")
    if len(ordinary_lists) > 1:
        print(f"false alarms {'all':>14}: {alarms:3}/{quiet:3} = {alarms / quiet:6.1%}")


def main(argv: Sequence[str] = ()) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.distress")
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        type=Path,
        default=[],
        metavar="PATH",
        help="a YAML file with 'distress:' and 'ordinary:' lists to score instead",
    )
    args = parser.parse_args(list(argv))
    try:
        content, _ = load_all(CONTENT, SOURCES)
    except ContentError as exc:
        raise SystemExit(f"The content has problems; fix them first:\n{exc}") from None
    distress = content[DISTRESS]
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"goals: recall >= {RECALL_GOAL:.0%}, false alarms <= {FALSE_ALARM_CEILING:.0%}")
    everything: list[str] = []
    if args.sets:
        for path in args.sets:
            print(f"== {path}")
            lists = load_set(path)
            score(distress, lists, ["distress"], ["ordinary"])
            everything += [m for messages in lists.values() for m in messages]
    else:
        lists = distress_set.load()
        score(distress, lists, distress_set.DISTRESS_LISTS, distress_set.ORDINARY_LISTS)
        everything = [m for messages in lists.values() for m in messages]
        for path in (*distress_set.BLIND_SETS, *distress_set.HELD_OUT_SETS):
            print(f"== {path.name} (written blind for testing)")
            blind = load_set(path)
            score(distress, blind, ["distress"], ["ordinary"])
            everything += [m for messages in blind.values() for m in messages]

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
    import sys

    main(sys.argv[1:])
