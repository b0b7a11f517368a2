"""DESIGN rule 5: what the bot says is non-clinical and people-first, and never assumes
abstinence. Checked over everything the bot itself speaks (not over resource names, which are
other organisations' own words)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import CONTENT

# Words the peers this serves asked us not to use about them.
AVOID = {
    r"\bpatients?\b": "say people, peers or members",
    r"\bcompl(?:iance|iant)\b": "nobody is complying with anything here",
    r"\bsymptoms?\b": "describe what someone is going through instead",
    r"\bcase ?notes?\b": "nothing here writes notes about a person",
    r"\baddicts?\b": "say people who use drugs",
    r"\bsubstance abuse\b": "say substance use",
    r"\b(?:relapsed?|relapsing)\b": "harm reduction does not assume abstinence",
    r"\bclean and sober\b|\bstay(?:ing)? clean\b|\bgot clean\b": "never assume abstinence",
    r"\bnon-?compliant\b": "nobody is complying with anything here",
}


def spoken_files() -> list[Path]:
    files = sorted((CONTENT / "texts").glob("*.yaml"))
    spoken = ("prompts.yaml", "agreements.md", "rolecheck.yaml", "power.yaml")
    files += [CONTENT / name for name in spoken if (CONTENT / name).exists()]
    files += sorted(CONTENT.glob("privacy*.md"))
    return files


@pytest.mark.parametrize("path", spoken_files(), ids=lambda p: p.name)
def test_the_bot_speaks_plainly_and_people_first(path: Path) -> None:
    text = path.read_text().lower()
    found = [
        f"'{m.group(0)}' ({why})"
        for pattern, why in AVOID.items()
        for m in re.finditer(pattern, text)
    ]
    assert not found, f"{path.name}: {', '.join(found)}"


def test_the_checker_catches_a_clinical_word(tmp_path: Path) -> None:
    sample = "Tell us your symptoms so we can check compliance."
    assert any(re.search(p, sample.lower()) for p in AVOID)
