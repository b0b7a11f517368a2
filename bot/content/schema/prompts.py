"""``content/prompts.yaml``: self-care prompts, grouped by theme, and short exercises.

Prompts are read on a phone, often at the end of a shift, so each is short and plain. Ids are
stable: rotation and saved prompts refer to them, so renaming an id makes it a new prompt.
A prompt may offer one exercise (a button such as "Try a one-minute grounding"); a theme may
open with a short quote from a seed, naming the seed.
"""

from __future__ import annotations

import functools
import re

from pydantic import Field, field_validator, model_validator

from bot.content.schema.base import Strict, duplicate_ids, raise_at
from bot.content.schema.resources import SLUG

PROMPT_MAX = 280  # about what a phone shows without scrolling, with the buttons below
STEP_MAX = 200


def _fits(text: str, limit: int) -> str:
    if len(text) > limit:
        raise ValueError(
            f"is {len(text)} characters; keep it to {limit} so it fits on a phone screen"
        )
    return text


class Quote(Strict):
    text: str = Field(min_length=5, description="A few words from a seed, as written there")
    seed: str = Field(
        min_length=3,
        max_length=80,
        pattern=r"^\D",
        description="The source's title, as readers know it, e.g. Experience is Expertise "
        "(CMHA BC, 2023); never an internal number",
    )

    @field_validator("text")
    @classmethod
    def _short(cls, v: str) -> str:
        return _fits(v, 300)


class Exercise(Strict):
    id: str = Field(pattern=SLUG)
    button: str = Field(min_length=2, max_length=34, description="Label of the button offering it")
    title: str = Field(min_length=2, max_length=60)
    steps: list[str] = Field(min_length=1, max_length=8)

    @field_validator("steps")
    @classmethod
    def _steps(cls, v: list[str]) -> list[str]:
        for step in v:
            _fits(step, STEP_MAX)
        return v


class Prompt(Strict):
    id: str = Field(pattern=SLUG, description="Stable: rotation and saved prompts use it")
    text: str = Field(min_length=10)
    exercise: str | None = Field(default=None, description="Id of an exercise to offer")

    @field_validator("text")
    @classmethod
    def _short(cls, v: str) -> str:
        return _fits(v, PROMPT_MAX)


class Theme(Strict):
    id: str = Field(pattern=SLUG)
    label: str = Field(min_length=2, max_length=24, description="Shown on buttons")
    about: str = Field(min_length=5, max_length=120, description="One line: what it is for")
    intro: Quote | None = None
    prompts: list[Prompt]

    @field_validator("prompts")
    @classmethod
    def _not_empty(cls, v: list[Prompt]) -> list[Prompt]:
        if not v:
            raise ValueError("a theme needs at least one prompt")
        return v


@functools.lru_cache(maxsize=4096)  # theme labels are slugged on every lookup
def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("&", "and")).strip("-")


class PromptsFile(Strict):
    exercises: list[Exercise] = Field(default_factory=list)
    themes: list[Theme] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> PromptsFile:
        mistakes = duplicate_ids("themes", [t.id for t in self.themes], "themes")
        mistakes += duplicate_ids("exercises", [e.id for e in self.exercises], "exercises")
        exercises = {e.id for e in self.exercises}
        first: dict[str, str] = {}
        for ti, theme in enumerate(self.themes):
            for pi, prompt in enumerate(theme.prompts):
                where = ("themes", ti, "prompts", pi)
                if prompt.id in first:
                    mistakes.append(
                        (
                            (*where, "id"),
                            f"two prompts share the id '{prompt.id}' (the other is in theme "
                            f"'{first[prompt.id]}'); give each its own id",
                        )
                    )
                first.setdefault(prompt.id, theme.id)
                if prompt.exercise is not None and prompt.exercise not in exercises:
                    mistakes.append(
                        (
                            (*where, "exercise"),
                            f"there is no exercise '{prompt.exercise}' in the exercises list",
                        )
                    )
        raise_at("PromptsFile", mistakes)
        return self

    # -- lookups (the file is small: a scan is clearer than an index) ------------------------

    def theme(self, theme_id: str) -> Theme | None:
        return next((t for t in self.themes if t.id == theme_id), None)

    def exercise(self, exercise_id: str) -> Exercise | None:
        return next((e for e in self.exercises if e.id == exercise_id), None)

    def prompt(self, prompt_id: str) -> tuple[Theme, Prompt] | None:
        for theme in self.themes:
            for prompt in theme.prompts:
                if prompt.id == prompt_id:
                    return theme, prompt
        return None

    def count(self) -> int:
        return sum(len(t.prompts) for t in self.themes)

    def find_theme(self, text: str) -> Theme | None:
        """What a person typed, read kindly: an id, a label ("grief & loss"), or a piece of
        one that only one theme has ("grief", "shift")."""
        wanted = _slug(text)
        if not wanted:
            return None
        for theme in self.themes:
            if wanted in (theme.id, _slug(theme.label)):
                return theme
        found = [t for t in self.themes if wanted in t.id or wanted in _slug(t.label)]
        return found[0] if len(found) == 1 else None
