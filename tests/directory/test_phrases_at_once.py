"""distress.yaml's phrases are written out all of an entry at once (``phrases._written``), the
fast way, when every one surely reads without a mistake; otherwise one by one, piece by piece,
as before. Either way the same expressions come out, and a phrase with a mistake is reported
with the same words and index, so what the bot recognises never depends on which way ran."""

from __future__ import annotations

import random
import re
from unittest import mock

import pytest

from bot.content.schema.distress import DistressFile
from bot.content.yamlfile import load_yaml_model
from bot.directory import compiled
from bot.directory import phrases as phrases_module
from bot.directory.phrases import PhraseError, _written, compile_phrase, compile_phrases
from tests.helpers import CONTENT

LISTS = {"cant": ["cant", "can not", "cannot"], "me": ["me", "myself"], "n2": ["2", "two"]}
LISTS |= {"e": [], "z": ["!!"]}  # a list with no words, one that normalises to none
#: Pieces of phrases, the language's own most often, and mistakes and odd characters too.
GOOD = ["i", "cant", "go", "on", "2", "{cant}", "{me}", "{n2}", "...", "$", "(go|on)", "[on]"]
GOOD += ["(i|{me} [2])", "[(go|{cant}) on]", "{e}", "{z}"]
ODD = [
    "(",
    ")",
    "[",
    "]",
    "|",
    "{nope}",
    "..",
    "....",
    "*",
    "é",
    "CAN'T",
    "don’t",
    "_",
    "{",
    "}",
    "%",
    "%s",
    "\x02",
]
ODD += ["\x03", "{ca nt}", "a_b", "ß", "\u212a", "\t", "\u2003", ".", "?", ":"]
# \x01 is a mark the fast way uses too (refused only as an unknown character); spaces to
# Python but not to every regular expression; what ``%`` would read if it were let through.
ODD += ["\x01", "\x1c", "\x85", "\xa0", "%%", "%(a)s"]


def _outcome(make: object) -> str | tuple[str, int | None]:
    """The expression's text, or the mistake's words and the phrase it names."""
    assert callable(make)
    try:
        pattern = make()
    except PhraseError as exc:
        return str(exc), exc.index
    return pattern if isinstance(pattern, str) else pattern.pattern


def _one_by_one(phrases: list[str]) -> re.Pattern[str]:
    """compile_phrases as it was: each phrase read piece by piece (``compile_phrase``)."""
    with mock.patch.object(phrases_module, "_written", lambda *_: None):
        return compile_phrases(phrases, LISTS)


def test_every_shipped_entry_is_written_at_once_as_one_by_one() -> None:
    file = load_yaml_model(CONTENT / "distress.yaml", DistressFile, shown_as="distress.yaml")
    for pattern in file.patterns:
        for phrases in (pattern.phrases, pattern.unless):
            if phrases:
                expected = [compile_phrase(p, file.words) for p in phrases]
                assert _written(phrases, file.words) == expected  # the fast way was taken


@pytest.mark.parametrize("seed", range(8))
def test_fuzzed_phrases_compile_as_one_by_one(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # Compiled with ``re.compile`` itself: the thousands of throwaway expressions are not
    # added to the programs every later content load in this process would keep on disk.
    monkeypatch.setattr(phrases_module, "compile_pattern", re.compile)
    programs = len(compiled._programs)
    rng = random.Random(seed)
    fast = 0
    for _ in range(400):
        phrases = []
        for _ in range(rng.randint(1, 4)):
            pieces = [
                rng.choice(ODD) if rng.random() < 0.05 else rng.choice(GOOD)
                for _ in range(rng.randint(0, 9))
            ]
            phrases.append("".join(p + rng.choice(["", " ", " ", "  ", "\n"]) for p in pieces))
        expected = _outcome(lambda phrases=phrases: _one_by_one(phrases))
        assert _outcome(lambda phrases=phrases: compile_phrases(phrases, LISTS)) == expected
        fast += _written(phrases, LISTS) is not None
    assert fast > 100  # the fast way was taken often enough to have been compared
    assert len(compiled._programs) == programs
