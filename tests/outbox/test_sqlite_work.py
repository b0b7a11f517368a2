"""What each message costs SQLite: the statements the outbox runs on its thread, counted.

Why counted, not timed: the bot's own CPU per message (``benchmarks/outbox_fanout.py``) is
what these cuts are for, and a time depends on the machine; the number of statements per
message does not. Each statement is a step on aiosqlite's thread that every message pays.
"""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest

from bot.storage.database import Database
from tests.outbox.test_engine import A, B, Scripted, msg, open_outbox


def verbs(statements: list[str]) -> list[str]:
    """Each statement's first word, leaving out the WAL scrub's pragmas (it runs once a
    second whatever is sent). SQLite's trace names a statement again when a subprogram of it
    starts (the DELETE's ``ON DELETE CASCADE`` into ``outbox_parts``): one statement still."""
    run = [text for text, _ in itertools.groupby(statements) if not text.startswith("PRAGMA")]
    return [text.split(None, 1)[0].upper() for text in run]


async def test_a_message_costs_one_statement_to_queue_and_one_to_delete(tmp_path: Path) -> None:
    db, outbox = await open_outbox(tmp_path / "db.sqlite3")
    outbox.register(Scripted())
    await outbox.start()
    warm = await outbox.enqueue(A, msg("warm up"))
    await outbox.settled([warm], timeout=30)
    statements: list[str] = []
    await db.conn.set_trace_callback(statements.append)  # called on SQLite's thread
    sent = await outbox.enqueue(B, msg("hello"))
    [report] = await outbox.settled([sent], timeout=30)
    await db.conn.set_trace_callback(None)
    left = await db.fetchall("SELECT id FROM outbox")
    await outbox.stop()
    await db.close()
    assert report.delivered and left == []
    # No ``SELECT last_insert_rowid()`` after the INSERT: its rowid is read from the cursor.
    assert verbs(statements) == ["INSERT", "DELETE"]


async def test_insert_gives_each_row_its_id_and_lets_go_of_the_lock_on_failure(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    await db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
    first = await db.insert("INSERT INTO t(name) VALUES (?)", ("one",))
    second = await db.insert("INSERT INTO t(name) VALUES (?)", ("two",))
    with pytest.raises(sqlite3.IntegrityError):
        await db.insert("INSERT INTO t(name) VALUES (?)", ("one",))
    third = await db.insert("INSERT INTO t(name) VALUES (?)", ("three",))  # not left waiting
    async with db.batch():
        inside = await db.insert("INSERT INTO t(name) VALUES (?)", ("four",))
    rows = [tuple(r) for r in await db.fetchall("SELECT id, name FROM t ORDER BY id")]
    await db.close()
    assert rows == [(first, "one"), (second, "two"), (third, "three"), (inside, "four")]
    assert first < second < third < inside
