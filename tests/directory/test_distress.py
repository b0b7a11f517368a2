"""Recognising "I need support now" as people write it, from the shipped distress.yaml: the
whole test set (tests/directory/distress_set.yaml), the phrase language, and what a peer who
edits the file is told when an entry is wrong."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.content.problems import ContentError
from bot.content.schema.distress import DistressFile
from bot.content.sources import DISTRESS, SOURCES
from bot.content.store import Content, load_all
from bot.content.yamlfile import load_yaml_model
from bot.directory.distress import Distress
from bot.directory.distress_model import LEARNED
from bot.directory.phrases import PhraseError, compile_phrase, compile_phrases, normalise
from tests.directory import distress_set
from tests.helpers import CONTENT

SET = distress_set.load()


@pytest.fixture(scope="module")
def shipped() -> Content:
    content, _ = load_all(CONTENT, SOURCES)
    return content


def test_the_set_is_big_enough_to_mean_something() -> None:
    assert len(SET["distress"]) >= 100 and len(SET["ordinary"]) >= 100
    assert sum(len(SET[n]) for n in distress_set.DISTRESS_LISTS) >= 150


@pytest.mark.parametrize("name", distress_set.DISTRESS_LISTS)
def test_at_least_48_of_50_who_need_support_are_recognised(shipped: Content, name: str) -> None:
    missed = [m for m in SET[name] if not shipped[DISTRESS].recognises(m)]
    assert len(missed) <= len(SET[name]) * 0.04, missed


@pytest.mark.parametrize("name", distress_set.ORDINARY_LISTS)
def test_ordinary_messages_rarely_lead_with_crisis_lines(shipped: Content, name: str) -> None:
    alarms = [m for m in SET[name] if shipped[DISTRESS].recognises(m)]
    assert len(alarms) <= len(SET[name]) * 0.10, alarms


@pytest.mark.parametrize("path", distress_set.BLIND_SETS, ids=lambda p: p.name)
def test_sets_written_blind_are_recognised_as_far_as_reached(shipped: Content, path: Path) -> None:
    """Sets written blind for testing, by people who never saw the patterns. The floors are
    the level reached (every message in both after widening the patterns by kind, see each
    file's header), not a goal: a change to distress.yaml may not lose any of them."""
    blind = distress_set.load(path)
    assert len(blind["distress"]) >= 50 and len(blind["ordinary"]) >= 40
    missed = [m for m in blind["distress"] if not shipped[DISTRESS].recognises(m)]
    alarms = [m for m in blind["ordinary"] if shipped[DISTRESS].recognises(m)]
    assert missed == [], missed
    assert alarms == [], alarms


# (misses, false alarms) reached on each held-out set when it was first scored; floors, so a
# change to the patterns or the examples may not make either worse.
HELD_OUT_REACHED = {"held_out_set3.yaml": (0, 0), "held_out_set7.yaml": (1, 4)}


@pytest.mark.parametrize("path", distress_set.HELD_OUT_SETS, ids=lambda p: p.name)
def test_sets_kept_out_of_all_tuning_meet_the_goal(shipped: Content, path: Path) -> None:
    """Issue 13's goal on messages nobody tuned or trained for: at least 96% recognised and at
    most 10% of ordinary messages leading with crisis lines, and no worse than first scored."""
    held_out = distress_set.load(path)
    missed = [m for m in held_out["distress"] if not shipped[DISTRESS].recognises(m)]
    alarms = [m for m in held_out["ordinary"] if shipped[DISTRESS].recognises(m)]
    most_missed, most_alarms = HELD_OUT_REACHED[path.name]
    assert len(missed) <= most_missed, missed
    assert len(alarms) <= most_alarms, alarms
    assert len(missed) <= 0.04 * len(held_out["distress"])
    assert len(alarms) <= 0.10 * len(held_out["ordinary"])


def test_both_blind_sets_are_kept() -> None:
    assert [p.name for p in distress_set.BLIND_SETS] == ["blind_set1.yaml", "blind_set2.yaml"]
    assert [p.name for p in distress_set.HELD_OUT_SETS] == list(HELD_OUT_REACHED)


@pytest.mark.parametrize(
    "said",
    [
        "I can't do this anymore",
        "im not ok",
        "I want to hurt myself",
        "I took too much",
        "my friend isn't breathing",
        "nobody would miss me",
        "I CANT DO THIS ANYMOREEE!!!",
        "I’m not okay",  # a phone's curly apostrophe
        "I cannot do this anymore",  # once spell-corrected into "i connot do thes anyone"
    ],
)
def test_the_issues_own_examples(shipped: Content, said: str) -> None:
    assert shipped[DISTRESS].recognises(said)


@pytest.mark.parametrize(
    "said",
    [
        "overdose response training",
        "crisis line volunteer",
        "grief support",
        "dying to know",
        "killing it at work",
        "naloxone training",
    ],
)
def test_the_issues_near_misses(shipped: Content, said: str) -> None:
    assert not shipped[DISTRESS].recognises(said)


def test_normalising_drops_case_apostrophes_punctuation_and_held_letters() -> None:
    assert normalise("I’M   not OK!!! pleaseee…") == " im not ok please "
    assert normalise("Can't, won't") == " cant wont "


@pytest.mark.parametrize("apostrophe", ["´", "′", "\uff07", "ʼ", "‘"])
def test_an_accent_or_prime_typed_as_an_apostrophe_reads_as_one(
    shipped: Content, apostrophe: str
) -> None:
    """Some keyboards give ´ or ′ for an apostrophe: "I can´t go on" is recognised by the
    very pattern entry that recognises "I can't go on", not only by the learned model."""
    for said in ("I can't go on", "I don't want to be here anymore"):
        typed = said.replace("'", apostrophe)
        assert shipped[DISTRESS].patterns.which(typed) == shipped[DISTRESS].patterns.which(said)
        assert shipped[DISTRESS].which(typed) == shipped[DISTRESS].which(said) != LEARNED
        assert normalise(typed) == normalise(said)


def test_the_phrase_language() -> None:
    lists = {"cant": ["cant", "can not"]}
    regex = re.compile(compile_phrase("i {cant} (do|take) [it] ... anymore", lists))
    assert regex.search(normalise("I can not do it anymore"))
    assert regex.search(normalise("i cant take this job one bit anymore"))
    assert not regex.search(normalise("i cant sleep anymore"))
    assert not regex.search(normalise("icant do it anymore"))  # whole words only
    ends = re.compile(compile_phrase("im done $", {}))
    assert ends.search(normalise("ok im done.")) and not ends.search(normalise("im done with it"))


@pytest.mark.parametrize(
    ("phrase", "says"),
    [
        ("i {nope} die", "'{nope}' is not a list"),
        ("(i want", "never closed"),
        ("i want]", "closing bracket"),
        ("[maybe]", "matches nothing"),
        ("i * die", "'*' cannot be used"),
    ],
)
def test_a_phrase_that_cannot_be_read_says_why(phrase: str, says: str) -> None:
    with pytest.raises(PhraseError) as caught:
        compile_phrases(["i want to die", phrase], {"cant": ["cant"]})
    assert caught.value.index == 1
    assert says in str(caught.value)


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "distress.yaml"
    text = (CONTENT / "distress.yaml").read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_yaml_model(path, DistressFile, shown_as="distress.yaml")
    return [str(p) for p in caught.value.problems]


def test_an_example_no_phrase_recognises_is_named_by_entry_and_field(tmp_path: Path) -> None:
    path = _edited(tmp_path, "      - nobody would miss me\n", "      - everyone is lovely\n")
    (problem,) = _problems(path)
    assert problem.startswith(f"distress.yaml:{_line(path, 'everyone is lovely')} ")
    assert "entry patterns[5].examples[0]: no phrase of this entry recognises it" in problem


def test_a_near_miss_a_pattern_takes_for_distress_is_reported(tmp_path: Path) -> None:
    path = _edited(tmp_path, "  - grief support\n", "  - grief support, i give up\n")
    (problem,) = _problems(path)
    assert "near_misses" in problem and "pattern 'give-up' takes this for distress" in problem


def test_an_unknown_list_is_named(tmp_path: Path) -> None:
    path = _edited(tmp_path, '      - "{cant} {anymore}"\n', '      - "{cnat} {anymore}"\n')
    (problem,) = _problems(path)
    assert "patterns[0].phrases[" in problem and "'{cnat}' is not a list in 'words'" in problem


def _line(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text("utf-8").splitlines(), 1) if text in line)


def test_a_number_in_a_word_list_needs_no_quotes() -> None:
    """YAML reads an unquoted 10 as a number; a peer writing `[10, ten]` means the words."""
    file = DistressFile.model_validate(
        {
            "words": {"number": [10, 30, "ten"]},
            "patterns": [
                {"id": "pills", "phrases": ["took {number} pills"], "examples": ["took 30 pills"]}
            ],
        }
    )
    assert Distress(file).recognises("i took 10 pills") and not Distress(file).recognises("took 5")
