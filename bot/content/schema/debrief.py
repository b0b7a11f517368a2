"""``content/debrief.yaml``: the optional guided steps of a debrief room, and the pseudonyms
people may choose when they join one.

Steps are read in a room, on a phone, often right after something hard, so each is short and
plain and asks one thing. Pseudonyms are ordinary words that point at nobody.
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from bot.content.schema.base import Strict, duplicate_ids, raise_at
from bot.content.schema.resources import SLUG

STEP_MAX = 280  # fits a phone screen with the buttons below it


class Step(Strict):
    id: str = Field(pattern=SLUG, description="Stable name of the step")
    title: str = Field(min_length=2, max_length=40, description="A few words, shown in bold")
    prompt: str = Field(min_length=10, description="The question the room is offered")

    @field_validator("prompt")
    @classmethod
    def _short(cls, v: str) -> str:
        if len(v) > STEP_MAX:
            raise ValueError(f"is {len(v)} characters; keep it to {STEP_MAX} to fit a phone")
        return v


class DebriefFile(Strict):
    intro: str = Field(min_length=10, max_length=400, description="Shown with the first step")
    steps: list[Step] = Field(min_length=1, max_length=10)
    pseudonyms: list[str] = Field(
        min_length=8, description="Names to choose from when joining; at least 8 (a full room)"
    )

    @field_validator("pseudonyms")
    @classmethod
    def _names(cls, v: list[str]) -> list[str]:
        for name in v:
            if not 2 <= len(name) <= 20 or not name.replace(" ", "").isalpha():
                raise ValueError(f"'{name}' should be 2 to 20 letters (spaces allowed)")
        lowered = [n.lower() for n in v]
        if len(set(lowered)) != len(lowered):
            raise ValueError("each pseudonym should appear once")
        return v

    @model_validator(mode="after")
    def _unique(self) -> DebriefFile:
        raise_at("DebriefFile", duplicate_ids("steps", [s.id for s in self.steps], "steps"))
        return self

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)
