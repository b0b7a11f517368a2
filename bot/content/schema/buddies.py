"""``content/buddies.yaml``: the short list of interests people may be paired by.

Kept short on purpose (a phone screen of buttons at most) and curated by peers; each interest
has a stable id (stored with the people who chose it) and a plain label.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from bot.content.schema.base import Strict, duplicate_ids, raise_at


class Interest(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]{0,29}$")
    #: The button and how it reads in an introduction.
    label: str = Field(min_length=1, max_length=30)


class BuddiesFile(Strict):
    interests: list[Interest] = Field(min_length=1, max_length=12)

    @model_validator(mode="after")
    def _unique(self) -> BuddiesFile:
        raise_at(
            "BuddiesFile", duplicate_ids("interests", [i.id for i in self.interests], "interests")
        )
        return self

    def find(self, word: str) -> Interest | None:
        """An interest by id or label, as people type it."""
        wanted = word.strip().lower()
        return next(
            (i for i in self.interests if wanted in (i.id, i.label.lower())),
            None,
        )
