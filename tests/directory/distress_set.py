"""The distress test set (distress_set.yaml) as lists, for the tests and the benchmark."""

from __future__ import annotations

from pathlib import Path

import yaml

SET = Path(__file__).with_name("distress_set.yaml")

# Which lists say "needs support now"; the rest are ordinary messages and searches.
DISTRESS_LISTS = ("distress", "held_out", "fresh_distress", "last_distress")
ORDINARY_LISTS = ("ordinary", "fresh_ordinary", "last_ordinary")

# Sets written blind for testing (by people who never saw the patterns), kept as written, each
# with a `distress:` and an `ordinary:` list.
BLIND_SETS = tuple(sorted(Path(__file__).parent.glob("blind_set*.yaml")))
# Sets written blind and kept out of all tuning and training: scored once everything was in
# place, so they say most about people the lists never met.
HELD_OUT_SETS = tuple(sorted(Path(__file__).parent.glob("held_out_set*.yaml")))


def load(path: Path = SET) -> dict[str, list[str]]:
    data = yaml.safe_load(path.read_text("utf-8"))
    return {name: [str(m) for m in messages] for name, messages in data.items()}
