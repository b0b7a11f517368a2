"""Deleting delivered outbox rows looks each one up by its id, whatever else is queued: a
backlog for one unreachable chat (attachments included) must not slow every other delivery's
deletion, and only the rows named (id and time) go."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.model import Platform
from bot.outbox import Destination, OutgoingMessage
from bot.storage.database import Database
from bot.storage.outbox import NewItem, OutboxRepository, delete_statement

DEST = Destination(Platform.TELEGRAM, "chat", "1")


async def test_the_deletion_reads_only_the_rows_it_deletes(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    try:
        repo = OutboxRepository(db)
        now = datetime(2026, 11, 30, tzinfo=UTC)
        ids = await repo.add_many([NewItem(DEST, OutgoingMessage(f"m{i}")) for i in range(50)], now)
        stamp = (await repo.queued())[0].created_at
        later = (await repo.queued())[-1].created_at
        assert stamp == later
        sql, params = delete_statement([(ids[0], stamp), (ids[1], stamp), (ids[2], "2020-01-01")])
        with sqlite3.connect(path) as raw:
            plan = " / ".join(r[3] for r in raw.execute(f"EXPLAIN QUERY PLAN {sql}", params))
        assert "SCAN outbox" not in plan, plan
        assert "outbox USING INTEGER PRIMARY KEY" in plan, plan

        # Only rows whose id and time both match go (an id given out again is another message).
        await db.write(sql, params)
        left = [row.id for row in await repo.queued()]
        assert left == ids[2:]
        await repo.delete([(i, stamp) for i in ids[2:4]] + [(ids[4], to_other(stamp))])
        assert [row.id for row in await repo.queued()] == ids[4:]
    finally:
        await db.close()


def to_other(stamp: str) -> str:
    return (datetime.fromisoformat(stamp) + timedelta(seconds=1)).isoformat()
