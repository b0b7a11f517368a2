"""``normalise`` reads every message as the distress phrases see it, at each message and, at each
load, for every example of the distress files; it is written for speed, so it is compared here
with the plain way of doing each step, on the shipped examples and on fuzzed texts."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from bot.content.schema.distress_examples import DistressExamplesFile
from bot.content.yamlfile import load_yaml_model
from bot.directory.phrases import normalise
from tests.helpers import CONTENT

APOSTROPHES = "['\u2018\u2019\u02bc`´\u2032\uff07]"


def _plainly(text: str) -> str:
    """Each step as the module's docstring says it: case, apostrophes (before the accents:
    NFKD makes ´ a space and an accent; and after, for those NFKD makes), accents, held
    letters, then the words."""
    plain = re.sub(APOSTROPHES, "", text.casefold())
    plain = unicodedata.normalize("NFKD", plain)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    plain = re.sub(APOSTROPHES, "", plain)
    plain = re.sub(r"([a-z])\1{2,}", r"\1", plain)
    return " " + " ".join(re.findall("[a-z0-9]+", plain)) + " "


def test_the_shipped_examples_read_as_plainly() -> None:
    examples = load_yaml_model(
        CONTENT / "distress_examples.yaml", DistressExamplesFile, shown_as="x"
    )
    for group in examples.groups:
        for message in (*group.distress, *group.ordinary):
            assert normalise(message) == _plainly(message)


@pytest.mark.parametrize("seed", range(4))
def test_fuzzed_texts_read_as_plainly(seed: int) -> None:
    rng = random.Random(seed)
    pieces = ["I", "can't", "CAN`T", "don’t", "I‘m", "ʼ", "´", "'", "`", "pleeease", "sooo"]
    pieces += ["noooOOO", "aaa", "aa", "Café", "naïve", "ﬁne", "Ⅻ", "ß", "İ", "2", "!!!", "…"]
    pieces += ["\t", "\n", " ", "-", "x\u0301", "e\u0300\u0301", "日本", "Σ", "ς"]
    pieces += ["′", "″", "\uff07", "\uff40", "\u1fef", "\u1ffd"]
    for _ in range(500):
        text = "".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(rng.randint(0, 8)))
        assert normalise(text) == _plainly(text), text
