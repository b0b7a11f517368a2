"""``content/trainings.yaml``: the training calendar (plus ``content/calendar/*.ics``).

Times are written in the event's own timezone (``timezone``) and shown to each reader in
theirs. ``rrule`` repeats a session (RFC 5545, e.g. ``FREQ=WEEKLY;BYDAY=TU;COUNT=6``). A
training with no ``starts`` is one of two kinds (``offered``), shown in its own section of
/training rather than under "Upcoming": ``any-time`` (self-paced: start whenever you like) or
``on-request`` (the provider sets the dates, or runs it for a group: ask them). Many real
trainings are one of these, and a date is never guessed to make them look upcoming.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field, HttpUrl, field_validator, model_validator

from bot.config import check_timezone
from bot.content.schema.base import Strict, duplicate_ids, raise_at
from bot.content.schema.common import Cost, Format, Region
from bot.content.schema.resources import NOT_VERIFIED, SLUG


class Offered(StrEnum):
    """How a training with no date is taken."""

    ANY_TIME = "any-time"  # self-paced or always open: start whenever you like
    ON_REQUEST = "on-request"  # the provider sets dates or runs it for a group: ask them


class Training(Strict):
    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=3, max_length=120)
    summary: str = Field(min_length=10, max_length=300)
    provider: str = Field(min_length=2, max_length=100)
    url: HttpUrl | None = None
    cost: Cost
    cost_note: str | None = Field(default=None, max_length=80, description="e.g. $40, bursaries")
    formats: list[Format] = Field(min_length=1)
    regions: list[Region] = Field(min_length=1)
    topics: list[str] = Field(default_factory=list)
    timezone: str = "America/Vancouver"
    starts: datetime | None = Field(default=None, description="Local start; none = self-paced")
    duration_minutes: int | None = Field(default=None, ge=5, le=60 * 24 * 14)
    rrule: str | None = None
    location: str | None = Field(default=None, max_length=160, description="Where, if in person")
    offered: Offered | None = Field(
        default=None,
        description="Only for a training with no date: any-time (self-paced, start whenever"
        " you like) or on-request (the provider sets the dates or runs it for a group). Left"
        " out, a self-paced format means any-time and anything else on-request",
    )
    registration_deadline: date | None = None
    certification: bool = Field(default=False, description="Leads to a certificate")
    source: str = Field(min_length=3)
    verified: date | None = Field(default=None, description="Needed once confirmed")
    confirmed: bool = Field(
        default=True,
        description="false: the provider or dates are not yet checked against the provider's"
        " own page; shown with 'not yet checked by a steward' until a steward does",
    )

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return check_timezone(v)

    @field_validator("starts")
    @classmethod
    def _naive(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is not None:
            raise ValueError("write the local time without an offset; set 'timezone' instead")
        return v

    @model_validator(mode="after")
    def _rrule(self) -> Training:
        if self.confirmed and self.verified is None:
            raise_at("Training", [(("verified",), NOT_VERIFIED)])
        if self.offered is not None and self.starts is not None:
            raise_at(
                "Training",
                [
                    (
                        ("offered",),
                        "is only for a training with no date; a session with 'starts' is"
                        " listed under Upcoming. Remove 'offered', or 'starts' if the date"
                        " is not real",
                    )
                ],
            )
        if self.rrule and self.starts is None:
            raise_at("Training", [(("starts",), "a repeating session (rrule) needs a start time")])
        if self.rrule:
            from dateutil.rrule import rrulestr

            try:
                rrulestr(self.rrule, dtstart=self.starts)
            except (ValueError, TypeError) as exc:
                raise_at(
                    "Training",
                    [
                        (
                            ("rrule",),
                            f"is not a valid repeat rule ({exc}); it looks like "
                            "FREQ=WEEKLY;BYDAY=TU;COUNT=6, with UNTIL in local time",
                        )
                    ],
                )
        return self

    @property
    def kind(self) -> str:
        """Where /training lists it: "dated" (Upcoming), "any-time" or "on-request"."""
        if self.starts is not None:
            return "dated"
        if self.offered is not None:
            return self.offered.value
        self_paced = Format.SELF_PACED in self.formats
        return Offered.ANY_TIME.value if self_paced else Offered.ON_REQUEST.value


class TrainingsFile(Strict):
    trainings: list[Training] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> TrainingsFile:
        ids = [t.id for t in self.trainings]
        raise_at("TrainingsFile", duplicate_ids("trainings", ids, "trainings"))
        return self
