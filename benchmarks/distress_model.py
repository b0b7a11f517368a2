"""The learned second opinion on "I need support now" (content/distress_examples.yaml),
leave-one-set-out: for each group marked ``blind`` (written blind, by people who never saw the
patterns), a model trained on everything else is tested on that group, and patterns alone,
model alone and patterns OR model are printed side by side. Goals: recall >= 96%, false alarms
<= 8% on ordinary messages. Also prints what the model adds to a content load: training it
when the examples changed, or reading back the model an earlier run kept (ceiling 0.3 s).

python -m benchmarks.distress_model
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.distress import RECALL_GOAL
from bot.content.schema.distress_examples import DistressExamplesFile
from bot.content.sources import DISTRESS, SOURCES
from bot.content.store import load_all
from bot.content.yamlfile import load_yaml_model
from bot.directory.distress_model import (
    DistressModel,
    Recogniser,
    keep_models_in,
    train,
    training_lists,
)
from tests.helpers import CONTENT

#: Stricter than the patterns' ceiling (benchmarks.distress): a model tested on a set it never
#: saw must leave room for the sets nobody has written yet.
HELD_OUT_FALSE_ALARM_CEILING = 0.08
TRAINING_CEILING = 0.3  # seconds added to a content load


def main() -> None:
    content, _ = load_all(CONTENT, SOURCES)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    leave_one_set_out(content[DISTRESS])


def _rates(said: list[bool], total: int) -> str:
    return f"{sum(said):3}/{total:3} = {sum(said) / total:6.1%}"


def leave_one_set_out(recogniser: Recogniser) -> None:
    """Each blind group tested by a model that never saw it, beside the patterns."""
    examples = load_yaml_model(
        CONTENT / "distress_examples.yaml", DistressExamplesFile, shown_as="distress_examples.yaml"
    )
    patterns = recogniser.patterns
    print(
        f"\nleave one set out (threshold {examples.threshold:+.2f}): recall and false alarms,"
        f" goals >= {RECALL_GOAL:.0%} and <= {HELD_OUT_FALSE_ALARM_CEILING:.0%}"
    )
    print(f"{'held out':>12} {'':>8} {'patterns alone':>16} {'model alone':>16} {'combined':>16}")
    totals = {"distress": [0, 0, 0, 0], "ordinary": [0, 0, 0, 0]}
    for group in examples.groups:
        if not group.blind:
            continue
        model = train(examples, patterns.file, without=group.id)
        for kind, messages in (("distress", group.distress), ("ordinary", group.ordinary)):
            by_patterns = [patterns.recognises(m) for m in messages]
            by_model = [s >= model.threshold for s in model.scores(messages)]
            either = [p or m for p, m in zip(by_patterns, by_model, strict=True)]
            figures = [len(messages), sum(by_patterns), sum(by_model), sum(either)]
            totals[kind] = [t + f for t, f in zip(totals[kind], figures, strict=True)]
            print(
                f"{group.id:>12} {kind:>8} {_rates(by_patterns, len(messages)):>16}"
                f" {_rates(by_model, len(messages)):>16} {_rates(either, len(messages)):>16}"
            )
    for kind, (n, *said) in totals.items():
        goal, what = (
            (RECALL_GOAL, "goal")
            if kind == "distress"
            else (HELD_OUT_FALSE_ALARM_CEILING, "ceiling")
        )
        print(
            f"{'all':>12} {kind:>8}"
            + "".join(f" {f'{k:3}/{n:3} = {k / n:6.1%}':>16}" for k in said)
            + f"  (combined {said[2] / n / goal:.2f} of the {what})"
        )
    distress, ordinary = training_lists(examples, patterns.file)
    trained = _best_of_3(lambda: DistressModel.fit(distress, ordinary, examples.threshold))
    with tempfile.TemporaryDirectory() as folder:
        keep_models_in(Path(folder))
        train(examples, patterns.file)
        (kept,) = Path(folder).glob("distress-model-*.json")
        read = _best_of_3(lambda: DistressModel.from_json(kept.read_text("utf-8"), 0.0, None))
        keep_models_in(None)
    for what, seconds in (("training it (examples changed)", trained), ("reading it back", read)):
        print(
            f"model at content load, {what}: best {seconds:.3f} s of 3"
            f" ({seconds / TRAINING_CEILING:.2f} of the ceiling {TRAINING_CEILING} s)"
        )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def _best_of_3(work: Callable[[], object]) -> float:
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)


if __name__ == "__main__":
    main()
