"""Schedules: the database is their source of truth; the scheduler is rebuilt from it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiosqlite

from bot.storage.database import Database
from bot.storage.times import from_db, to_db


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    """One schedule. ``trigger`` holds APScheduler cron fields (``{"cron": {...}}``) or a
    single moment (``{"at": iso}``); ``target`` names a space or chat for schedules that post
    to a group rather than to a person."""

    id: int
    kind: str
    person_id: int | None
    target: str | None
    trigger: Mapping[str, Any]
    timezone: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    paused_until: datetime | None = None
    deferred_to: datetime | None = None
    last_fired_at: datetime | None = None
    created_at: datetime | None = None


def _row(r: aiosqlite.Row) -> ScheduleRow:
    return ScheduleRow(
        id=r["id"],
        kind=r["kind"],
        person_id=r["person_id"],
        target=r["target"],
        trigger=json.loads(r["trigger"]),
        timezone=r["timezone"],
        payload=json.loads(r["payload"]),
        paused_until=from_db(r["paused_until"]),
        deferred_to=from_db(r["deferred_to"]),
        last_fired_at=from_db(r["last_fired_at"]),
        created_at=from_db(r["created_at"]),
    )


class ScheduleRepository:
    holds = ("schedules",)

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self,
        *,
        kind: str,
        trigger: Mapping[str, Any],
        timezone: str,
        now: datetime,
        person_id: int | None = None,
        target: str | None = None,
        payload: Mapping[str, Any] | None = None,
    ) -> ScheduleRow:
        new_id = await self.db.execute(
            "INSERT INTO schedules(kind, person_id, target, trigger, timezone, payload,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                kind,
                person_id,
                target,
                json.dumps(dict(trigger), sort_keys=True),
                timezone,
                json.dumps(dict(payload or {}), sort_keys=True),
                to_db(now),
            ),
        )
        row = await self.get(new_id)
        assert row is not None
        return row

    async def get(self, schedule_id: int) -> ScheduleRow | None:
        r = await self.db.fetchone("SELECT * FROM schedules WHERE id = ?", (schedule_id,))
        return None if r is None else _row(r)

    async def all(self) -> list[ScheduleRow]:
        return [_row(r) for r in await self.db.fetchall("SELECT * FROM schedules ORDER BY id")]

    async def for_person(self, person_id: int, kind: str | None = None) -> list[ScheduleRow]:
        sql = "SELECT * FROM schedules WHERE person_id = ?"
        params: list[Any] = [person_id]
        if kind is not None:
            sql += " AND kind = ?"
            params.append(kind)
        return [_row(r) for r in await self.db.fetchall(sql + " ORDER BY id", params)]

    async def for_target(self, target: str, kind: str | None = None) -> list[ScheduleRow]:
        sql = "SELECT * FROM schedules WHERE target = ?"
        params: list[Any] = [target]
        if kind is not None:
            sql += " AND kind = ?"
            params.append(kind)
        return [_row(r) for r in await self.db.fetchall(sql + " ORDER BY id", params)]

    async def update(
        self,
        schedule_id: int,
        *,
        trigger: Mapping[str, Any] | None = None,
        timezone: str | None = None,
        payload: Mapping[str, Any] | None = None,
    ) -> None:
        sets, params = [], []
        if trigger is not None:
            sets.append("trigger = ?")
            params.append(json.dumps(dict(trigger), sort_keys=True))
        if timezone is not None:
            sets.append("timezone = ?")
            params.append(timezone)
        if payload is not None:
            sets.append("payload = ?")
            params.append(json.dumps(dict(payload), sort_keys=True))
        if sets:
            await self.db.execute(
                f"UPDATE schedules SET {', '.join(sets)} WHERE id = ?", (*params, schedule_id)
            )

    async def retarget(self, old: str, new: str) -> int:
        """A group moved to a new id: schedules that post there follow it."""
        return await self.db.execute_rowcount(
            "UPDATE schedules SET target = ? WHERE target = ?", (new, old)
        )

    async def set_paused(self, schedule_id: int, until: datetime | None) -> None:
        await self.db.execute(
            "UPDATE schedules SET paused_until = ? WHERE id = ?", (to_db(until), schedule_id)
        )

    async def set_deferred(self, schedule_id: int, to: datetime | None) -> None:
        await self.db.execute(
            "UPDATE schedules SET deferred_to = ? WHERE id = ?", (to_db(to), schedule_id)
        )

    async def mark_fired(self, schedule_id: int, at: datetime) -> None:
        await self.db.execute(
            "UPDATE schedules SET last_fired_at = ?, deferred_to = NULL WHERE id = ?",
            (to_db(at), schedule_id),
        )

    async def delete(self, schedule_id: int) -> None:
        await self.db.execute("DELETE FROM schedules WHERE id = ?", (schedule_id,))

    async def export_person(self, person_id: int) -> dict[str, Any]:
        return {
            "schedules": [
                {
                    "kind": s.kind,
                    "when": dict(s.trigger),
                    "timezone": s.timezone,
                    "details": dict(s.payload),
                    "paused_until": to_db(s.paused_until),
                }
                for s in await self.for_person(person_id)
            ]
        }

    async def erase_person(self, person_id: int) -> None:
        await self.db.execute("DELETE FROM schedules WHERE person_id = ?", (person_id,))
