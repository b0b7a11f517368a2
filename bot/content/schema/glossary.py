"""``content/glossary.yaml``: acronyms and terms peers meet at work, in plain words."""

from __future__ import annotations

from pydantic import Field

from bot.content.schema.base import Strict


class Term(Strict):
    term: str = Field(min_length=1, max_length=60)
    aliases: list[str] = Field(default_factory=list)
    meaning: str = Field(min_length=10, max_length=700)
    source: str = Field(min_length=3)


class GlossaryFile(Strict):
    terms: list[Term] = Field(min_length=1)
