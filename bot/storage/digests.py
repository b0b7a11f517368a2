"""The weekly digest: who asked for it, and when each content item was first seen.

``content_seen`` names no person: it lets a digest say exactly what was added since the last
one. ``digests`` holds only that a person wants the digest and when their last one went out;
nothing about what anyone read or searched is kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage.database import Database
from bot.storage.times import from_db, to_db


@dataclass(frozen=True, slots=True)
class DigestRow:
    person_id: int
    schedule_id: int
    since: datetime


class DigestRepository:
    holds = ("digests", "content_seen")

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- content first seen -----------------------------------------------------------------

    async def record_seen(self, kind: str, item_ids: Iterable[str], now: datetime) -> None:
        """Remember items not seen before as new from ``now``; known ones keep their date."""
        await self.db.executemany(
            "INSERT OR IGNORE INTO content_seen(kind, item_id, first_seen) VALUES (?, ?, ?)",
            [(kind, item_id, to_db(now)) for item_id in item_ids],
        )

    async def added_since(self, kind: str, since: datetime) -> set[str]:
        rows = await self.db.fetchall(
            "SELECT item_id FROM content_seen WHERE kind = ? AND first_seen > ?",
            (kind, to_db(since)),
        )
        return {r["item_id"] for r in rows}

    # -- who wants the digest ---------------------------------------------------------------

    async def get(self, person_id: int) -> DigestRow | None:
        row = await self.db.fetchone(
            "SELECT person_id, schedule_id, since FROM digests WHERE person_id = ?", (person_id,)
        )
        if row is None:
            return None
        since = from_db(row["since"])
        assert since is not None
        return DigestRow(row["person_id"], row["schedule_id"], since)

    async def subscribe(self, person_id: int, schedule_id: int, now: datetime) -> bool:
        """False if they were already subscribed (say, two taps at once): keep the first."""
        added = await self.db.execute_rowcount(
            "INSERT INTO digests(person_id, schedule_id, since, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(person_id) DO NOTHING",
            (person_id, schedule_id, to_db(now), to_db(now)),
        )
        return added == 1

    async def mark_sent(self, person_id: int, at: datetime) -> None:
        await self.db.execute(
            "UPDATE digests SET since = ? WHERE person_id = ?", (to_db(at), person_id)
        )

    async def unsubscribe(self, person_id: int) -> None:
        await self.db.execute("DELETE FROM digests WHERE person_id = ?", (person_id,))

    # -- personal data ----------------------------------------------------------------------

    async def export_person(self, person_id: int) -> dict[str, Any]:
        row = await self.get(person_id)
        if row is None:
            return {"weekly_digest": "off"}
        return {"weekly_digest": "on", "digest_covers_additions_since": to_db(row.since)}

    async def erase_person(self, person_id: int) -> None:
        await self.db.execute("DELETE FROM digests WHERE person_id = ?", (person_id,))
