"""Private reflections: what ``/power`` keeps when, and only when, a person asks it to.

A reflection in progress lives in memory only (``in_progress``), keyed by person, and is gone
when it ends or the service restarts. On disk there is nothing unless the person turned on
keeping their own ``/power`` history: then which point they chose on each indicator and when,
for :data:`KEEP_FOR`; no one else can read it and nothing is computed from it for anyone else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.storage.database import Database
from bot.storage.times import from_db, to_db

KEEP_FOR = timedelta(days=90)


@dataclass
class InProgress:
    """Answers so far, in memory only: a task and answers for /rolecheck, points for /power."""

    kind: str
    task: str = ""
    answers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PowerCheck:
    taken_at: datetime
    points: dict[str, int]


class ReflectionRepository:
    holds = ("power_keep", "power_history")

    def __init__(self, db: Database) -> None:
        self.db = db
        self.in_progress: dict[int, InProgress] = {}

    async def keeping(self, person_id: int) -> bool:
        row = await self.db.fetchone("SELECT 1 FROM power_keep WHERE person_id = ?", (person_id,))
        return row is not None

    async def keep(self, person_id: int, on: bool, now: datetime) -> None:
        """Turn keeping one's own history on, or off (which erases what was kept)."""
        if on:
            await self.db.execute(
                "INSERT OR IGNORE INTO power_keep(person_id, since) VALUES (?, ?)",
                (person_id, to_db(now)),
            )
        else:
            await self.erase_person(person_id)

    async def add(self, person_id: int, points: dict[str, int], now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO power_history(person_id, taken_at, points) "
            "SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM power_keep WHERE person_id = ?)",
            (person_id, to_db(now), json.dumps(points, sort_keys=True), person_id),
        )

    async def history(self, person_id: int) -> list[PowerCheck]:
        rows = await self.db.fetchall(
            "SELECT taken_at, points FROM power_history WHERE person_id = ? ORDER BY taken_at",
            (person_id,),
        )
        checks = []
        for r in rows:
            taken = from_db(r["taken_at"])
            assert taken is not None
            checks.append(PowerCheck(taken, json.loads(r["points"])))
        return checks

    async def forget_older_than(self, moment: datetime) -> int:
        return await self.db.execute_rowcount(
            "DELETE FROM power_history WHERE taken_at < ?", (to_db(moment),)
        )

    async def export_person(self, person_id: int) -> dict[str, Any]:
        checks = await self.history(person_id)
        return {
            "power_history_kept": await self.keeping(person_id),
            "power_history": [{"taken_at": to_db(c.taken_at), "points": c.points} for c in checks],
        }

    async def erase_person(self, person_id: int) -> None:
        self.in_progress.pop(person_id, None)
        await self.db.transaction(
            [
                ("DELETE FROM power_history WHERE person_id = ?", (person_id,)),
                ("DELETE FROM power_keep WHERE person_id = ?", (person_id,)),
            ]
        )
