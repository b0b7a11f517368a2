"""A crash between a delivery and its row's deletion: the files a ``kill -9`` leaves behind,
copied at that instant and started again, must not send the delivered message a second time.

The database thread is held by a long transaction (as the scheduler's batch of due prompts
holds it), so the deletion waits; the files are copied while it waits, exactly as a crash
would leave them. Every wait is on a condition, never on the machine's speed.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.outbox import Destination, Outbox
from bot.outbox import journal as journal_module
from bot.outbox.journal import Journal
from bot.outbox.sent import beside, read
from bot.storage.database import Database
from bot.storage.outbox import NewItem, OutboxRepository
from tests.outbox.test_engine import A, Scripted, disk_bytes, msg, open_outbox

MARKER = "only-in-the-message-7f3c"
QUEUED = "SELECT id, created_at FROM outbox ORDER BY id"


async def until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Wait for a condition (the timeout is a safety net only)."""
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 (polls a counter)
            await asyncio.sleep(0.005)


@asynccontextmanager
async def database_held(db: Database) -> AsyncIterator[None]:
    """Another transaction holds the database (as the scheduler's batch does) until the
    block ends: every write from elsewhere waits for it."""
    holding, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with db.begin():
            holding.set()
            await release.wait()

    task = asyncio.create_task(hold())
    await holding.wait()
    try:
        yield
    finally:
        release.set()
        await task


def crash_copy(source: Path, target: Path) -> None:
    """The database's files as a ``kill -9`` leaves them right now."""
    target.mkdir()
    for path in source.iterdir():
        if path.is_file():
            shutil.copy(path, target / path.name)


async def delivered_then_crashed(tmp_path: Path) -> tuple[Scripted, Path]:
    """One message delivered while its deletion waits behind another transaction; the files
    copied at that instant. Returns the platform it reached and the copy's database path."""
    db, outbox = await open_outbox(tmp_path / "live" / "db.sqlite3")
    await outbox.start()
    await outbox.enqueue(A, msg(f"your check-in {MARKER}"))
    platform = Scripted()
    async with database_held(db):
        outbox.register(platform)  # the lane wakes and delivers; the deletion has to wait
        await until(lambda: outbox.stats["sent"] == 1)
        crash_copy(tmp_path / "live", tmp_path / "crashed")
    await outbox.stop()
    await db.close()
    return platform, tmp_path / "crashed" / "db.sqlite3"


async def restart(path: Path) -> tuple[Database, Outbox, Scripted]:
    db, outbox = await open_outbox(path)
    again = Scripted()
    outbox.register(again)
    await outbox.start()
    return db, outbox, again


async def test_a_crash_before_the_deletion_commits_does_not_send_it_again(
    tmp_path: Path,
) -> None:
    platform, crashed = await delivered_then_crashed(tmp_path)
    assert platform.sent[A] == [f"your check-in {MARKER}"]
    db, outbox, again = await restart(crashed)
    assert await outbox.drain(timeout=30)
    queued = await db.fetchall("SELECT id FROM outbox")
    await outbox.stop()
    await db.close()
    assert again.sent[A] == []  # no second copy
    assert queued == []
    assert beside(crashed).read_bytes() == b""  # emptied once the rows were deleted


async def test_the_crash_copy_really_left_the_row_queued(tmp_path: Path) -> None:
    """The scenario above is the one that resent before: the row is still in the copy."""
    _, crashed = await delivered_then_crashed(tmp_path)
    beside(crashed).unlink()
    db = await Database.open(crashed)
    rows = await db.fetchall("SELECT id FROM outbox WHERE status = 'queued'")
    await db.close()
    assert len(rows) == 1


async def test_the_ids_file_holds_ids_and_times_only(tmp_path: Path) -> None:
    _, crashed = await delivered_then_crashed(tmp_path)
    data = beside(crashed).read_bytes()
    assert re.fullmatch(rb"(\d+ [0-9T:.+-]+\n)+", data), data
    assert MARKER.encode() not in data


async def test_without_a_writable_ids_file_nothing_is_lost(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A folder where the file should be (as a read-only place would): one plain line in the
    log, sending goes on, and a crash sends the message again rather than losing it."""
    live = tmp_path / "live"
    live.mkdir()
    beside(live / "db.sqlite3").mkdir()
    with caplog.at_level(logging.WARNING):
        platform, crashed = await delivered_then_crashed(tmp_path)
    assert platform.sent[A] == [f"your check-in {MARKER}"]
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("bot.outbox")]
    assert len(lines) == 1 and "not noted beside the database" in lines[0]
    db, outbox, again = await restart(crashed)
    assert await outbox.drain(timeout=30)
    await outbox.stop()
    await db.close()
    assert again.sent[A] == [f"your check-in {MARKER}"]  # at least once


async def test_a_half_written_last_line_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db, outbox = await open_outbox(path)
    await outbox.start()
    for n in range(3):
        await outbox.enqueue(A, msg(f"m{n}"))
    rows = [f"{r['id']} {r['created_at']}" for r in await db.fetchall(QUEUED)]
    await outbox.stop()
    await db.close()
    # The second was delivered; the crash came while the third's line was being written.
    beside(path).write_bytes(f"{rows[1]}\n{rows[2][:-1]}".encode())
    db, outbox, again = await restart(path)
    assert await outbox.drain(timeout=30)
    await outbox.stop()
    await db.close()
    assert again.sent[A] == ["m0", "m2"]


async def test_the_ids_file_is_emptied_once_rows_are_deleted(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db, outbox = await open_outbox(path)
    outbox.register(Scripted())
    await outbox.start()
    ids = [await outbox.enqueue(A, msg(f"m{n}")) for n in range(40)]
    await outbox.settled(ids, timeout=30)  # reported once their deletion is committed
    size = beside(path).stat().st_size
    await outbox.stop()
    await db.close()
    assert size == 0


async def test_an_outbox_id_is_never_given_out_twice(tmp_path: Path) -> None:
    """Discord's nonce names a message by its id, so the id of a delivered and deleted
    message must not name a new one (after a rollback it can: the ids file also keeps the
    time, see the test below)."""
    path = tmp_path / "db.sqlite3"
    db, outbox = await open_outbox(path)
    outbox.register(Scripted())
    await outbox.start()
    first = await outbox.enqueue(A, msg("one"))
    await outbox.settled([first], timeout=30)
    second = await outbox.enqueue(A, msg("two"))
    await outbox.settled([second], timeout=30)
    await outbox.stop()
    await db.close()
    assert second > first


async def test_a_delivery_is_noted_before_anything_else_runs(tmp_path: Path) -> None:
    """Between the platform's answer and the note beside the database, no other task runs
    (nothing to wait for, however busy the loop or the database): a callback scheduled as the
    answer comes back already finds the id in the file."""
    path = tmp_path / "db.sqlite3"
    db, outbox = await open_outbox(path)
    await outbox.start()
    queued = await outbox.enqueue(A, msg("hello"))
    (row,) = await db.fetchall(QUEUED)
    seen: list[bytes] = []
    loop = asyncio.get_running_loop()
    platform = Scripted(
        hook=lambda _: loop.call_soon(lambda: seen.append(beside(path).read_bytes()))
    )
    async with database_held(db):
        outbox.register(platform)
        await until(lambda: bool(seen))
    await outbox.stop()
    await db.close()
    assert row["id"] == queued
    assert seen == [f"{queued} {row['created_at']}\n".encode()]


async def test_the_ids_file_keeps_an_id_whose_deletion_is_still_uncommitted(
    tmp_path: Path,
) -> None:
    """Two deletions under way at once (the flush loop's retry, and a delivery's): the first
    to commit must not empty the file while the other's rows are still queued on disk, or a
    crash then would send those again. Each step waits on the database's write lock, taken
    in turn, so the order is fixed whatever the machine's speed."""
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    repo = OutboxRepository(db)
    first, second = await repo.add_many(
        [NewItem(A, msg("one")), NewItem(A, msg("two"))], datetime.now(UTC)
    )
    journal = Journal(repo, db)
    entries = {e.id: e for e in await journal.load()}
    between, release = asyncio.Event(), asyncio.Event()

    async def hold_between() -> None:
        async with db.begin():
            between.set()
            await release.wait()

    async with database_held(db):
        journal.delivered([entries[first]])
        retried = asyncio.create_task(journal.flush())  # as the flush loop retries a failure
        await until(lambda: journal._writer is None)
        holder = asyncio.create_task(hold_between())  # waits behind the first deletion
        await asyncio.sleep(0)
        journal.delivered([entries[second]])  # its deletion waits behind ``holder``
        await until(lambda: not journal._done)
    await retried  # the first deletion committed; the second still waits
    await between.wait()
    listed = read(beside(path))
    release.set()
    await holder
    await until(lambda: journal._writer is None)
    await journal.close()
    left = await db.fetchall("SELECT id FROM outbox")
    await db.close()
    assert second in [i for i, _ in listed]
    assert left == [] and read(beside(path)) == []


async def test_a_message_queued_by_a_job_that_was_undone_never_goes_out(tmp_path: Path) -> None:
    """A job in the scheduler's batch queues a message, then fails: its part of the batch is
    rolled back, and the scheduler runs the job again on its own. The undone message must
    not go out (it would then arrive twice); SQLite gives its id to the next message, which
    goes out once, and a restart sends nothing more."""
    live = tmp_path / "live"
    db, outbox = await open_outbox(live / "db.sqlite3")
    platform = Scripted()
    outbox.register(platform)
    await outbox.start()
    async with db.batch():
        with pytest.raises(LookupError):
            async with db.begin():  # the scheduler's savepoint for one job
                first = await outbox.enqueue(A, msg("undone with its job"))
                raise LookupError
        second = await outbox.enqueue(A, msg(f"queued by the job run again {MARKER}"))
        await asyncio.sleep(0)
        assert outbox.pending() == 0  # nothing is handed to a sender before the commit
    assert second == first  # the id was given out again
    assert await outbox.drain(timeout=30)
    crash_copy(live, tmp_path / "crashed")
    await outbox.stop()
    await db.close()
    db, outbox, again = await restart(tmp_path / "crashed" / "db.sqlite3")
    assert await outbox.drain(timeout=30)
    await outbox.stop()
    await db.close()
    assert platform.sent[A] == [f"queued by the job run again {MARKER}"]
    assert again.sent[A] == []


async def test_a_listed_id_with_another_time_is_not_deleted_at_start(tmp_path: Path) -> None:
    """At the start only a row whose id and time both match a line is deleted: a line left by
    a delivered message whose id was given out again names a different message."""
    path = tmp_path / "db.sqlite3"
    db, outbox = await open_outbox(path)
    await outbox.start()
    await outbox.enqueue(A, msg("delivered"))
    await outbox.enqueue(A, msg("took a delivered one's id"))
    delivered, reused = await db.fetchall(QUEUED)
    await outbox.stop()
    await db.close()
    beside(path).write_bytes(
        f"{delivered['id']} {delivered['created_at']}\n"
        f"{reused['id']} 2026-01-01T00:00:00.000001+00:00\n".encode()
    )
    db, outbox, again = await restart(path)
    assert await outbox.drain(timeout=30)
    await outbox.stop()
    await db.close()
    assert again.sent[A] == ["took a delivered one's id"]


async def test_a_rolled_back_message_is_not_sent_in_place_of_the_one_that_took_its_id(
    tmp_path: Path,
) -> None:
    """The scheduler runs a group of jobs in a savepoint and, when it fails, each job alone:
    the next message takes the undone one's id. Neither may stand in for the other: nobody
    gets someone else's message, and the new one is delivered (the undone one was never
    queued for good, so it never reaches a sender)."""
    B = Destination(A.platform, "user", "2")
    times = (datetime(2026, 11, 29, 20, 0, n, tzinfo=UTC) for n in itertools.count())
    db, outbox = await open_outbox(tmp_path / "db.sqlite3", now=lambda: next(times))
    await outbox.start()
    async with db.batch():
        with pytest.raises(LookupError):
            async with db.begin():
                undone = await outbox.enqueue(A, msg("for A, undone"))
                raise LookupError
        second = await outbox.enqueue(B, msg("for B"))
    assert second == undone
    platform = Scripted()
    outbox.register(platform)
    assert await outbox.drain(timeout=30)
    await outbox.stop()
    await db.close()
    assert platform.sent[A] == []
    assert platform.sent[B] == ["for B"]


async def test_text_a_crash_left_in_the_wal_is_scrubbed_at_the_next_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after a delivered row's deletion committed (the ids file emptied) but before the
    scrub round: the WAL still holds the text, and at the next start there is nothing left to
    delete that would set a round off. The start scrubs it all the same, while the bot runs,
    without waiting for someone else's message to be delivered and deleted."""
    real_every = journal_module.RETRY_EVERY
    monkeypatch.setattr(journal_module, "RETRY_EVERY", 3600.0)  # no scrub round in this run
    live = tmp_path / "live"
    db, outbox = await open_outbox(live / "db.sqlite3")
    platform = Scripted()
    outbox.register(platform)
    await outbox.start()
    sent = await outbox.enqueue(A, msg(f"your check-in {MARKER}"))
    [report] = await outbox.settled([sent], timeout=30)  # reported once the deletion committed
    assert report.delivered
    assert read(beside(live / "db.sqlite3")) == []  # nothing for the next start to delete
    crash_copy(live, tmp_path / "crashed")  # the files as a kill -9 leaves them now
    await outbox.stop()
    await db.close()
    crashed = tmp_path / "crashed"
    assert MARKER.encode() in disk_bytes(crashed)
    monkeypatch.setattr(journal_module, "RETRY_EVERY", real_every)

    db, outbox, again = await restart(crashed / "db.sqlite3")
    try:
        try:  # ends as soon as the text is gone; the bound is a safety net only
            await until(lambda: MARKER.encode() not in disk_bytes(crashed))
        except TimeoutError:
            pytest.fail("the delivered text was still in a database file 30 s after the start")
        assert again.sent[A] == []  # not sent again either
    finally:
        await outbox.stop()
        await db.close()
