"""``content/opportunities.yaml``: peer job postings and calls (the "Hub" of seed 002).

An opportunity disappears by itself the day after ``closes``.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field, HttpUrl, model_validator

from bot.content.schema.base import Strict, duplicate_ids, raise_at
from bot.content.schema.common import Region
from bot.content.schema.resources import SLUG


class Kind(StrEnum):
    JOB = "job"
    VOLUNTEER = "volunteer"
    CALL = "call"  # a call for peers: advisory seats, research, speaking, art
    HONORARIUM = "honorarium"
    TRAINING_FUNDING = "training-funding"


class Opportunity(Strict):
    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=3, max_length=120)
    organization: str = Field(min_length=2, max_length=100)
    kind: Kind
    summary: str = Field(min_length=10, max_length=300)
    regions: list[Region] = Field(min_length=1)
    pay: str | None = Field(default=None, max_length=80, description="e.g. $28/hour, honorarium")
    peer_specific: bool = Field(default=True, description="Asks for lived/living experience")
    url: HttpUrl | None = None
    posted: date
    closes: date | None = Field(default=None, description="None: open until removed")
    source: str = Field(min_length=3)
    verified: date


class OpportunitiesFile(Strict):
    opportunities: list[Opportunity] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> OpportunitiesFile:
        ids = [o.id for o in self.opportunities]
        raise_at("OpportunitiesFile", duplicate_ids("opportunities", ids, "opportunities"))
        return self
