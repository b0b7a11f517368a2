"""content/prompts.yaml: the shipped prompts, and the mistakes a steward editing it could make."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.content.problems import ContentError, Problem
from bot.content.schema.prompts import PROMPT_MAX, PromptsFile
from bot.content.sources import PROMPTS
from tests.helpers import CONTENT

# The themes the issue asks for, and those the seeds show peers face (seed 001 most of all).
THEMES = {
    "grounding",
    "boundaries",
    "grief-and-loss",
    "rest",
    "connection",
    "after-a-hard-shift",
    "small-wins",
    "only-one",
    "stigma-at-work",
    "money-worries",
    "moral-distress",
    "your-own-path",
    "disclosure",
    "community-ties",
}
# Clinical words DESIGN rule 5 keeps out, and wording that assumes abstinence.
NOT_OUR_WORDS = re.compile(
    r"\b(patients?|compliance|symptoms?|case notes|relapse|clean|sober|sobriety|addicts?)\b",
    re.IGNORECASE,
)

VALID = """\
exercises:
  - id: breathe
    button: Try a breath
    title: A breath
    steps:
      - Breathe out slowly.
themes:
  - id: grounding
    label: Grounding
    about: Coming back to right here
    prompts:
      - id: feet
        text: Feel your feet on the ground for a moment.
        exercise: breathe
      - id: sounds
        text: Listen for the farthest sound you can hear.
  - id: rest
    label: Rest
    about: Rest that fits shift work
    prompts:
      - id: ten-minutes
        text: Take ten minutes today that belong to no one but you.
"""


def shipped() -> PromptsFile:
    return PROMPTS.load(CONTENT)


def line_of(text: str, needle: str, *, last: bool = False) -> int:
    """The 1-based number of the first (or last) line containing ``needle``."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return found[-1] if last else found[0]


def problems_for(tmp_path: Path, text: str) -> list[Problem]:
    (tmp_path / "prompts.yaml").write_text(text, "utf-8")
    with pytest.raises(ContentError) as caught:
        PROMPTS.load(tmp_path)
    return caught.value.problems


def test_the_shipped_file_loads_with_at_least_sixty_prompts_in_every_theme() -> None:
    prompts = shipped()
    assert prompts.count() >= 60
    assert {t.id for t in prompts.themes} >= THEMES
    assert all(len(t.prompts) >= 4 for t in prompts.themes)


def test_shipped_prompts_are_short_plain_and_never_assume_abstinence() -> None:
    prompts = shipped()
    for theme in prompts.themes:
        for prompt in theme.prompts:
            assert len(prompt.text) <= PROMPT_MAX, prompt.id
            assert not NOT_OUR_WORDS.search(prompt.text), prompt.id
    for exercise in prompts.exercises:
        assert not any(NOT_OUR_WORDS.search(step) for step in exercise.steps), exercise.id


def test_every_shipped_quote_credits_its_source_by_title() -> None:
    intros = [t.intro for t in shipped().themes if t.intro is not None]
    assert len(intros) >= 7
    # Regression: quotes were credited "— 001 Experience is Expertise", an internal number.
    assert all(not re.match(r"^\d", intro.seed) for intro in intros)
    assert any(intro.seed.startswith("Experience is Expertise") for intro in intros)


def test_a_valid_small_file_loads(tmp_path: Path) -> None:
    (tmp_path / "prompts.yaml").write_text(VALID, "utf-8")
    loaded = PROMPTS.load(tmp_path)
    assert [t.id for t in loaded.themes] == ["grounding", "rest"]
    assert loaded.prompt("feet") is not None


def test_a_missing_field_names_file_line_entry_and_field(tmp_path: Path) -> None:
    broken = VALID.replace("        text: Listen for the farthest sound you can hear.\n", "")
    [problem] = problems_for(tmp_path, broken)
    assert problem.file == "prompts.yaml"
    assert problem.line == line_of(broken, "id: sounds")  # where that entry starts
    assert problem.entry == 'themes[0].prompts[1] "sounds"'
    assert problem.field == "text"
    assert "required" in problem.message.lower()


def test_an_unknown_field_names_its_line(tmp_path: Path) -> None:
    broken = VALID.replace(
        "        exercise: breathe\n", "        exercise: breathe\n        mood: 3\n"
    )
    [problem] = problems_for(tmp_path, broken)
    assert (problem.file, problem.field) == ("prompts.yaml", "mood")
    assert problem.line == line_of(broken, "mood: 3")
    assert problem.entry == 'themes[0].prompts[0] "feet"'
    assert "not permitted" in problem.message


def test_a_duplicate_prompt_id_points_at_the_second_one(tmp_path: Path) -> None:
    broken = VALID.replace("id: ten-minutes", "id: feet")
    [problem] = problems_for(tmp_path, broken)
    assert (problem.file, problem.field) == ("prompts.yaml", "id")
    assert problem.line == line_of(broken, "id: feet", last=True)
    assert problem.entry == 'themes[1].prompts[0] "feet"'
    assert "two prompts share the id 'feet'" in problem.message
    assert "grounding" in problem.message  # where the other one is


def test_a_duplicate_theme_id_is_reported(tmp_path: Path) -> None:
    broken = VALID.replace("  - id: rest\n", "  - id: grounding\n")
    [problem] = problems_for(tmp_path, broken)
    assert (problem.entry, problem.field) == ('themes[1] "grounding"', "id")
    assert problem.line == line_of(broken, "label: Rest") - 1
    assert "share the id 'grounding'" in problem.message


def test_an_empty_theme_is_reported(tmp_path: Path) -> None:
    broken = VALID.split("    prompts:\n      - id: ten-minutes")[0] + "    prompts: []\n"
    [problem] = problems_for(tmp_path, broken)
    assert (problem.file, problem.field) == ("prompts.yaml", "prompts")
    assert problem.line == line_of(broken, "prompts: []")
    assert problem.entry == 'themes[1] "rest"'
    assert "at least one prompt" in problem.message


def test_text_too_long_for_a_phone_is_reported(tmp_path: Path) -> None:
    long_text = "You matter. " * 30
    broken = VALID.replace("Take ten minutes today that belong to no one but you.", long_text)
    [problem] = problems_for(tmp_path, broken)
    assert (problem.file, problem.field) == ("prompts.yaml", "text")
    assert problem.line == line_of(broken, "You matter.")
    assert problem.entry == 'themes[1].prompts[0] "ten-minutes"'
    assert f"keep it to {PROMPT_MAX}" in problem.message


def test_an_exercise_that_does_not_exist_is_reported(tmp_path: Path) -> None:
    broken = VALID.replace("exercise: breathe", "exercise: stretch")
    [problem] = problems_for(tmp_path, broken)
    assert (problem.line, problem.field) == (line_of(broken, "exercise: stretch"), "exercise")
    assert "no exercise 'stretch'" in problem.message


def test_themes_are_found_by_id_label_or_a_unique_piece() -> None:
    prompts = shipped()
    found = {
        text: t.id if (t := prompts.find_theme(text)) else None
        for text in ("grief", "Grief & loss", "after a hard shift", "wins", "REST", "a", "zzz")
    }
    assert found == {
        "grief": "grief-and-loss",
        "Grief & loss": "grief-and-loss",
        "after a hard shift": "after-a-hard-shift",
        "wins": "small-wins",
        "REST": "rest",
        "a": None,
        "zzz": None,
    }
