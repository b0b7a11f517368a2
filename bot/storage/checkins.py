"""Check-ins between a mentor and a peer: the agreement, a change or handover waiting for an
answer, "don't ask me again", and a peer's own history while they keep one.

An answer is held in memory (:class:`InFlight`) from the tap until the peer shares it or keeps
it to themselves, and never written unless they keep a history (moods only) or share it (the
mentor's view keeps the last shared mood, never a note). Nothing here can say that a check-in
went unanswered: there is no column for it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiosqlite

from bot.storage.database import Database
from bot.storage.times import from_db, to_db

PROPOSED = "proposed"
ACTIVE = "active"


@dataclass(frozen=True, slots=True)
class CheckinRow:
    """One mentor–peer check-in. ``plan`` is the agreed time in the peer's own timezone
    (``{"every": "weekly", "day": "mon", "time": "10:00"}``); ``pending_plan`` a new time one
    of them asked for, waiting for the other (``pending_by`` asked)."""

    id: int
    mentor_id: int
    peer_id: int
    status: str
    plan: Mapping[str, str]
    pending_plan: Mapping[str, str] | None = None
    pending_by: int | None = None
    handover_to: int | None = None
    schedule_id: int | None = None
    shared_mood: str | None = None
    shared_at: datetime | None = None

    def other(self, person_id: int) -> int:
        return self.peer_id if person_id == self.mentor_id else self.mentor_id


def _row(r: aiosqlite.Row) -> CheckinRow:
    pending = r["pending_plan"]
    return CheckinRow(
        id=r["id"],
        mentor_id=r["mentor_id"],
        peer_id=r["peer_id"],
        status=r["status"],
        plan=json.loads(r["plan"]),
        pending_plan=json.loads(pending) if pending else None,
        pending_by=r["pending_by"],
        handover_to=r["handover_to"],
        schedule_id=r["schedule_id"],
        shared_mood=r["shared_mood"],
        shared_at=from_db(r["shared_at"]),
    )


@dataclass(slots=True)
class Answer:
    """A check-in answer between the tap and Share / Keep: in memory only."""

    checkin_id: int
    mood: str
    note: str | None = None
    at: datetime | None = None


@dataclass(slots=True)
class InFlight:
    """What people are in the middle of, held only in memory (a restart forgets it, which is
    the point): an answer not yet shared or kept, and who is typing a note or a reply."""

    answers: dict[int, Answer] = field(default_factory=dict)
    #: person id -> ("note", checkin id) or ("reply", checkin id) for their next plain message
    typing: dict[int, tuple[str, int]] = field(default_factory=dict)

    def forget(self, person_id: int) -> None:
        self.answers.pop(person_id, None)
        self.typing.pop(person_id, None)


class CheckinRepository:
    holds = ("checkins", "checkin_declines", "checkin_history_on", "checkin_history")

    def __init__(self, db: Database) -> None:
        self.db = db
        self.in_flight = InFlight()

    # -- the agreement ----------------------------------------------------------------------

    async def propose(
        self, mentor_id: int, peer_id: int, plan: Mapping[str, str], now: datetime
    ) -> int:
        """A new proposal, or a fresh one replacing an earlier unanswered proposal."""
        await self.db.execute(
            "DELETE FROM checkins WHERE mentor_id = ? AND peer_id = ? AND status = ?",
            (mentor_id, peer_id, PROPOSED),
        )
        return await self.db.execute(
            "INSERT INTO checkins(mentor_id, peer_id, status, plan, pending_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (mentor_id, peer_id, PROPOSED, json.dumps(dict(plan)), mentor_id, to_db(now)),
        )

    async def get(self, checkin_id: int) -> CheckinRow | None:
        r = await self.db.fetchone("SELECT * FROM checkins WHERE id = ?", (checkin_id,))
        return None if r is None else _row(r)

    async def between(self, mentor_id: int, peer_id: int) -> CheckinRow | None:
        r = await self.db.fetchone(
            "SELECT * FROM checkins WHERE mentor_id = ? AND peer_id = ?", (mentor_id, peer_id)
        )
        return None if r is None else _row(r)

    async def by_schedule(self, schedule_id: int) -> CheckinRow | None:
        r = await self.db.fetchone("SELECT * FROM checkins WHERE schedule_id = ?", (schedule_id,))
        return None if r is None else _row(r)

    async def as_peer(self, peer_id: int) -> list[CheckinRow]:
        rows = await self.db.fetchall(
            "SELECT * FROM checkins WHERE peer_id = ? ORDER BY id", (peer_id,)
        )
        return [_row(r) for r in rows]

    async def as_mentor(self, mentor_id: int) -> list[CheckinRow]:
        rows = await self.db.fetchall(
            "SELECT * FROM checkins WHERE mentor_id = ? ORDER BY id", (mentor_id,)
        )
        return [_row(r) for r in rows]

    async def involving(self, person_id: int) -> list[CheckinRow]:
        rows = await self.db.fetchall(
            "SELECT * FROM checkins WHERE peer_id = ? OR mentor_id = ? OR handover_to = ?"
            " ORDER BY id",
            (person_id, person_id, person_id),
        )
        return [_row(r) for r in rows]

    async def activate(self, checkin_id: int, plan: Mapping[str, str], schedule_id: int) -> None:
        await self.db.execute(
            "UPDATE checkins SET status = ?, plan = ?, pending_plan = NULL, pending_by = NULL,"
            " schedule_id = ? WHERE id = ?",
            (ACTIVE, json.dumps(dict(plan)), schedule_id, checkin_id),
        )

    async def ask_change(self, checkin_id: int, plan: Mapping[str, str], by: int) -> None:
        await self.db.execute(
            "UPDATE checkins SET pending_plan = ?, pending_by = ? WHERE id = ?",
            (json.dumps(dict(plan)), by, checkin_id),
        )

    async def settle_change(self, checkin_id: int, plan: Mapping[str, str] | None) -> None:
        """The other person answered a change: ``plan`` is the agreed time, or None to keep
        the old one."""
        if plan is None:
            await self.db.execute(
                "UPDATE checkins SET pending_plan = NULL, pending_by = NULL WHERE id = ?",
                (checkin_id,),
            )
        else:
            await self.db.execute(
                "UPDATE checkins SET plan = ?, pending_plan = NULL, pending_by = NULL WHERE id = ?",
                (json.dumps(dict(plan)), checkin_id),
            )

    async def offer_handover(self, checkin_id: int, to: int | None) -> None:
        await self.db.execute("UPDATE checkins SET handover_to = ? WHERE id = ?", (to, checkin_id))

    async def hand_over(self, checkin_id: int, to: int) -> bool:
        """The peer accepted a new mentor; False if that mentor already checks in with them."""
        touched = await self.db.execute_rowcount(
            "UPDATE OR IGNORE checkins SET mentor_id = ?, handover_to = NULL, shared_mood = NULL,"
            " shared_at = NULL WHERE id = ?",
            (to, checkin_id),
        )
        return touched > 0

    async def shared(self, checkin_id: int, mood: str, at: datetime) -> None:
        await self.db.execute(
            "UPDATE checkins SET shared_mood = ?, shared_at = ? WHERE id = ?",
            (mood, to_db(at), checkin_id),
        )

    async def delete(self, checkin_id: int) -> None:
        await self.db.execute("DELETE FROM checkins WHERE id = ?", (checkin_id,))

    # -- don't ask me again -----------------------------------------------------------------

    async def decline_for_good(self, peer_id: int, mentor_id: int) -> None:
        await self.db.execute(
            "INSERT OR IGNORE INTO checkin_declines(peer_id, mentor_id) VALUES (?, ?)",
            (peer_id, mentor_id),
        )

    async def allow_again(self, peer_id: int, mentor_id: int) -> bool:
        """Undo "don't ask me again"; False if the peer had not asked it of this mentor."""
        async with self.db.begin() as conn:
            cur = await conn.execute(
                "DELETE FROM checkin_declines WHERE peer_id = ? AND mentor_id = ?",
                (peer_id, mentor_id),
            )
            return cur.rowcount > 0

    async def declined_mentors(self, peer_id: int) -> list[int]:
        """The mentors this peer asked never to offer again (for the peer's eyes only)."""
        rows = await self.db.fetchall(
            "SELECT mentor_id FROM checkin_declines WHERE peer_id = ? ORDER BY mentor_id",
            (peer_id,),
        )
        return [int(r["mentor_id"]) for r in rows]

    async def declined_for_good(self, peer_id: int, mentor_id: int) -> bool:
        r = await self.db.fetchone(
            "SELECT 1 FROM checkin_declines WHERE peer_id = ? AND mentor_id = ?",
            (peer_id, mentor_id),
        )
        return r is not None

    # -- a peer's own history ---------------------------------------------------------------

    async def keeps_history(self, person_id: int) -> bool:
        r = await self.db.fetchone(
            "SELECT 1 FROM checkin_history_on WHERE person_id = ?", (person_id,)
        )
        return r is not None

    async def set_history(self, person_id: int, on: bool) -> None:
        """Turning history off erases what was kept: off means nothing is held."""
        if on:
            await self.db.execute(
                "INSERT OR IGNORE INTO checkin_history_on(person_id) VALUES (?)", (person_id,)
            )
            return
        await self.db.transaction(
            [
                ("DELETE FROM checkin_history_on WHERE person_id = ?", (person_id,)),
                ("DELETE FROM checkin_history WHERE person_id = ?", (person_id,)),
            ]
        )

    async def remember(self, person_id: int, mood: str, at: datetime) -> bool:
        """Keep a mood in the person's history, only if they keep one; True if kept."""
        touched = await self.db.execute_rowcount(
            "INSERT INTO checkin_history(person_id, mood, at)"
            " SELECT ?, ?, ? WHERE EXISTS"
            " (SELECT 1 FROM checkin_history_on WHERE person_id = ?)",
            (person_id, mood, to_db(at), person_id),
        )
        return touched > 0

    async def history(self, person_id: int) -> list[tuple[str, datetime]]:
        rows = await self.db.fetchall(
            "SELECT mood, at FROM checkin_history WHERE person_id = ? ORDER BY at",
            (person_id,),
        )
        return [(r["mood"], datetime.fromisoformat(r["at"])) for r in rows]

    async def purge_history(self, before: datetime) -> int:
        return await self.db.execute_rowcount(
            "DELETE FROM checkin_history WHERE at < ?", (to_db(before),)
        )

    # -- personal data ----------------------------------------------------------------------

    async def export_person(self, person_id: int) -> dict[str, Any]:
        mine = await self.involving(person_id)
        declined = await self.db.fetchall(
            "SELECT mentor_id FROM checkin_declines WHERE peer_id = ? ORDER BY mentor_id",
            (person_id,),
        )
        return {
            "checkins_with_your_mentors": [
                {
                    "mentor_member_number": c.mentor_id,
                    "status": c.status,
                    "when_your_time": dict(c.plan),
                    "change_asked": dict(c.pending_plan) if c.pending_plan else None,
                    "handover_offered_to": c.handover_to,
                    "last_mood_you_shared": c.shared_mood,
                    "shared_at": to_db(c.shared_at),
                }
                for c in mine
                if c.peer_id == person_id
            ],
            "checkins_you_offer": [
                {
                    "peer_member_number": c.peer_id,
                    "status": c.status,
                    "when_their_time": dict(c.plan),
                }
                for c in mine
                if c.mentor_id == person_id
            ],
            "checkins_offered_to_you_as_new_mentor": [
                {"peer_member_number": c.peer_id} for c in mine if c.handover_to == person_id
            ],
            "checkin_mentors_you_asked_not_to_ask_again": [r["mentor_id"] for r in declined],
            "checkin_history_kept": await self.keeps_history(person_id),
            "checkin_history": [
                {"mood": mood, "at": to_db(at)} for mood, at in await self.history(person_id)
            ],
        }

    async def erase_person(self, person_id: int) -> None:
        self.in_flight.forget(person_id)
        await self.db.transaction(
            [
                (
                    "DELETE FROM checkins WHERE peer_id = ? OR mentor_id = ?",
                    (person_id, person_id),
                ),
                ("UPDATE checkins SET handover_to = NULL WHERE handover_to = ?", (person_id,)),
                (
                    "DELETE FROM checkin_declines WHERE peer_id = ? OR mentor_id = ?",
                    (person_id, person_id),
                ),
                ("DELETE FROM checkin_history_on WHERE person_id = ?", (person_id,)),
                ("DELETE FROM checkin_history WHERE person_id = ?", (person_id,)),
            ]
        )
