"""``python -m bot status`` counts queued messages without reading the files queued with them
(a deployment runs it every few minutes; 200 MB of queued files took 88 ms to read through).

Counted by the bytes the process reads (Linux's /proc/self/io ``rchar``: every byte passed
through read(), from the disk or the page cache alike), not by time."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from bot.core.model import Platform
from bot.core.replies import Attachment
from bot.outbox import Destination, OutgoingMessage
from bot.status_report import report
from bot.storage.database import Database
from bot.storage.outbox import NewItem, OutboxRepository
from tests.helpers import make_settings

FILE = 1 << 20  # 1 MB each
FILES = 30


def bytes_read() -> int:
    with open("/proc/self/io") as io:
        return next(int(line.split()[1]) for line in io if line.startswith("rchar:"))


async def test_status_counts_queued_files_without_reading_them(tmp_path: Path) -> None:
    """Measured against the same report over the same database before anything was queued,
    taken in this test after a first report (imports done): what the content folder, the
    code and the empty database cost is the same in both, so only what reading the queue
    adds is left, whatever the content's size or the imports done before this test."""
    settings = make_settings(tmp_path)
    dest = Destination(Platform.TELEGRAM, "user", "1")
    db = await Database.open(settings.database_path)
    await db.close()
    report(settings)  # the first one in a process imports what it needs: not counted
    before = bytes_read()
    report(settings)
    baseline = bytes_read() - before
    db = await Database.open(settings.database_path)
    try:
        repo = OutboxRepository(db)
        files = [
            NewItem(
                dest, OutgoingMessage("a photo", attachment=Attachment("p.png", os.urandom(FILE)))
            )
            for _ in range(FILES)
        ]
        texts = [NewItem(dest, OutgoingMessage(t)) for t in ("one", "two", "three")]
        ids = await repo.add_many(files + texts, datetime.now(UTC))
        await repo.mark_failed([ids[0], ids[-1]], "they blocked the bot")  # a file, a text
    finally:
        await db.close()
    before = bytes_read()
    status, lines = report(settings)
    read = bytes_read() - before
    assert status == 0
    assert "  messages waiting to be sent: 31" in lines
    assert "  messages that could not be delivered: 2" in lines
    assert read - baseline < FILES * FILE // 100  # a few of the database's pages, no file
