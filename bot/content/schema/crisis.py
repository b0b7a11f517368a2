"""``content/crisis.yaml``: crisis and support lines.

A wrong number does real harm, so every line carries where it was checked and when, and a line
a person has not yet confirmed (``confirmed: false``) is kept in the file but never shown.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field, HttpUrl, field_validator, model_validator

from bot.content.schema.base import Strict


class CrisisGroup(StrEnum):
    ALWAYS = "always"
    INDIGENOUS = "indigenous"
    SUBSTANCE_USE = "substance-use"
    OTHER = "other"


class CrisisLine(Strict):
    id: str = Field(pattern=r"^[a-z0-9-]+$", description="Short stable id, e.g. 988")
    name: str = Field(min_length=2, max_length=80)
    reach: str = Field(min_length=2, max_length=160, description="How to reach it, shown as is")
    phone: str | None = Field(default=None, description="Digits to dial, for a tap-to-call link")
    url: HttpUrl | None = None
    hours: str = Field(min_length=2, max_length=80)
    region: str = Field(min_length=2, max_length=60)
    group: CrisisGroup
    note: str | None = Field(default=None, max_length=200)
    source: str = Field(min_length=3, description="Where the facts were checked")
    verified: date = Field(description="When a person last checked the facts")
    confirmed: bool = Field(
        default=True, description="false: not shown until a person confirms the details"
    )

    @field_validator("phone")
    @classmethod
    def _digits(cls, v: str | None) -> str | None:
        if v is not None and not v.replace("-", "").replace(" ", "").isdigit():
            raise ValueError("phone holds only digits, spaces and dashes, e.g. 1-800-784-2433")
        return v


class CrisisFile(Strict):
    intro: str = Field(min_length=5, description="First line of /crisis")
    lines: list[CrisisLine] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> CrisisFile:
        seen: set[str] = set()
        for line in self.lines:
            if line.id in seen:
                raise ValueError(f"two lines share the id '{line.id}'")
            seen.add(line.id)
        if not any(ln.group is CrisisGroup.ALWAYS and ln.confirmed for ln in self.lines):
            raise ValueError("at least one confirmed line must be in the 'always' group")
        return self

    def shown(self, group: CrisisGroup | None = None) -> list[CrisisLine]:
        return [ln for ln in self.lines if ln.confirmed and (group is None or ln.group is group)]
