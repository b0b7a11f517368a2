"""``content/checkins.yaml``: the check-in question and the answers a peer can tap.

Peers curate this wording: it must stay warm, plain and non-clinical. Exactly one answer is
the "need support now" answer, which offers crisis lines and asking someone to reach out.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from bot.content.schema.base import Strict, duplicate_ids, raise_at


class Mood(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,19}$")
    #: The button, short enough for a phone (and Discord's 80-character label).
    label: str = Field(min_length=1, max_length=30)
    #: Said back to the peer right after the tap, before Share / Keep.
    thanks: str = Field(min_length=3, max_length=300)
    #: How the answer reads to a mentor when the peer shares it: "{name} is doing okay".
    shared: str = Field(min_length=3, max_length=200)
    support_now: bool = False


class CheckinsFile(Strict):
    question: str = Field(min_length=3, max_length=200)
    moods: list[Mood] = Field(min_length=2, max_length=6)
    group_question: str = Field(min_length=3, max_length=200)

    @model_validator(mode="after")
    def _one_support_answer(self) -> CheckinsFile:
        mistakes = duplicate_ids("moods", [m.id for m in self.moods], "answers")
        if sum(m.support_now for m in self.moods) != 1:
            mistakes.append(
                (("moods",), "exactly one answer needs support_now: true (need support now)")
            )
        raise_at("CheckinsFile", mistakes)
        return self

    def mood(self, mood_id: str) -> Mood | None:
        return next((m for m in self.moods if m.id == mood_id), None)
