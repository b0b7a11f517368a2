"""content/debrief.yaml: the shipped guided steps and pseudonyms, and the mistakes a steward
editing it could make (each named by file, line, entry and field)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.problems import ContentError, Problem
from bot.content.sources import DEBRIEF
from tests.content.test_prompts import NOT_OUR_WORDS
from tests.helpers import CONTENT

SHIPPED = (CONTENT / "debrief.yaml").read_text("utf-8")


def problems_for(tmp_path: Path, text: str) -> list[Problem]:
    (tmp_path / "debrief.yaml").write_text(text, "utf-8")
    with pytest.raises(ContentError) as caught:
        DEBRIEF.load(tmp_path)
    return caught.value.problems


def test_the_shipped_steps_are_the_four_the_issue_names_short_and_plain() -> None:
    loaded = DEBRIEF.load(CONTENT)
    assert [s.id for s in loaded.steps] == [
        "what-happened",
        "staying-with-you",
        "what-you-need",
        "for-yourself",
    ]
    assert len(loaded.pseudonyms) >= 8  # enough for a full room
    assert not any(NOT_OUR_WORDS.search(s.prompt) for s in loaded.steps)


def test_two_steps_with_one_id_are_named_at_the_second(tmp_path: Path) -> None:
    broken = SHIPPED.replace("id: staying-with-you", "id: what-happened")
    [problem] = problems_for(tmp_path, broken)
    assert problem.file == "debrief.yaml"
    assert problem.entry is not None and "steps[1]" in problem.entry
    assert problem.field == "id"


def test_too_few_pseudonyms_for_a_full_room_is_refused(tmp_path: Path) -> None:
    start = SHIPPED.index("  - Heron")
    broken = SHIPPED[:start]
    [problem] = problems_for(tmp_path, broken)
    assert (problem.file, problem.field) == ("debrief.yaml", "pseudonyms")
    assert "8" in problem.message
