"""Every repository, gathered so handlers reach them as ``ctx.repo``.

A capability that needs tables adds its repository here as one more field; it must implement
:class:`~bot.storage.personal.PersonalData`, and is then covered by /mydata and /forgetme.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from bot.storage.buddies import BuddyRepository
from bot.storage.buttons import ButtonRepository
from bot.storage.checkins import CheckinRepository
from bot.storage.codes import CodeRepository
from bot.storage.database import Database
from bot.storage.debrief import DebriefRepository
from bot.storage.digests import DigestRepository
from bot.storage.outbox import OutboxRepository
from bot.storage.people import PeopleRepository
from bot.storage.personal import PersonalData
from bot.storage.reflections import ReflectionRepository
from bot.storage.relay import BridgeRepository, RelayMapRepository
from bot.storage.roster import RosterRepository
from bot.storage.schedules import ScheduleRepository
from bot.storage.selfcare import SelfcareRepository
from bot.storage.spaces import SpaceRepository


@dataclass(frozen=True, slots=True)
class Repository:
    db: Database
    people: PeopleRepository
    buttons: ButtonRepository
    schedules: ScheduleRepository
    outbox: OutboxRepository
    selfcare: SelfcareRepository
    digests: DigestRepository
    codes: CodeRepository
    spaces: SpaceRepository
    roster: RosterRepository
    debrief: DebriefRepository
    bridges: BridgeRepository
    relay_map: RelayMapRepository
    reflections: ReflectionRepository
    checkins: CheckinRepository
    buddies: BuddyRepository

    def parts(self) -> list[PersonalData]:
        """Every repository that holds something about a person (all of them but ``db``)."""
        return [getattr(self, f.name) for f in fields(self) if f.name != "db"]

    @classmethod
    def open(cls, db: Database) -> Repository:
        return cls(
            db,
            PeopleRepository(db),
            ButtonRepository(db),
            ScheduleRepository(db),
            OutboxRepository(db),
            SelfcareRepository(db),
            DigestRepository(db),
            CodeRepository(db),
            SpaceRepository(db),
            RosterRepository(db),
            DebriefRepository(db),
            BridgeRepository(db),
            RelayMapRepository(db),
            ReflectionRepository(db),
            CheckinRepository(db),
            BuddyRepository(db),
        )
