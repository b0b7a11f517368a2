"""Debrief rooms in storage: only that a room exists, who is in it, their pseudonyms, and when it
closes; plus who offered to be a debrief companion.

Nothing anyone says in a room comes here (it lives in memory until delivered). When a room
closes its rows are deleted in the same transaction that adds one to the count of rooms held,
so afterwards only that number says a room ever existed.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage.database import Database
from bot.storage.times import from_db, to_db


@dataclass(frozen=True, slots=True)
class RoomRow:
    id: int
    opener_id: int | None
    closes_at: datetime


@dataclass(frozen=True, slots=True)
class Seat:
    """One person in a room, and the pseudonym they chose for it (None: their own name)."""

    person_id: int
    pseudonym: str | None


class AlreadyInARoom(Exception):
    """The person is in a room already: one room at a time."""


class DebriefRepository:
    holds = ("debrief_rooms", "debrief_participants", "debrief_companions")

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- rooms --------------------------------------------------------------------------------

    async def open(
        self, opener_id: int, pseudonym: str | None, now: datetime, closes_at: datetime
    ) -> int:
        """A new room with its opener in it; AlreadyInARoom if they are in one."""
        try:
            async with self.db.begin() as conn:
                async with conn.execute(
                    "INSERT INTO debrief_rooms(opener_id, opened_at, closes_at) VALUES (?, ?, ?)",
                    (opener_id, to_db(now), to_db(closes_at)),
                ) as cur:
                    room_id = int(cur.lastrowid or 0)
                await conn.execute(
                    "INSERT INTO debrief_participants(room_id, person_id, pseudonym)"
                    " VALUES (?, ?, ?)",
                    (room_id, opener_id, pseudonym),
                )
        except sqlite3.IntegrityError:
            raise AlreadyInARoom from None
        return room_id

    async def room(self, room_id: int) -> RoomRow | None:
        row = await self.db.fetchone(
            "SELECT id, opener_id, closes_at FROM debrief_rooms WHERE id = ?", (room_id,)
        )
        return None if row is None else _room(row)

    async def rooms(self) -> list[RoomRow]:
        rows = await self.db.fetchall("SELECT id, opener_id, closes_at FROM debrief_rooms")
        return [_room(r) for r in rows]

    async def set_closes_at(self, room_id: int, closes_at: datetime) -> None:
        await self.db.execute(
            "UPDATE debrief_rooms SET closes_at = ? WHERE id = ?", (to_db(closes_at), room_id)
        )

    async def close(self, room_id: int) -> bool:
        """Forget the room and everyone in it; count it. False if it was already closed."""
        async with self.db.begin() as conn:
            async with conn.execute("DELETE FROM debrief_rooms WHERE id = ?", (room_id,)) as cur:
                gone = cur.rowcount
            if gone:
                await conn.execute("UPDATE debrief_tally SET rooms_held = rooms_held + 1")
        return bool(gone)

    async def rooms_held(self) -> int:
        row = await self.db.fetchone("SELECT rooms_held FROM debrief_tally WHERE id = 1")
        return 0 if row is None else int(row["rooms_held"])

    # -- people in rooms ----------------------------------------------------------------------

    async def join(self, room_id: int, person_id: int, pseudonym: str | None) -> None:
        """AlreadyInARoom if they are in a room (this one or another)."""
        try:
            await self.db.execute(
                "INSERT INTO debrief_participants(room_id, person_id, pseudonym) VALUES (?, ?, ?)",
                (room_id, person_id, pseudonym),
            )
        except sqlite3.IntegrityError:
            raise AlreadyInARoom from None

    async def leave(self, room_id: int, person_id: int) -> bool:
        gone = await self.db.execute_rowcount(
            "DELETE FROM debrief_participants WHERE room_id = ? AND person_id = ?",
            (room_id, person_id),
        )
        return gone == 1

    async def seats(self, room_id: int) -> list[Seat]:
        rows = await self.db.fetchall(
            "SELECT person_id, pseudonym FROM debrief_participants WHERE room_id = ?"
            " ORDER BY rowid",
            (room_id,),
        )
        return [Seat(r["person_id"], r["pseudonym"]) for r in rows]

    async def room_of(self, person_id: int) -> int | None:
        row = await self.db.fetchone(
            "SELECT room_id FROM debrief_participants WHERE person_id = ?", (person_id,)
        )
        return None if row is None else int(row["room_id"])

    # -- companions ---------------------------------------------------------------------------

    async def set_companion(self, person_id: int, on: bool, now: datetime) -> None:
        if on:
            await self.db.execute(
                "INSERT INTO debrief_companions(person_id, since) VALUES (?, ?)"
                " ON CONFLICT(person_id) DO NOTHING",
                (person_id, to_db(now)),
            )
        else:
            await self.db.execute(
                "DELETE FROM debrief_companions WHERE person_id = ?", (person_id,)
            )

    async def is_companion(self, person_id: int) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM debrief_companions WHERE person_id = ?", (person_id,)
        )
        return row is not None

    async def companions(self) -> list[int]:
        """Companions who are members and in no room now, longest-standing first."""
        rows = await self.db.fetchall(
            "SELECT c.person_id FROM debrief_companions c"
            " JOIN roles r ON r.person_id = c.person_id AND r.role = 'peer'"
            " WHERE c.person_id NOT IN (SELECT person_id FROM debrief_participants)"
            " ORDER BY c.since, c.person_id"
        )
        return [int(r["person_id"]) for r in rows]

    # -- personal data ------------------------------------------------------------------------

    async def export_person(self, person_id: int) -> dict[str, Any]:
        """Their own seat and pseudonym only: who else is in the room, and under which
        pseudonym, is never part of anyone else's export."""
        found: dict[str, Any] = {
            "debrief_companion": "on" if await self.is_companion(person_id) else "off"
        }
        row = await self.db.fetchone(
            "SELECT p.pseudonym, r.closes_at FROM debrief_participants p"
            " JOIN debrief_rooms r ON r.id = p.room_id WHERE p.person_id = ?",
            (person_id,),
        )
        if row is not None:
            found["debrief_room"] = {
                "your_pseudonym": row["pseudonym"],
                "closes_if_quiet_at": row["closes_at"],
            }
        return found

    async def erase_person(self, person_id: int) -> None:
        await self.db.transaction(
            [
                ("DELETE FROM debrief_participants WHERE person_id = ?", (person_id,)),
                ("DELETE FROM debrief_companions WHERE person_id = ?", (person_id,)),
                ("UPDATE debrief_rooms SET opener_id = NULL WHERE opener_id = ?", (person_id,)),
            ]
        )


def _room(row: Any) -> RoomRow:
    closes = from_db(row["closes_at"])
    assert closes is not None
    return RoomRow(int(row["id"]), row["opener_id"], closes)
