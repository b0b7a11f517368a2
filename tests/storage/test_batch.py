"""A batch transaction: one task's many small writes commit together; others wait for it."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.storage.database import Database


async def count(db: Database) -> int:
    row = await db.fetchone("SELECT count(*) FROM schema_migrations WHERE name LIKE 'x%'")
    assert row is not None
    return int(row[0])


async def test_writes_in_a_batch_commit_together_and_others_wait(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    sql = "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, 'now')"
    try:
        inside = asyncio.Event()
        order: list[str] = []

        async def other() -> None:
            await inside.wait()
            await db.execute(sql, (9002, "x-other"))
            order.append("other")

        task = asyncio.create_task(other())
        async with db.batch():
            await db.execute(sql, (9000, "x-a"))
            async with db.begin() as conn:  # a nested transaction is a savepoint
                await conn.execute(sql, (9001, "x-b"))
            inside.set()
            await asyncio.sleep(0.05)  # give the other task every chance to cut in
            order.append("batch")
        await task
        assert order == ["batch", "other"]
        assert await count(db) == 3
    finally:
        await db.close()


async def test_a_failed_batch_leaves_nothing(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    sql = "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, 'now')"
    try:
        with pytest.raises(RuntimeError):
            async with db.batch():
                await db.execute(sql, (9000, "x-a"))
                raise RuntimeError("boom")
        assert await count(db) == 0
        async with db.batch():
            await db.execute(sql, (9000, "x-a"))
            with pytest.raises(RuntimeError):
                async with db.begin() as conn:
                    await conn.execute(sql, (9001, "x-b"))
                    raise RuntimeError("only this part")
        assert await count(db) == 1
    finally:
        await db.close()


async def test_a_batch_that_has_not_written_yet_keeps_no_one_waiting(tmp_path: Path) -> None:
    """A batch begins its transaction with its first write: while it is still reading and
    working out what to write, another task's write goes through at once (a command's
    answer is not held up by a burst that is still preparing)."""
    db = await Database.open(tmp_path / "db.sqlite3")
    sql = "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, 'now')"
    try:
        order: list[str] = []

        async def other() -> None:
            await db.execute(sql, (9002, "x-other"))
            order.append("other")

        async with asyncio.timeout(30):  # a safety net: an eager BEGIN would wait forever
            async with db.batch():
                assert await count(db) == 0  # reading first
                async with db.part():
                    await asyncio.create_task(other())  # done before the batch writes
                    await db.execute(sql, (9000, "x-a"))
                order.append("batch")
        assert order == ["other", "batch"]
        assert await count(db) == 2
    finally:
        await db.close()


async def test_a_failed_part_undoes_only_its_own_writes(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    sql = "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, 'now')"
    try:
        async with db.batch():
            with pytest.raises(RuntimeError):
                async with db.part():  # the batch's first write is inside it
                    await db.execute(sql, (9000, "x-a"))
                    raise RuntimeError("this part only")
            with pytest.raises(RuntimeError):
                async with db.part():  # failed before writing anything
                    raise RuntimeError("nothing written")
            async with db.part(), db.part():
                await db.execute(sql, (9001, "x-b"))
            await db.execute(sql, (9002, "x-c"))
            with pytest.raises(RuntimeError):
                async with db.part():
                    async with db.begin() as conn:
                        await conn.execute(sql, (9003, "x-d"))
                    raise RuntimeError("undone with what it wrote through begin")
        rows = await db.fetchall(
            "SELECT name FROM schema_migrations WHERE name LIKE 'x%' ORDER BY name"
        )
        assert [r["name"] for r in rows] == ["x-b", "x-c"]
        async with db.part():  # outside a batch: a transaction of its own
            await db.execute(sql, (9004, "x-e"))
        assert await count(db) == 3
    finally:
        await db.close()


@pytest.mark.parametrize("how", ["insert", "write", "write_returning"])
async def test_a_write_that_fails_inside_a_batch_tells_the_rollback_listeners(
    tmp_path: Path, how: str
) -> None:
    """A single-statement write joined to a batch has no savepoint of its own, and its caller
    may go on after it fails (the outbox sends from memory when the disk is full). SQLite may
    have undone the whole transaction with it (here a trigger does, as a full disk may): what
    was cached about rows written earlier in the batch (a button's row) must be forgotten
    at once, not only when the batch ends."""
    db = await Database.open(tmp_path / "db.sqlite3")
    sql = "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, 'now')"
    told: list[int] = []
    db.on_rollback(lambda: told.append(1))
    await db.conn.execute(
        "CREATE TEMP TRIGGER undo BEFORE INSERT ON schema_migrations WHEN NEW.name = 'x-undo'"
        " BEGIN SELECT RAISE(ROLLBACK, 'the whole transaction is undone'); END"
    )
    failing = {
        "insert": lambda: db.insert(sql, (9001, "x-undo")),
        "write": lambda: db.write(sql, (9001, "x-undo")),
        "write_returning": lambda: db.write_returning(sql + " RETURNING version", (9001, "x-undo")),
    }[how]
    try:
        told_at_failure: list[int] = []
        with pytest.raises(sqlite3.OperationalError):  # the batch's COMMIT: nothing to commit
            async with db.batch():
                await db.execute(sql, (9000, "x-a"))
                with pytest.raises(sqlite3.IntegrityError):
                    await failing()
                told_at_failure = list(told)  # the caller goes on, as the outbox's would
        assert told_at_failure == [1]
        assert await count(db) == 0
    finally:
        await db.close()
