"""``Database.insert`` and ``Database.write``: the row ids the outbox keeps for each queued
reply, and the write lock given back when a statement fails (or every later write would
wait for ever: nothing could be queued or deleted again)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.storage.database import Database


def lock_is_free(db: Database) -> bool:
    return not db._write.locked() and db._holder is None


async def test_insert_gives_each_row_its_id_and_lets_go_of_the_lock_on_failure(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        await db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
        first = await db.insert("INSERT INTO t(name) VALUES (?)", ("one",))
        second = await db.insert("INSERT INTO t(name) VALUES (?)", ("two",))
        with pytest.raises(sqlite3.IntegrityError):
            await db.insert("INSERT INTO t(name) VALUES (?)", ("one",))
        assert lock_is_free(db)
        # Not left waiting (the timeout is only a safety net, should the lock leak).
        third = await asyncio.wait_for(
            db.insert("INSERT INTO t(name) VALUES (?)", ("three",)), timeout=60
        )
        async with db.batch():
            inside = await db.insert("INSERT INTO t(name) VALUES (?)", ("four",))
        rows = [tuple(r) for r in await db.fetchall("SELECT id, name FROM t ORDER BY id")]
    finally:
        await db.close()
    assert rows == [(first, "one"), (second, "two"), (third, "three"), (inside, "four")]
    assert first < second < third < inside


async def test_a_failed_write_lets_go_of_the_lock(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        await db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
        await db.insert("INSERT INTO t(name) VALUES (?)", ("one",))
        await db.insert("INSERT INTO t(name) VALUES (?)", ("two",))
        with pytest.raises(sqlite3.IntegrityError):
            await db.write("UPDATE t SET name = 'one' WHERE name = 'two'")
        assert lock_is_free(db)
        await asyncio.wait_for(db.write("DELETE FROM t WHERE name = ?", ("one",)), timeout=60)
        names = [r[0] for r in await db.fetchall("SELECT name FROM t")]
    finally:
        await db.close()
    assert names == ["two"]
