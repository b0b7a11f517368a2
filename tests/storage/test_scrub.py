"""Scrubbing the WAL without holding up writes: delivered text still leaves every database
file, and a command's answer is queued while the WAL is being copied into the main file."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.core.model import Platform
from bot.outbox import Destination, OutgoingMessage
from bot.outbox import journal as journal_module
from bot.storage.database import AUTOCHECKPOINT_PAGES, Database
from bot.storage.outbox import NewItem, OutboxRepository
from tests.outbox.test_engine import Scripted, disk_bytes, open_outbox

NOW = datetime(2026, 11, 29, 22, 0, tzinfo=UTC)
A = Destination(Platform.TELEGRAM, "user", "1")
MARKER = "MARKER-5e0b what I told my peer about last night"


async def deliver_and_delete(db: Database, text: str) -> None:
    """Queue a message and delete its row, as the outbox does once it is delivered."""
    repo = OutboxRepository(db)
    [row_id] = await repo.add_many([NewItem(A, OutgoingMessage(text))], NOW)
    [queued] = [r for r in await repo.queued() if r.id == row_id]
    await repo.delete([(row_id, queued.created_at)])


async def until_scrubbed(tmp_path: Path, delivered: Callable[[], bool]) -> None:
    """Wait until the message is delivered and its text is in no database file, while the
    outbox still runs (closing the database scrubs in any case); it ends as soon as that is
    so, and fails the test if it is not so within 30 s (a safety net only)."""
    for _ in range(600):
        if delivered() and MARKER.encode() not in disk_bytes(tmp_path):
            return
        await asyncio.sleep(0.05)
    pytest.fail("the delivered text was still in a database file after 30 s")


async def send_marker(
    tmp_path: Path,
    *,
    opened: Callable[[], None] = lambda: None,
    also: Callable[[], bool] = lambda: True,
) -> list[str]:
    """Send the marker through an outbox on a fake platform and wait until it is delivered,
    ``also`` holds and its text is in no database file, before the outbox stops (the test
    fails otherwise); what the platform was sent. ``opened`` runs once the database is open,
    before the outbox starts."""
    db, outbox = await open_outbox(tmp_path / "db.sqlite3")
    opened()
    platform = Scripted()
    outbox.register(platform)
    await outbox.start()
    try:
        await outbox.enqueue(A, OutgoingMessage(MARKER))
        await until_scrubbed(tmp_path, lambda: bool(platform.sent[A]) and also())
    finally:
        await outbox.stop()
        await db.close()
    return list(platform.sent[A])


class HeldCheckpoint:
    """Holds the scrub's own connection at its checkpoint until released: ``before`` holds it
    before the copying starts, otherwise after the copying is done."""

    def __init__(self, db: Database, *, before: bool) -> None:
        assert db._aside is not None  # opened by a first scrub
        self.reached = asyncio.Event()
        self.release = asyncio.Event()
        real: Callable[..., Awaitable[Any]] = db._aside.execute_fetchall

        async def held(sql: str, *args: Any) -> Any:
            if before:
                self.reached.set()
                await self.release.wait()
            rows = await real(sql, *args)
            if not before:
                self.reached.set()
                await self.release.wait()
            return rows

        db._aside.execute_fetchall = held  # type: ignore[method-assign]


async def test_delivered_text_leaves_every_file_when_scrubbed_aside(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        await deliver_and_delete(db, MARKER)
        assert MARKER.encode() in disk_bytes(tmp_path)  # the WAL still holds the row
        assert await db.scrub_aside() is True
        assert MARKER.encode() not in disk_bytes(tmp_path)
    finally:
        await db.close()


async def test_an_answer_is_written_while_the_wal_is_copied_aside(tmp_path: Path) -> None:
    """The copying (and its fsyncs, 20 to 330 ms on a busy machine) no longer holds up a write
    such as queueing someone's /crisis answer; the scrub then says it must try again."""
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        await db.scrub_aside()
        await deliver_and_delete(db, MARKER)
        held = HeldCheckpoint(db, before=True)
        scrub = asyncio.create_task(db.scrub_aside())
        try:
            await asyncio.wait_for(held.reached.wait(), 30)
            repo = OutboxRepository(db)
            answer = NewItem(A, OutgoingMessage("an answer"))
            await asyncio.wait_for(repo.add_many([answer], NOW), 30)
            assert not scrub.done()  # the answer was written while the copying was held
        finally:
            held.release.set()
        assert await scrub is False  # a write overlapped the copying: not cleared yet
        assert await db.scrub_aside() is True  # the next round clears it
        assert MARKER.encode() not in disk_bytes(tmp_path)
        assert [r.message.text for r in await repo.queued()] == ["an answer"]
    finally:
        await db.close()


async def test_a_scrub_begun_during_a_write_waits_for_it_and_clears_the_wal(
    tmp_path: Path,
) -> None:
    """A round that begins while a write is under way (the next message being queued) waits
    for its commit instead of copying a WAL that write is still growing, and clears it."""
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        await db.scrub_aside()
        await deliver_and_delete(db, MARKER)
        async with db.begin() as conn:
            await conn.execute("DELETE FROM outbox")
            scrub = asyncio.create_task(db.scrub_aside())
            for _ in range(100):  # a safety net only: it ends once the scrub waits
                if db._write._waiters:
                    break
                await asyncio.sleep(0)
            assert db._write._waiters  # the scrub waits for this write to commit
            assert not scrub.done()
        assert await scrub is True
        assert MARKER.encode() not in disk_bytes(tmp_path)
    finally:
        await db.close()


async def test_a_round_that_a_write_overlapped_clears_the_wal_without_waiting_for_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While messages go out, the next one is often queued during the copying: the outbox
    copies again at once (only that write's frames are new), so the delivered text is gone
    within the same round, not a round later. The next round is an hour away here: only the
    first one can clear it."""
    monkeypatch.setattr(journal_module, "SCRUB_EVERY", 3600.0)
    monkeypatch.setattr(journal_module, "SCRUB_AT_LATEST", 7200.0)
    real = Database._checkpoint_aside
    overlapped: list[bool] = []

    async def overlapping(self: Database) -> bool:
        if not overlapped:  # the first copying meets a write, as a message queued meanwhile
            overlapped.append(True)
            await OutboxRepository(self).add_many([NewItem(A, OutgoingMessage("next"))], NOW)
        return await real(self)

    monkeypatch.setattr(Database, "_checkpoint_aside", overlapping)
    db, outbox = await open_outbox(tmp_path / "db.sqlite3")
    platform = Scripted()
    outbox.register(platform)
    await outbox.start()
    try:
        await outbox.enqueue(A, OutgoingMessage(MARKER))
        await until_scrubbed(tmp_path, lambda: bool(platform.sent[A]) and bool(overlapped))
        assert overlapped == [True]
        assert platform.sent[A] == [MARKER]
        assert MARKER.encode() not in disk_bytes(tmp_path)  # before the scrub at close
    finally:
        await outbox.stop()
        await db.close()


async def test_the_first_write_after_the_copying_starts_the_wal_again(tmp_path: Path) -> None:
    """Once every frame is in the main file, the next write overwrites the WAL from the top and
    is cut back to itself at its commit: the deleted text is gone from the WAL without a
    truncation that holds up writes."""
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        await db.scrub_aside()
        filler = [NewItem(A, OutgoingMessage("still queued " * 100)) for _ in range(100)]
        await OutboxRepository(db).add_many(filler, NOW)  # the marker's frames come later
        await deliver_and_delete(db, MARKER)
        held = HeldCheckpoint(db, before=False)
        scrub = asyncio.create_task(db.scrub_aside())
        try:
            await asyncio.wait_for(held.reached.wait(), 30)
            assert MARKER.encode() in disk_bytes(tmp_path)  # copied, but still in the WAL
            await OutboxRepository(db).add_many([NewItem(A, OutgoingMessage("later"))], NOW)
            assert MARKER.encode() not in disk_bytes(tmp_path)
        finally:
            held.release.set()
            await scrub
    finally:
        await db.close()


async def test_a_wal_that_writes_keep_overlapping_is_still_scrubbed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If every scrub aside meets a write (a long busy spell), the outbox scrubs the way that
    holds up writes once the WAL has not been cleared for ``SCRUB_AT_LATEST`` seconds."""
    monkeypatch.setattr(journal_module, "SCRUB_AT_LATEST", 0.5)

    async def never_clear(self: Database) -> bool:
        return False

    monkeypatch.setattr(Database, "scrub_aside", never_clear)
    sent = await send_marker(tmp_path)
    assert sent == [MARKER]
    assert MARKER.encode() not in disk_bytes(tmp_path)


async def test_delivered_text_is_scrubbed_even_if_the_scrubs_connection_fails_to_open_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening the scrub's own connection can fail (too many open files): that round is tried
    again, and the delivered text still leaves every database file."""
    from bot.storage import database as database_module

    real = database_module.aiosqlite.connect
    fails = [sqlite3.OperationalError("unable to open database file")]

    def connect(*args: Any, **kwargs: Any) -> Any:
        if fails:
            raise fails.pop()
        return real(*args, **kwargs)

    sent = await send_marker(
        tmp_path,
        opened=lambda: monkeypatch.setattr(database_module.aiosqlite, "connect", connect),
        also=lambda: not fails,
    )
    assert fails == []  # the failing open did happen
    assert sent == [MARKER]
    assert MARKER.encode() not in disk_bytes(tmp_path)


async def test_no_handle_on_the_file_outlives_close_when_a_scrub_is_cancelled_while_opening(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shutdown can cancel a scrub while it opens its own connection: that connection is
    closed too, so nothing keeps the database file open after the bot stops."""
    from bot.storage import database as database_module

    opened: list[Any] = []
    gate = asyncio.Event()
    real = database_module.aiosqlite.connect

    async def slow_connect(*args: Any, **kwargs: Any) -> Any:
        await gate.wait()
        conn = await real(*args, **kwargs)
        opened.append(conn)
        return conn

    db = await Database.open(tmp_path / "db.sqlite3")
    await deliver_and_delete(db, MARKER)
    monkeypatch.setattr(database_module.aiosqlite, "connect", slow_connect)
    scrub = asyncio.ensure_future(db.scrub_aside())
    await asyncio.sleep(0)
    scrub.cancel()
    gate.set()
    with pytest.raises(asyncio.CancelledError):
        await scrub
    await db.close()
    for _ in range(200):  # a safety net only: it ends once the late connection is closed
        if opened and opened[0]._connection is None:
            break
        await asyncio.sleep(0.05)
    assert opened and opened[0]._connection is None


async def test_a_message_queued_and_delivered_writes_three_pages_to_the_wal(
    tmp_path: Path,
) -> None:
    """Each page a message writes is copied and cut away again by the scrub every second: the
    row when queued, the row again when deleted, and the id counter (an index on the outbox
    would add two pages each time; migration 0026 dropped them). A person with queued
    messages is still found without them (/forgetme)."""
    db = await Database.open(tmp_path / "pages.sqlite3")
    try:
        await db.execute("PRAGMA wal_autocheckpoint=0")  # only this test's frames in the WAL
        await db.scrub()
        repo = OutboxRepository(db)
        for n in range(10):
            await deliver_and_delete(db, f"{MARKER} {n}")
        frames = await db.fetchone("PRAGMA wal_checkpoint(PASSIVE)")
        assert frames is not None and frames[1] == 10 * 3
        indexes = await db.fetchall("PRAGMA index_list(outbox)")
        assert indexes == []
        await db.execute(
            "INSERT INTO people(id, created_at) VALUES (7, '2026-11-29T22:00:00+00:00')"
        )
        await repo.add_many([NewItem(A, OutgoingMessage(MARKER), person_id=7)], NOW)
        assert (await repo.export_person(7))["messages_waiting_to_reach_you"] == 1
        await repo.erase_person(7)
        assert await repo.queued() == []
    finally:
        await db.close()


class Reader:
    """Another connection holding a read snapshot taken before the marker was written: the
    checkpoint may not copy the frames after it, so no scrub aside can clear the WAL."""

    def __init__(self, path: Path) -> None:
        self.conn: sqlite3.Connection | None = None
        self.path = path

    def hold(self) -> None:
        self.conn = sqlite3.connect(self.path, isolation_level=None)
        self.conn.execute("BEGIN")
        self.conn.execute("SELECT count(*) FROM outbox").fetchall()

    def let_go(self) -> None:
        if self.conn is not None:
            self.conn.close()


@pytest.mark.parametrize("cause", ["the scrub's connection cannot open", "a reader holds"])
async def test_a_scrub_aside_that_no_write_overlapped_is_not_tried_again_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cause: str
) -> None:
    """Only a try that a write overlapped can succeed at once when tried again: one that
    failed otherwise (its connection did not open, a reader's snapshot held frames back) is
    tried once a round, not three times (three connection opens or checkpoints for nothing).
    The next round is an hour away here: only the first one is counted."""
    from bot.storage import database as database_module

    monkeypatch.setattr(journal_module, "SCRUB_EVERY", 3600.0)
    monkeypatch.setattr(journal_module, "SCRUB_AT_LATEST", 7200.0)
    real = Database.scrub_aside
    begun: list[None] = []
    tries: list[bool] = []
    ended = asyncio.Event()

    async def counted(self: Database) -> bool:
        begun.append(None)
        done = await real(self)
        tries.append(done)
        ended.set()
        return done

    def cannot_open(*args: Any, **kwargs: Any) -> Any:
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(Database, "scrub_aside", counted)
    reader = Reader(tmp_path / "db.sqlite3")
    db, outbox = await open_outbox(tmp_path / "db.sqlite3")
    if cause == "a reader holds":
        reader.hold()
    else:
        monkeypatch.setattr(database_module.aiosqlite, "connect", cannot_open)
    platform = Scripted()
    outbox.register(platform)
    await outbox.start()
    try:
        await outbox.enqueue(A, OutgoingMessage(MARKER))
        await asyncio.wait_for(ended.wait(), 30)  # a safety net only
        # A try again would have begun in the same step as the first try's end, before this.
        assert len(begun) == 1
        assert tries == [False]
        assert platform.sent[A] == [MARKER]
    finally:
        reader.let_go()
        await outbox.stop()
        await db.close()
    assert MARKER.encode() not in disk_bytes(tmp_path)


async def test_text_delivered_during_a_scrub_is_scrubbed_in_the_same_round(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A delivery that finishes while the WAL is being copied has its row deleted between two
    tries of that round (deletions wait only for the try under way), and the next tries copy
    the deletion too: its text leaves every file within the same round. The next round is an
    hour away here: only the first one can clear it."""
    monkeypatch.setattr(journal_module, "SCRUB_EVERY", 3600.0)
    monkeypatch.setattr(journal_module, "SCRUB_AT_LATEST", 7200.0)
    real_delivered = journal_module.Journal.delivered
    delivered: list[str] = []
    marker_delivered = asyncio.Event()

    def noting(self: journal_module.Journal, entries: list[Any], then: Any = None) -> None:
        real_delivered(self, entries, then)
        delivered.extend(e.message.text for e in entries)
        if MARKER in delivered:
            marker_delivered.set()

    monkeypatch.setattr(journal_module.Journal, "delivered", noting)
    real_checkpoint = Database._checkpoint_aside
    during: list[bool] = []

    db, outbox = await open_outbox(tmp_path / "db.sqlite3")
    platform = Scripted()

    async def delivering_meanwhile(self: Database) -> bool:
        if not during:  # the round's first try: the marker is queued and delivered meanwhile
            during.append(True)
            await outbox.enqueue(A, OutgoingMessage(MARKER))
            await asyncio.wait_for(marker_delivered.wait(), 30)  # a safety net only
        return await real_checkpoint(self)

    monkeypatch.setattr(Database, "_checkpoint_aside", delivering_meanwhile)
    outbox.register(platform)
    await outbox.start()
    try:
        await outbox.enqueue(A, OutgoingMessage("the first, whose deletion starts the round"))
        await until_scrubbed(tmp_path, lambda: MARKER in delivered)
        assert during == [True]
        assert platform.sent[A] == ["the first, whose deletion starts the round", MARKER]
    finally:
        await outbox.stop()
        await db.close()


async def test_a_scrub_aside_inside_the_callers_own_write_returns_at_once(
    tmp_path: Path,
) -> None:
    """Called inside the calling task's own write transaction, a scrub aside cannot wait for
    that write's commit (it would wait for itself): it says at once that it did not clear the
    WAL, and clears it once called outside."""
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        await deliver_and_delete(db, MARKER)
        async with asyncio.timeout(30), db.begin():  # in this task; a safety net only
            assert await db.scrub_aside() is False
        async with asyncio.timeout(30), db.batch():
            await db.execute("DELETE FROM outbox")  # begins the batch's transaction
            assert await db.scrub_aside() is False
        assert await db.scrub_aside() is True
        assert MARKER.encode() not in disk_bytes(tmp_path)
    finally:
        await db.close()


def wal_frames(path: Path) -> int:
    """Frames in the WAL file (a page and its 24-byte header each, after a 32-byte header)."""
    wal = path.with_name(path.name + "-wal")
    return max(0, wal.stat().st_size - 32) // (4096 + 24) if wal.exists() else 0


async def test_a_burst_past_sqlites_default_checkpoint_is_left_to_the_scrub(
    tmp_path: Path,
) -> None:
    """SQLite's own checkpoint runs inside the commit that takes the WAL past its threshold,
    on the thread every query waits for (1,000 pages by default), and the write after it cuts
    the WAL back: while messages went out above about 330 a second, both came on top of the
    outbox's scrub round, which copies and cuts the WAL aside every second anyway. A burst of
    1,200 pages now stays in the WAL, none of it copied by a commit, until the scrub copies it
    aside and clears it, delivered text and all."""
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    try:
        await db.scrub_aside()
        burst = [NewItem(A, OutgoingMessage(f"queued {n} " + "x" * 3000)) for n in range(1_200)]
        await OutboxRepository(db).add_many(burst, NOW)  # a page or so a row: one commit
        await deliver_and_delete(db, MARKER)  # the write after it: no restart, no cut
        assert 1_200 < wal_frames(path) < AUTOCHECKPOINT_PAGES
        assert MARKER.encode() in disk_bytes(tmp_path)
        assert await db.scrub_aside() is True
        assert wal_frames(path) == 0
        assert MARKER.encode() not in disk_bytes(tmp_path)
    finally:
        await db.close()


async def test_a_running_outbox_clears_a_wal_grown_past_sqlites_default_checkpoint(
    tmp_path: Path,
) -> None:
    """With SQLite's own checkpoint at ``AUTOCHECKPOINT_PAGES``, only the outbox's scrub round
    clears a WAL that grew past SQLite's default of 1,000 pages (a burst queued for a platform
    not connected yet, then a reply delivered): the reply's text leaves every database file
    while the bot runs, and the WAL with it."""
    B = Destination(Platform.DISCORD, "channel", "9")  # no Discord here: its rows stay queued
    path = tmp_path / "db.sqlite3"
    db, outbox = await open_outbox(path)
    platform = Scripted()
    outbox.register(platform)
    await outbox.start()
    try:
        burst = [NewItem(B, OutgoingMessage(f"queued {n} " + "x" * 3000)) for n in range(1_200)]
        await outbox.enqueue_many(burst)  # a page or so a row; nothing deleted: no round
        assert 1_000 < wal_frames(path) < AUTOCHECKPOINT_PAGES
        await outbox.enqueue(A, OutgoingMessage(MARKER))
        await until_scrubbed(tmp_path, lambda: bool(platform.sent[A]))
        assert platform.sent[A] == [MARKER]
        assert wal_frames(path) == 0  # nothing written since the round truncated it
    finally:
        await outbox.stop()
        await db.close()
