"""``content/rolecheck.yaml`` and ``content/power.yaml``: two private reflections.

``/rolecheck`` walks a peer through the Provider's Handbook's three tests for whether a task
belongs in a peer role (busy work, agenda, power imbalance); ``/power`` through CMHA BC's Power
Assessment Framework (five indicators, each from no power to full power). Both are read on a
phone, alone, so every line is short, and both credit their source by title.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from bot.content.schema.base import Strict, duplicate_ids, raise_at
from bot.content.schema.resources import SLUG

LINE_MAX = 300  # a line a phone shows without scrolling
LABEL_MAX = 40  # a button label that fits on a small screen

Test = Literal["busy_work", "agenda", "power"]


class Source(Strict):
    title: str = Field(min_length=3, max_length=160, description="The source's title")
    where: str = Field(default="", max_length=120, description="Where in it, e.g. a section")


class TestText(Strict):
    """One of the handbook's three tests, in plain words."""

    id: Test
    name: str = Field(min_length=3, max_length=LABEL_MAX)
    meaning: str = Field(min_length=10, max_length=LINE_MAX)


class Answer(Strict):
    """A button answer to a question. ``raises`` names the test the answer is a sign of."""

    id: str = Field(pattern=SLUG)
    label: str = Field(min_length=2, max_length=LABEL_MAX)
    raises: Test | None = None
    routine: bool = False


class Question(Strict):
    id: Literal["who_asked", "whose_goals", "power_gap", "how_often"]
    text: str = Field(min_length=5, max_length=LINE_MAX)
    answers: list[Answer] = Field(min_length=2, max_length=4)


class Task(Strict):
    """A task from the handbook's chart, with what it says is and is not peer work."""

    id: str = Field(pattern=SLUG)
    label: str = Field(min_length=3, max_length=LABEL_MAX)
    tests: list[Test] = Field(min_length=1)
    fits: str = Field(min_length=10, max_length=LINE_MAX, description="Consistent with peer role")
    not_fits: str = Field(min_length=10, max_length=LINE_MAX, description="Not consistent")
    why: str = Field(min_length=10, max_length=LINE_MAX, description="The handbook's reasoning")


class RolecheckFile(Strict):
    source: Source
    tests: list[TestText] = Field(min_length=3, max_length=3)
    questions: list[Question] = Field(min_length=4, max_length=4)
    tasks: list[Task] = Field(min_length=1)
    occasional: str = Field(min_length=10, max_length=LINE_MAX)
    routine: str = Field(min_length=10, max_length=LINE_MAX)
    fits: str = Field(min_length=10, max_length=LINE_MAX, description="When nothing is a sign")
    raise_it: list[str] = Field(min_length=1, description="Words a peer could use")
    topics: list[str] = Field(min_length=1, description="Directory topics that may help")

    @model_validator(mode="after")
    def _unique(self) -> RolecheckFile:
        mistakes = duplicate_ids("tasks", [t.id for t in self.tasks], "tasks")
        mistakes += duplicate_ids("questions", [q.id for q in self.questions], "questions")
        if {t.id for t in self.tests} != {"busy_work", "agenda", "power"}:
            mistakes.append((("tests",), "name each test once: busy_work, agenda and power"))
        raise_at("RolecheckFile", mistakes)
        return self


class Point(Strict):
    """One point on an indicator's scale, with a one-line description."""

    label: str = Field(min_length=3, max_length=LABEL_MAX)
    line: str = Field(min_length=10, max_length=LINE_MAX)


class Indicator(Strict):
    id: str = Field(pattern=SLUG)
    name: str = Field(min_length=3, max_length=LABEL_MAX)
    question: str = Field(min_length=5, max_length=LINE_MAX)
    scale: list[Point] = Field(min_length=3, max_length=5, description="No power → full power")
    helps: str = Field(min_length=10, max_length=LINE_MAX, description="What might help")
    topics: list[str] = Field(default_factory=list, description="Directory topics")
    glossary: list[str] = Field(default_factory=list, description="Glossary terms")


class PowerFile(Strict):
    source: Source
    intro: str = Field(min_length=10, max_length=LINE_MAX * 2)
    indicators: list[Indicator] = Field(min_length=5, max_length=5)
    all_good: str = Field(min_length=10, max_length=LINE_MAX)

    @model_validator(mode="after")
    def _unique(self) -> PowerFile:
        mistakes = duplicate_ids("indicators", [i.id for i in self.indicators], "indicators")
        sizes = {len(i.scale) for i in self.indicators}
        if len(sizes) > 1:
            mistakes.append((("indicators",), "give every indicator the same number of points"))
        raise_at("PowerFile", mistakes)
        return self
