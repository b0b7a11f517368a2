"""The learned second opinion beside the phrase patterns (content/distress_examples.yaml):
distress said in ways nobody wrote a pattern for still puts crisis lines first, near-miss
searches do not, a mistake in the examples file is named plainly, and nothing is kept."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.content.problems import ContentError
from bot.content.schema.distress import DistressFile
from bot.content.schema.distress_examples import DistressExamplesFile
from bot.content.sources import DISTRESS, SOURCES
from bot.content.store import Content, load_all
from bot.content.yamlfile import load_yaml_model
from bot.directory import distress_model
from bot.directory.distress import Distress
from bot.directory.distress_model import (
    LEARNED,
    SHIPPED,
    DistressModel,
    Recogniser,
    char_grams,
    fit_pipeline,
    keep_models_in,
    key,
    train,
    training_lists,
    word_grams,
)
from bot.directory.phrases import normalise
from tests.handlers.test_distress_replies import MARKER, service_log
from tests.helpers import CONTENT, console_service, make_settings

__all__ = ["service_log"]  # the fixture, shared with the end-to-end distress tests

# Written by hand BEFORE the model's outputs were looked at, and in none of the training
# examples: how people might say it that nobody wrote down.
UNSEEN_DISTRESS = [
    "honestly i think everyone would be happier if i just stopped existing",
    "the bridge by my place keeps calling to me tonight",
    "i wrote letters to my kids and put them on the table",
    "been saving up my meds for a while now and tonight feels like the night",
    "my partner is slumped over in the car and his lips look grey",
    "i'm so tired of being alive",
    "dont know how much more of this i can take before i do something",
    "there's no way out of this for me and i've stopped looking for one",
    "i smashed a glass and used it on my arm again",
    "my roommate won't respond and there's a needle next to her",
    "what's the point of any of it, i'm ready to be gone",
    "i cant stop crying and i have a rope in the closet",
    "somebody please i need to talk to a person right now i'm falling apart",
    "i took a handful of my sleeping pills about an hour ago",
    "i gave my dog away yesterday because i won't be around",
    "feel like a burden to everyone and i want it to be over",
    "im scared im going to hurt myself tonite",
    "found my brother unconscious, he's cold and not moving",
]
NEAR_MISS_SEARCHES = [
    "overdose response training in kamloops",
    "crisis line volunteer application",
    "suicide prevention workshop for peer workers",
    "self-harm policy template for our drop-in",
    "grief group for staff after a client death",
    "naloxone kit refill near me",
    "dying to know when the next peer meeting is",
    "mental health first aid course online",
    "burnout and vicarious trauma supports",
    "free counselling for frontline workers",
    "how to talk with a client about suicide safely",
    "toxic drug deaths statistics bc 2025",
    "safer supply prescribers in victoria",
    "housing first programs surrey",
    "this shift is killing me lol, any debrief groups",
    "ASIST training dates",
    "overdose prevention site hours",
    "drug checking downtown eastside",
]


@pytest.fixture(scope="module")
def shipped() -> Content:
    content, _ = load_all(CONTENT, SOURCES)
    return content


@pytest.mark.parametrize("said", UNSEEN_DISTRESS)
def test_distress_nobody_wrote_down_puts_crisis_lines_first(shipped: Content, said: str) -> None:
    assert shipped[DISTRESS].recognises(said)


def test_the_model_alone_recognises_most_of_them(shipped: Content) -> None:
    model = shipped[DISTRESS].model
    alone = [m for m in UNSEEN_DISTRESS if model.says(m)]
    assert len(alone) >= len(UNSEEN_DISTRESS) - 2, set(UNSEEN_DISTRESS) - set(alone)


@pytest.mark.parametrize("searched", NEAR_MISS_SEARCHES)
def test_a_search_about_the_subject_does_not(shipped: Content, searched: str) -> None:
    assert not shipped[DISTRESS].recognises(searched)


def test_either_opinion_is_enough(shipped: Content, tmp_path: Path) -> None:
    """Patterns OR model: a pattern names its entry; what only the model hears is LEARNED."""
    only = tmp_path / "distress.yaml"
    only.write_text("patterns:\n  - id: kms\n    phrases: [kms]\n    examples: [kms]\n", "utf-8")
    one_pattern = Distress(load_yaml_model(only, DistressFile, shown_as="distress.yaml"))
    both = Recogniser(one_pattern, shipped[DISTRESS].model)
    assert both.which("kms") == "kms"
    assert both.which("i took a handful of my sleeping pills about an hour ago") == LEARNED
    assert both.which("naloxone kit refill near me") is None


def _a_new_run(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """As if the service started again: nothing trained in this process, models kept in
    ``folder``."""
    monkeypatch.setattr(distress_model, "_trained", {})
    monkeypatch.setattr(distress_model, "_kept_in", [])
    keep_models_in(folder)


def test_a_start_with_unchanged_examples_reads_the_kept_model_back(
    shipped: Content, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    examples = load_yaml_model(
        CONTENT / "distress_examples.yaml", DistressExamplesFile, shown_as="x"
    )
    patterns = shipped[DISTRESS].patterns.file
    said = UNSEEN_DISTRESS + NEAR_MISS_SEARCHES
    _a_new_run(monkeypatch, tmp_path)
    first = train(examples, patterns).scores(said)
    (kept,) = tmp_path.glob("distress-model-*.json")

    def trained_again(*_: object) -> None:
        raise AssertionError("trained again although the examples did not change")

    _a_new_run(monkeypatch, tmp_path)
    with monkeypatch.context() as no_training:
        no_training.setattr(distress_model, "fit_pipeline", trained_again)
        assert train(examples, patterns).scores(said) == first

    kept.write_text('{"chars": {"ab": [1.0,', "utf-8")  # cut short: trained again, rewritten
    _a_new_run(monkeypatch, tmp_path)
    assert train(examples, patterns).scores(said) == pytest.approx(first)
    assert kept.read_text("utf-8").endswith("}")

    _a_new_run(monkeypatch, tmp_path / "data")  # a data folder that is not there yet
    assert train(examples, patterns).scores(said) == pytest.approx(first)
    assert not (tmp_path / "data").exists()


@pytest.fixture(scope="module")
def fresh(shipped: Content) -> Any:
    """A pipeline trained now from the shipped examples, with scikit-learn."""
    examples = load_yaml_model(
        CONTENT / "distress_examples.yaml", DistressExamplesFile, shown_as="x"
    )
    return fit_pipeline(*training_lists(examples, shipped[DISTRESS].patterns.file))


def test_the_shipped_weights_are_those_the_shipped_examples_give(
    shipped: Content, fresh: Any
) -> None:
    """content/distress_model.json is what the service uses at every start without training:
    it must have learned from the examples shipped beside it, and score as a model trained
    from them now does. If this fails: python -m bot train-distress-model, and commit it."""
    examples = load_yaml_model(
        CONTENT / "distress_examples.yaml", DistressExamplesFile, shown_as="x"
    )
    distress, ordinary = training_lists(examples, shipped[DISTRESS].patterns.file)
    written = json.loads((CONTENT / SHIPPED).read_text("utf-8"))
    assert written["learned_from"] == key(distress, ordinary), (
        "run: python -m bot train-distress-model"
    )
    model = DistressModel.from_json(json.dumps(written), 0.0, key(distress, ordinary))
    assert model is not None and shipped[DISTRESS].learn is None
    said = [*UNSEEN_DISTRESS, *NEAR_MISS_SEARCHES, *distress[::50], *ordinary[::50]]
    now = DistressModel.from_pipeline(fresh, 0.0).scores(said)
    assert model.scores(said) == pytest.approx(now, abs=1e-9)
    assert shipped[DISTRESS].model.scores(said) == pytest.approx(now, abs=1e-9)


def test_the_kept_weights_score_as_scikit_learn_does(fresh: Any) -> None:
    """The model is scored in plain Python from its weights (no scikit-learn import at each
    start); it must give scikit-learn's own answer, n-gram for n-gram."""
    pipeline = fresh
    (_, chars), (_, words) = pipeline.steps[0][1].transformer_list
    said = [*UNSEEN_DISTRESS, *NEAR_MISS_SEARCHES, "I’m NOT ok!!", "a", "", "ok ok ok ok"]
    plain = [normalise(m) for m in said]
    for text in plain:
        assert sorted(char_grams(text)) == sorted(chars.build_analyzer()(text))
        assert sorted(word_grams(text)) == sorted(words.build_analyzer()(text))
    ours = DistressModel.from_pipeline(pipeline, 0.0).scores(said)
    assert ours == pytest.approx(list(pipeline.decision_function(plain)), abs=1e-9)


def _examples(tmp_path: Path, old: str, new: str) -> list[str]:
    path = tmp_path / "distress_examples.yaml"
    text = (CONTENT / "distress_examples.yaml").read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")
    with pytest.raises(ContentError) as caught:
        load_yaml_model(path, DistressExamplesFile, shown_as="distress_examples.yaml")
    return [str(p) for p in caught.value.problems]


def test_a_message_in_both_lists_is_named_with_its_twin(tmp_path: Path) -> None:
    (problem,) = _examples(
        tmp_path, "    distress: []\n    ordinary: []", '    distress: ["im dead tired lol"]'
    )
    assert problem.startswith("distress_examples.yaml:")
    assert "entry groups[9].distress[0]: group 'from-peers':" in problem
    assert "the same message is in 'blind-set1' ordinary[6]" in problem
    assert "only one of distress or ordinary" in problem


def test_a_message_without_words_is_named(tmp_path: Path) -> None:
    (problem,) = _examples(tmp_path, "    ordinary: []", '    ordinary: ["!!!"]')
    assert "entry groups[9].ordinary[0]: group 'from-peers': the message has no words" in problem


def test_a_threshold_out_of_range_is_named(tmp_path: Path) -> None:
    (problem,) = _examples(tmp_path, "threshold: 0.0\n", "threshold: 5\n")
    assert problem.startswith("distress_examples.yaml:") and "'threshold'" in problem
    assert "less than or equal to 2" in problem


def test_a_missing_examples_file_is_reported_with_the_patterns_own_mistakes(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "content"
    shutil.copytree(CONTENT, folder, ignore=shutil.ignore_patterns("schemas"))
    (folder / "distress_examples.yaml").unlink()
    patterns = folder / "distress.yaml"
    patterns.write_text(patterns.read_text("utf-8").replace("patterns:", "patterns: 3\n#", 1))
    with pytest.raises(ContentError) as caught:
        load_all(folder, SOURCES)
    said = [str(p) for p in caught.value.problems]
    assert "distress_examples.yaml: the file is missing" in said
    assert any(p.startswith("distress.yaml") for p in said)


async def test_what_only_the_model_hears_gets_the_lines_and_nothing_is_kept(
    tmp_path: Path, service_log: io.StringIO
) -> None:
    settings = make_settings(tmp_path)
    said = f"honestly i think everyone would be happier if i just stopped existing {MARKER}"
    async with console_service(settings) as (_, console):
        plain = await console.say(said)
        search = await console.say(f"/resources {said}")
    assert "Call or text 988" in plain and "Call 911" in plain
    assert "Call or text 988" in search
    database = settings.database_path
    for suffix in ("", "-wal", "-shm"):
        path = database.with_name(database.name + suffix)
        if path.exists():
            assert MARKER.encode() not in path.read_bytes(), path.name
    assert MARKER not in plain and MARKER not in search
    assert service_log.getvalue() and MARKER not in service_log.getvalue()
