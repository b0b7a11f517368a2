"""A start reads the queue without the files queued with it; each file is read just before
its message is sent, and arrives whole (issue 14: a fast start).

Counted by the bytes the process reads (Linux's /proc/self/io ``rchar``, as in
``tests/test_status_report.py``), never by time."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.model import Platform
from bot.core.replies import Attachment, Reply
from bot.outbox import Destination, OutgoingMessage
from bot.outbox.progress import Resume
from bot.storage.database import Database, bundled_migrations
from bot.storage.outbox import NewItem, OutboxRepository
from tests.fakes.telegram_harness import fake_telegram, telegram_service, telegram_settings
from tests.outbox.test_engine import A, Scripted, open_outbox
from tests.test_status_report import bytes_read

FILE = 1 << 20  # 1 MB each
FILES = 30


class Files(Scripted):
    """Keeps each file it is given, by the message's text."""

    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, bytes] = {}

    async def deliver(self, destination: Destination, message: OutgoingMessage) -> list[str]:
        if message.attachment is not None:
            self.files[message.text] = message.attachment.data
        return await super().deliver(destination, message)


async def test_a_start_reads_no_queued_file_and_each_goes_out_whole(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    queued = {f"photo {n}": os.urandom(FILE) for n in range(FILES)}
    try:
        items = [
            NewItem(A, OutgoingMessage(text, attachment=Attachment("p.png", data, "image/png")))
            for text, data in queued.items()
        ]
        texts = [NewItem(A, OutgoingMessage(f"note {n}", coalesce=True)) for n in range(3)]
        await OutboxRepository(db).add_many(texts[:1] + items + texts[1:], datetime.now(UTC))
    finally:
        await db.close()

    db, outbox = await open_outbox(path)
    try:
        before = bytes_read()
        await outbox.start()  # loads the queue: nothing registered yet, nothing sent
        read = bytes_read() - before
        assert outbox.pending() == FILES + 3
        platform = Files()
        outbox.register(platform)
        assert await outbox.drain(timeout=60)
    finally:
        await outbox.stop()
        await db.close()
    assert read < FILES * FILE // 100  # the rows' pages, no file
    assert platform.sent[A] == ["note 0", *queued, "note 1\nnote 2"]  # order and merging kept
    assert platform.files == queued  # every file whole


async def test_a_file_whose_person_was_erased_before_it_was_read_is_not_sent(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    try:
        await db.execute("INSERT INTO people(id, created_at) VALUES (7, '2026-01-01')")
        photo = OutgoingMessage("their photo", attachment=Attachment("p.png", b"png", "image/png"))
        await OutboxRepository(db).add_many(
            [NewItem(A, photo, person_id=7), NewItem(A, OutgoingMessage("next"))],
            datetime.now(UTC),
        )
    finally:
        await db.close()
    db, outbox = await open_outbox(path)
    try:
        await outbox.start()
        await outbox.erase_person(7)  # the head stays in memory; its row is gone
        platform = Files()
        outbox.register(platform)
        assert await outbox.drain(timeout=60)
    finally:
        await outbox.stop()
        await db.close()
    assert platform.sent[A] == ["next"]


async def test_moving_files_to_the_end_of_the_row_keeps_the_queue_its_parts_and_ids(
    tmp_path: Path,
) -> None:
    """Migration 0033 rebuilds the outbox table: what was queued (files too), the parts of a
    long message cut short, and the id counter's high-water mark (the newest rows were
    delivered and deleted: their ids are never given out again) all survive it."""
    path = tmp_path / "db.sqlite3"
    before = [m for m in bundled_migrations() if m.version < 33]
    db = await Database.open(path, before)
    try:
        repo = OutboxRepository(db)
        photo = OutgoingMessage("photo", attachment=Attachment("p.png", b"\x89PNG", "image/png"))
        ids = await repo.add_many(
            [NewItem(A, photo), NewItem(A, OutgoingMessage("a|b"))]
            + [NewItem(A, OutgoingMessage("x"))] * 5,
            datetime.now(UTC),
        )
        rows = await repo.queued()
        parts = Resume((ids[1],), (("m1",),), 2)
        await repo.record_progress([(ids[1], rows[1].created_at, parts.to_json())])
        await repo.delete([(r.id, r.created_at) for r in rows[2:]])
    finally:
        await db.close()
    db = await Database.open(path)
    try:
        repo = OutboxRepository(db)
        rows = await repo.queued()
        assert [r.id for r in rows] == ids[:2]
        assert rows[0].file_unread and await repo.file(ids[0], rows[0].created_at) == b"\x89PNG"
        assert rows[1].resume == parts
        [new] = await repo.add_many([NewItem(A, OutgoingMessage("new"))], datetime.now(UTC))
        assert new == ids[-1] + 1
    finally:
        await db.close()
    with sqlite3.connect(path) as conn:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(outbox)")]
    assert columns[-1] == "attachment"


async def test_a_file_queued_at_a_stop_reaches_telegram_whole_after_the_restart(
    tmp_path: Path,
) -> None:
    data = os.urandom(300_000)
    async with fake_telegram() as fake:
        person = fake.user("Rae")
        fake.world.started.add(person.id)
        dest = Destination(Platform.TELEGRAM, "user", str(person.id))
        settings = telegram_settings(tmp_path, fake)
        fake.fail("sendDocument", 500, chat_id=person.id, times=100_000)
        async with telegram_service(settings) as (svc, _):
            outbox_id = await svc.ctx.messenger.to_destination(
                dest, Reply("your export", attachment=Attachment("export.json", data))
            )
            await fake.wait_for(lambda: fake.injected >= 1, 60)
        fake.clear_failures()
        async with telegram_service(settings) as (svc, _):
            [report] = await svc.ctx.outbox.settled([outbox_id], timeout=120)
        assert report.delivered
        [got] = [m for m in fake.messages_to(person.id) if m.document is not None]
        assert got.document_data == data


class OneAtATime(Files):
    """Sends one message at a time (one sending slot), and holds the first until let go."""

    max_in_flight = 1

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.go = asyncio.Event()

    async def deliver(self, destination: Destination, message: OutgoingMessage) -> list[str]:
        self.calls += 1
        await self.go.wait()
        return await super().deliver(destination, message)


async def test_files_queued_for_many_people_are_read_one_turn_at_a_time(tmp_path: Path) -> None:
    """After a restart with a file waiting for each of many people, each file is read when
    its message's turn to be sent comes, not every person's first file at once (which made
    the first answer wait behind them all, and held them all in memory)."""
    path = tmp_path / "db.sqlite3"
    queued = {
        Destination(Platform.TELEGRAM, "user", str(n)): (f"photo {n}", os.urandom(FILE))
        for n in range(20)
    }
    db = await Database.open(path)
    try:
        items = [
            NewItem(dest, OutgoingMessage(text, attachment=Attachment("p.png", data)))
            for dest, (text, data) in queued.items()
        ]
        await OutboxRepository(db).add_many(items, datetime.now(UTC))
    finally:
        await db.close()
    db, outbox = await open_outbox(path)
    platform = OneAtATime()
    settled = False
    try:
        await outbox.start()
        after_start = bytes_read()
        outbox.register(platform)
        slots = outbox._sending.in_flight[Platform.TELEGRAM]
        for _ in range(10_000):  # one is being sent; every other waits for the one slot
            if platform.calls == 1 and len(slots._urgent) + len(slots._routine) == 19:
                settled = True
                break
            await asyncio.sleep(0.01)
        read = bytes_read() - after_start
        platform.go.set()
        assert await outbox.drain(timeout=120)
    finally:
        platform.go.set()
        await outbox.stop()
        await db.close()
    assert settled
    assert read < 2 * FILE  # the one file being sent, not all twenty
    assert {dest: texts for dest, texts in platform.sent.items()} == {
        dest: [text] for dest, (text, _) in queued.items()
    }
    assert platform.files == dict(queued.values())  # every file whole


async def test_a_failed_read_of_a_queued_file_is_logged_as_a_read_and_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Reading a queued file from the database failed once: the logs say so (not that the
    platform failed the delivery), without the message's text or file name, and the file
    goes out whole on the next try."""
    path = tmp_path / "db.sqlite3"
    data = os.urandom(1000)
    db = await Database.open(path)
    try:
        photo = OutgoingMessage(
            "marker-text-4471", attachment=Attachment("marker-name-4471.png", data)
        )
        await OutboxRepository(db).add_many([NewItem(A, photo)], datetime.now(UTC))
    finally:
        await db.close()
    real = OutboxRepository.file
    failures = [sqlite3.OperationalError("disk I/O error")]

    async def failing_once(self: OutboxRepository, outbox_id: int, created_at: str) -> bytes | None:
        if failures:
            raise failures.pop()
        return await real(self, outbox_id, created_at)

    monkeypatch.setattr(OutboxRepository, "file", failing_once)
    db, outbox = await open_outbox(path)
    try:
        await outbox.start()
        platform = Files()
        outbox.register(platform)
        with caplog.at_level(logging.INFO):
            assert await outbox.drain(timeout=60)
    finally:
        await outbox.stop()
        await db.close()
    assert platform.files == {"marker-text-4471": data}
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("bot.outbox")]
    assert any("reading the file queued for" in line for line in logged)
    assert not any("delivery" in line for line in logged)
    assert "marker" not in "\n".join(logged)


async def test_moving_files_to_the_end_of_the_row_keeps_every_column_of_every_row(
    tmp_path: Path,
) -> None:
    """Migration 0033 keeps, for queued and failed rows alike, every column: who a file was
    queued for (so /mydata and /forgetme still find it), where it came from, whether it is
    routine, how often it was tried, and why a failed one failed (so its sender's report
    and /status stay right)."""
    path = tmp_path / "db.sqlite3"
    before = [m for m in bundled_migrations() if m.version < 33]
    db = await Database.open(path, before)
    try:
        await db.execute("INSERT INTO people(id, created_at) VALUES (7, '2026-01-01')")
        repo = OutboxRepository(db)
        photo = OutgoingMessage("photo", attachment=Attachment("p.png", b"\x89PNG", "image/png"))
        [queued] = await repo.add_many(
            [NewItem(A, photo, person_id=7, origin="relay:42")], datetime.now(UTC)
        )
        [tried] = await repo.add_many(
            [NewItem(A, OutgoingMessage("a reminder"), origin="checkin")],
            datetime.now(UTC),
            routine=True,
        )
        await repo.record_attempt(tried, 3)
        [failed] = await repo.add_many(
            [NewItem(A, OutgoingMessage("gone"), person_id=7)], datetime.now(UTC)
        )
        await repo.mark_failed([failed], "chat not found")
    finally:
        await db.close()
    query = (
        "SELECT id, platform, destination, body, attachment, status, attempts, error, origin,"
        " person_id, created_at, routine FROM outbox ORDER BY id"
    )
    with sqlite3.connect(path) as conn:
        rows_before = conn.execute(query).fetchall()
    db = await Database.open(path)  # runs 0033
    await db.close()
    with sqlite3.connect(path) as conn:
        rows_after = conn.execute(query).fetchall()
    assert [r[0] for r in rows_before] == [queued, tried, failed]
    assert rows_before[0][4] == b"\x89PNG" and rows_before[0][8:10] == ("relay:42", 7)
    assert rows_before[1][6] == 3 and rows_before[1][11] == 1
    assert rows_before[2][5:8] == ("failed", 0, "chat not found")
    assert rows_after == rows_before
