"""The outbox's disk side: loading what was queued at the last stop, and deleting delivered
rows in batches.

Why apart from sending: the per-destination workers only decide *when* and *what* to send;
what must survive a restart, and how delivered text leaves the database files, is one concern
of its own, with its own background loop.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from bot.core.errors import describe_without_text
from bot.outbox.lanes import Entry
from bot.storage.database import Database, is_disk_full
from bot.storage.outbox import OutboxRepository

log = logging.getLogger(__name__)

FLUSH_EVERY = 0.2  # seconds between deletions of delivered rows
SCRUB_EVERY = 1.0  # seconds at least between WAL scrubs (a checkpoint costs a few writes)


class Journal:
    """Rows written before sending and deleted after, so a restart resends what was queued
    (at least once) and delivered text does not stay on disk."""

    def __init__(self, repo: OutboxRepository, db: Database) -> None:
        self._repo = repo
        self._db = db
        self._done: list[int] = []

    async def load(self) -> list[Entry]:
        """What was still queued at the last stop, oldest first."""
        return [
            Entry(
                row.id,
                row.destination,
                row.message,
                row.origin,
                row.person_id,
                datetime.fromisoformat(row.created_at).timestamp(),
                row.attempts,
            )
            for row in await self._repo.queued()
        ]

    def delivered(self, ids: list[int]) -> None:
        """Mark rows for deletion by the next flush."""
        self._done.extend(ids)

    @property
    def has_delivered(self) -> bool:
        return bool(self._done)

    async def flush(self) -> None:
        done, self._done = self._done, []
        if done:
            try:
                await self._repo.delete(done)
            except BaseException:
                self._done[:0] = done  # try again next round: delivered text must not stay
                raise

    async def flush_loop(self) -> None:
        """Delete delivered rows in batches, and at most a second later scrub the WAL, so no
        delivered text stays in any database file however long other messages stay queued
        (one unreachable group must not keep everyone's delivered replies on disk)."""
        loop = asyncio.get_running_loop()
        dirty = False
        scrubbed = 0.0
        while True:
            await asyncio.sleep(FLUSH_EVERY)
            try:
                if self._done:
                    await self.flush()
                    dirty = True
                if dirty and loop.time() - scrubbed >= SCRUB_EVERY:
                    scrubbed = loop.time()
                    dirty = not await self._db.scrub()
            except Exception as exc:  # keep flushing: a failed round is retried next time
                if is_disk_full(exc):
                    log.warning("outbox: the disk is full; delivered rows are deleted later")
                    continue
                log.error("outbox: flushing delivered rows failed\n%s", describe_without_text(exc))
