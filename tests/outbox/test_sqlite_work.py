"""What each message costs SQLite: the statements the outbox runs on its thread, counted.

Why counted, not timed: the bot's own CPU per message (``benchmarks/outbox_fanout.py``) is
what these cuts are for, and a time depends on the machine; the number of statements per
message does not. Each statement is a step on aiosqlite's thread that every message pays.
"""

from __future__ import annotations

from pathlib import Path

from tests.outbox.test_engine import A, B, Scripted, msg, open_outbox


def verbs(statements: list[str]) -> list[str]:
    """Each traced statement's first word, every one kept (a statement run twice shows
    twice), leaving out the WAL scrub's pragmas (it runs once a second whatever is sent)."""
    return [text.split(None, 1)[0].upper() for text in statements if not text.startswith("PRAGMA")]


async def test_a_message_costs_one_statement_to_queue_and_one_to_delete(tmp_path: Path) -> None:
    db, outbox = await open_outbox(tmp_path / "db.sqlite3")
    try:
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
    finally:
        await outbox.stop()
        await db.close()
    assert report.delivered and left == []
    # No ``SELECT last_insert_rowid()`` after the INSERT: its rowid is read from the cursor.
    # The DELETE shows twice: SQLite's trace names a statement again when a subprogram of it
    # starts (its ``ON DELETE CASCADE`` into ``outbox_parts``); a DELETE run twice would
    # show three times.
    assert verbs(statements) == ["INSERT", "DELETE", "DELETE"]
