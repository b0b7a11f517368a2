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
    next_due: datetime | None = None


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
        next_due=from_db(r["next_due"]),
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
        next_due: datetime | None = None,
    ) -> ScheduleRow:
        new_id = await self.db.execute(
            "INSERT INTO schedules(kind, person_id, target, trigger, timezone, payload,"
            " created_at, next_due) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                kind,
                person_id,
                target,
                json.dumps(dict(trigger), sort_keys=True),
                timezone,
                json.dumps(dict(payload or {}), sort_keys=True),
                to_db(now),
                to_db(next_due),
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

    # -- due times (kept by the scheduler; see bot/scheduler.py) ----------------------------

    async def set_next_due(self, schedule_id: int, due: datetime | None) -> None:
        await self.db.execute(
            "UPDATE schedules SET next_due = ? WHERE id = ?", (to_db(due), schedule_id)
        )

    async def next_dues(self) -> dict[int, str]:
        """Every schedule's next due moment as stored text (parsed only when asked for): one
        indexed read at start instead of building every trigger."""
        rows = await self.db.fetchall(
            "SELECT id, next_due FROM schedules WHERE next_due IS NOT NULL"
        )
        return {r[0]: r[1] for r in rows}

    async def without_next_due(self, limit: int, after_id: int = 0) -> list[ScheduleRow]:
        """Schedules made before due times were kept (filled in once, at the first start); a
        one-off already waiting for the end of quiet hours needs none."""
        rows = await self.db.fetchall(
            "SELECT * FROM schedules WHERE id > ? AND next_due IS NULL"
            " AND (deferred_to IS NULL OR trigger NOT LIKE '{\"at\":%') ORDER BY id LIMIT ?",
            (after_id, limit),
        )
        return [_row(r) for r in rows]

    async def due(self, now: datetime, limit: int, after_id: int = 0) -> list[ScheduleRow]:
        """Schedules whose timer or deferred run is due at ``now``, oldest first, a batch at a
        time (``after_id``: continue past rows already handled in this round)."""
        stamp = to_db(now)
        rows = await self.db.fetchall(
            # Through the two indexes (a plain OR here would walk the whole table by id).
            "SELECT * FROM schedules WHERE id IN (SELECT id FROM schedules WHERE next_due <= ?"
            " UNION SELECT id FROM schedules WHERE deferred_to <= ?) AND id > ?"
            " ORDER BY id LIMIT ?",
            (stamp, stamp, after_id, limit),
        )
        return [_row(r) for r in rows]

    async def count_due(self, now: datetime) -> int:
        stamp = to_db(now)
        row = await self.db.fetchone(
            "SELECT count(*) FROM schedules WHERE next_due <= ? OR deferred_to <= ?",
            (stamp, stamp),
        )
        return 0 if row is None else int(row[0])

    async def earliest(self) -> datetime | None:
        """The soonest moment anything is due (timer or deferred run)."""
        row = await self.db.fetchone(
            "SELECT min((SELECT min(next_due) FROM schedules),"
            " coalesce((SELECT min(deferred_to) FROM schedules), '9999'))"
        )
        return None if row is None or row[0] in (None, "9999") else from_db(row[0])

    async def settle(
        self,
        *,
        next_due: list[tuple[int, datetime | None]],
        fired: list[tuple[int, datetime]],
        deferred: list[tuple[int, datetime | None]],
        deleted: list[int],
    ) -> None:
        """A batch's outcome in one transaction: new due times, runs made, deferrals to the
        end of quiet hours, and one-offs done with."""
        # A row that both ran and moves on to its next time (nearly every row of a burst) is
        # one update: the two touch different columns, so together they are the same.
        ran, moved = dict(fired), dict(next_due)
        both = [(to_db(d), to_db(ran[i]), i) for i, d in next_due if i in ran]
        statements: list[tuple[str, list[tuple[Any, ...]]]] = [
            (
                "UPDATE schedules SET next_due = ?, last_fired_at = ?, deferred_to = NULL"
                " WHERE id = ?",
                both,
            ),
            (
                "UPDATE schedules SET next_due = ? WHERE id = ?",
                [(to_db(d), i) for i, d in next_due if i not in ran],
            ),
            (
                "UPDATE schedules SET last_fired_at = ?, deferred_to = NULL WHERE id = ?",
                [(to_db(at), i) for i, at in fired if i not in moved],
            ),
            (
                "UPDATE schedules SET deferred_to = ? WHERE id = ?",
                [(to_db(t), i) for i, t in deferred],
            ),
            ("DELETE FROM schedules WHERE id = ?", [(i,) for i in deleted]),
        ]
        # Only the kinds of change the batch has: each statement is a trip to SQLite's thread,
        # made while the batch holds the write lock (a command's answer waits for it).
        async with self.db.begin() as conn:
            for sql, rows in statements:
                if rows:
                    await conn.executemany(sql, rows)

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
