"""Every repository, gathered so handlers reach them as ``ctx.repo``.

A capability that needs tables adds its repository here as one more field.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.buttons import ButtonRepository
from bot.storage.database import Database
from bot.storage.outbox import OutboxRepository
from bot.storage.people import PeopleRepository
from bot.storage.schedules import ScheduleRepository


@dataclass(frozen=True, slots=True)
class Repository:
    db: Database
    people: PeopleRepository
    buttons: ButtonRepository
    schedules: ScheduleRepository
    outbox: OutboxRepository

    @classmethod
    def open(cls, db: Database) -> Repository:
        return cls(
            db,
            PeopleRepository(db),
            ButtonRepository(db),
            ScheduleRepository(db),
            OutboxRepository(db),
        )
