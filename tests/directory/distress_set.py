"""The distress test set (distress_set.yaml) as lists, for the tests and the benchmark."""

from __future__ import annotations

from pathlib import Path

import yaml

SET = Path(__file__).with_name("distress_set.yaml")

# Which lists say "needs support now"; the rest are ordinary messages and searches.
DISTRESS_LISTS = ("distress", "held_out", "fresh_distress", "last_distress")
ORDINARY_LISTS = ("ordinary", "fresh_ordinary", "last_ordinary")


def load() -> dict[str, list[str]]:
    data = yaml.safe_load(SET.read_text("utf-8"))
    return {name: [str(m) for m in messages] for name, messages in data.items()}
