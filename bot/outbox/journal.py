"""The outbox's disk side: loading what was queued at the last stop, and deleting delivered
rows as soon as they are delivered.

Why apart from sending: the per-destination workers only decide *when* and *what* to send;
what must survive a restart, and how delivered text leaves the database files, is one concern
of its own.

What a crash (``kill -9``) can and cannot make the bot send twice, and why:

- Delivered, but the row's deletion not yet committed: never sent again. The moment a platform
  answers, the delivered rows are appended to a small file beside the database (``sent.py``),
  in the same run of the event loop that read the answer, before anything waits for SQLite's
  thread (where the deletion may queue behind the scheduler's batch of due prompts, or wait
  for a CPU). The next start deletes those rows before loading the queue.
- In flight at the crash (the platform has the request, its answer has not been read): sent
  again, by choice, because a check-in or a crisis answer must never be lost. That can show it
  twice. On Discord every part goes with a nonce made from its outbox rows and
  ``enforce_nonce``, so Discord returns the message it already made
  (``bot/platforms/discord/delivery.py``), and within one run a retry resends exactly the
  batch it tried (``lanes.batch_for``). But after a restart the batch may be formed
  differently (another nonce), Discord only remembers a nonce for a few minutes, and relays
  posted by webhook carry no nonce at all (Execute Webhook takes none): any of these can show
  the message twice. Telegram has no idempotent send, so a request in flight can only be sent
  again (at least once) or dropped (at most once). The window is one request's round trip;
  ``benchmarks/checkins.py`` measures how often a kill meets it.

Why delete at once (group commit) rather than every so often: delivered text should leave the
database files soon, and every delivery finishing while one deletion is under way joins the
next, so at any rate it is one small transaction per tick of the event loop.

Why rows are not marked "being sent" before each request, to count those at the next start:
it would be one more write before every send (a full transaction on the send path, waiting on
SQLite's thread, and a write that fails on a full disk just when sending must go on), to learn
a number nothing could act on: whether Telegram got the message cannot be asked.

A long message sent in parts is kept the same way, part by part: each part's answer is noted
in that file at once and in ``outbox_parts`` with the next group commit (``progress.py``), so
a restart goes on from the first part not sent. A part in flight at a crash is sent again,
as any message in flight is.

A delivery report (the sender's listener, :meth:`Outbox.settled`) is published after the
deletion was committed (or was attempted, when the disk is full), so "delivered" also means
"will not be sent again after a crash".
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from bot.core.errors import describe_without_text
from bot.outbox.lanes import Entry, dedup_key
from bot.outbox.progress import Progress, Resume
from bot.outbox.sent import Row, SentLog, beside, read, read_progress
from bot.storage.database import Database, is_disk_full
from bot.storage.outbox import OutboxRepository

log = logging.getLogger(__name__)

RETRY_EVERY = 0.2  # seconds between retries of a deletion that failed (a full disk)
SCRUB_EVERY = 1.0  # seconds at least between WAL scrubs (a checkpoint costs a few writes)
#: Times a scrub aside that a write overlapped is tried again at once (only then: a try that
#: failed otherwise would fail again at once). Why: the copying waits for fsyncs (about 20 ms
#: of wall time on a busy machine), so while messages go out the next one is often queued
#: meanwhile; tried again, only that write's few frames are new, and the WAL is cleared in
#: the same round instead of growing until the next (towards ``AUTOCHECKPOINT_PAGES``, where
#: SQLite checkpoints on its own, inside some message's commit). A round's cost is mostly fixed (two
#: fsyncs, the truncation, the trips to SQLite's threads), not the frames it copies.
SCRUB_AGAIN = 2
#: Seconds after which a WAL that scrubbing aside could not clear (writes kept overlapping
#: it) is scrubbed the way that holds up writes (Database.scrub): a bound, rarely reached.
SCRUB_AT_LATEST = 5.0


class Journal:
    """Rows written before sending and deleted right after, so a restart resends what was
    queued (at least once) and delivered text does not stay on disk."""

    def __init__(self, repo: OutboxRepository, db: Database) -> None:
        self._repo = repo
        self._db = db
        self._done: list[Row] = []  # delivered; their deletion is not committed yet
        #: How far a long message's delivery got, by its head row, not committed yet.
        self._progress: dict[Row, str] = {}
        self._after: list[Callable[[], None]] = []  # to run once that deletion was tried
        self._writer: asyncio.Task[None] | None = None
        self._flushing = 0  # deletions under way (not committed yet)
        self._dirty = False  # rows deleted since the last WAL scrub (or a crash left some)
        self._not_scrubbing = asyncio.Event()  # deletions wait while the WAL is scrubbed aside
        self._not_scrubbing.set()
        self._sent = SentLog(beside(db.path))

    async def load(self) -> list[Entry]:
        """What was still queued at the last stop, oldest first, leaving out what was
        delivered before it (listed beside the database; their rows are deleted first)."""
        delivered = read(self._sent.path)
        progressed = read_progress(self._sent.path)  # newer than the table's, if any
        if delivered or progressed:
            self._done.extend(delivered)
            gone = set(delivered)
            self._progress.update((r, p) for r, p in progressed.items() if r not in gone)
            try:
                await self.flush()
            except Exception as exc:  # kept; the flush loop tries again
                self._failed(exc)
        # Emptied only once those rows are gone, so a crash right now still finds them.
        self._sent.open(keep=len(self._done) + len(self._progress))
        # A crash after a deletion committed and before its scrub round left the text in the
        # WAL, and nothing may be deleted for hours to set a round off: the first round
        # scrubs it. Only then: on a clean start that round would be one checkpoint for
        # nothing, and the first delivery's round would wait ``SCRUB_EVERY`` behind it.
        self._dirty = self._dirty or self._db.wal_left
        skip = set(self._done)  # by id and time: an id given out again is another message
        return [
            Entry(
                row.id,
                row.destination,
                row.message,
                row.origin,
                row.person_id,
                datetime.fromisoformat(row.created_at).timestamp(),
                row.attempts,
                routine=row.routine,
                created_at=row.created_at,
                resume=_newest(row.resume, progressed.get((row.id, row.created_at))),
                file_unread=row.file_unread,
            )
            for row in await self._repo.queued()
            if (row.id, row.created_at) not in skip
        ]

    async def read_file(self, entry: Entry) -> bool:
        """Read the file of a message loaded at a start without it, just before it is sent:
        a start reads no queued file (many big ones made the first answer wait). False when
        its row is gone (erased meanwhile): there is nothing left to send."""
        if not entry.file_unread:
            return True
        attachment, created_at = entry.message.attachment, entry.created_at
        data = None if created_at is None else await self._repo.file(entry.id, created_at)
        if data is None or attachment is None:
            return False
        entry.message = replace(entry.message, attachment=replace(attachment, data=data))
        entry.file_unread = False
        return True

    def progressed(self, batch: list[Entry], progress: Progress, key: str) -> None:
        """A part of this batch's message was sent with dedup key ``key``: noted beside the
        database at once, and in its head's row with the next group commit, so a restart
        does not send it again. A message kept in memory only has no row, and nothing to
        note. The key is noted only when a restart would not make it again from the batch."""
        head = batch[0]
        if head.created_at is None:
            return
        kept = [e for e in batch if e.created_at is not None]
        record = Resume(
            tuple(e.id for e in kept),
            tuple(progress.parts),
            progress.total,
            progress.round,
            progress.sizes,
            None if key == dedup_key(kept) else key,
        ).to_json()
        row = (head.id, head.created_at)
        self._sent.progressed(row, record)
        self._progress[row] = record
        if self._writer is None:
            self._writer = asyncio.create_task(self._write(), name="outbox-delete")

    def delivered(self, entries: list[Entry], then: Callable[[], None] | None = None) -> None:
        """Delete these messages' rows now, together with every other delivery that finishes
        meanwhile (one transaction), then call ``then``. Noted beside the database first, at
        once, so a crash before that transaction commits does not send them again. Messages
        kept in memory only have no row, and nothing to delete."""
        rows = [(e.id, e.created_at) for e in entries if e.created_at is not None]
        self._sent.record(rows)
        if not rows:
            if then is not None:
                then()
            return
        self._done.extend(rows)
        if then is not None:
            self._after.append(then)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write(), name="outbox-delete")

    async def _write(self) -> None:
        try:
            await asyncio.sleep(0)  # deliveries answered in the same tick join this one
            while self._after or self._done or self._progress:
                # Not during a scrub aside: a write overlapping it leaves the WAL uncleared.
                # Noted beside the database already, the rows are safe meanwhile.
                await self._not_scrubbing.wait()
                after, self._after = self._after, []
                try:
                    await self.flush()
                except asyncio.CancelledError:
                    self._after[:0] = after
                    raise
                except Exception as exc:
                    # The rows stay (the flush loop tries again); the messages were delivered
                    # all the same, so their senders hear so now.
                    self._failed(exc)
                    after += self._after
                    self._after = []
                    _run(after)
                    return
                _run(after)
        finally:
            self._writer = None

    async def flush(self) -> None:
        """Delete every delivered row not deleted yet (kept for the next try on failure)."""
        done, self._done = self._done, []
        progress, self._progress = self._progress, {}
        if done or progress:
            self._flushing += 1
            try:
                gone = set(done)  # deleted now: its parts go with it
                kept = [(*row, p) for row, p in progress.items() if row not in gone]
                await self._repo.record_progress(kept)
                await self._repo.delete(done)
            except BaseException:
                self._done[:0] = done  # try again: delivered text must not stay
                for row, record in progress.items():
                    self._progress.setdefault(row, record)  # one noted meanwhile is newer
                raise
            finally:
                self._flushing -= 1
            self._dirty = self._dirty or bool(done)  # parts sent are ids: nothing to scrub
            # Emptied only when every row noted beside the database is deleted (or its parts
            # are kept in the table): none waits, and no other write (the flush loop's and a
            # delivery's can overlap) is still uncommitted.
            if not self._done and not self._progress and not self._flushing:
                self._sent.empty()

    async def close(self) -> None:
        """At stop: let the deletion under way finish, then delete what is left."""
        if self._writer is not None:
            await asyncio.shield(self._writer)
        try:
            await self.flush()
        finally:
            self._sent.close()
            after, self._after = self._after, []
            _run(after)

    async def flush_loop(self) -> None:
        """Retry deletions that failed, and at most a second after rows were deleted scrub
        the WAL, so no delivered text stays in any database file however long other messages
        stay queued (one unreachable group must not keep everyone's delivered replies on
        disk).

        Scrubbed aside (``Database.scrub_aside``): a scrub that held up writes for its fsyncs
        held up every command's answer meanwhile, once a second while messages went out. A
        round that a write overlapped is tried again at once (``SCRUB_AGAIN``), so the WAL is
        cleared in that round rather than a second later. Only a WAL that could not be
        cleared that way for ``SCRUB_AT_LATEST`` seconds is scrubbed the way that does."""
        loop = asyncio.get_running_loop()
        scrubbed = -math.inf  # the first round may come at once
        cleared = loop.time()  # when the WAL last held nothing deleted
        while True:
            await asyncio.sleep(RETRY_EVERY)
            try:
                if (self._done or self._progress) and self._writer is None:
                    await self.flush()
                if not self._dirty:
                    cleared = loop.time()
                elif loop.time() - scrubbed >= SCRUB_EVERY:
                    scrubbed = loop.time()
                    self._dirty = False  # a deletion committed during the scrub sets it again
                    if loop.time() - cleared >= SCRUB_AT_LATEST:
                        done = await self._db.scrub()
                    else:
                        done = await self._scrub_aside_round()
                    if done:
                        cleared = scrubbed
                    else:
                        self._dirty = True
            except Exception as exc:  # keep going: a failed round is retried next time
                self._dirty = True  # what was deleted may still be in the WAL: scrub again
                self._failed(exc)

    async def _scrub_aside_round(self) -> bool:
        """One round of scrubbing aside: tried again at once (up to ``SCRUB_AGAIN`` times)
        only when a write overlapped the try. A try that failed otherwise (the scrub's own
        connection did not open, its checkpoint failed, a reader's snapshot held frames
        back) would fail again at once: the next round tries again."""
        for _ in range(SCRUB_AGAIN):
            before = self._db.writes
            # Between two tries the deletion gate opens and closes again with no await in
            # between; that still wakes a deletion waiting at the gate (an Event's waiters are
            # woken by set(), whatever clear() does next), so its DELETE runs during the next
            # try, which fails as overlapped, and the try after it copies the DELETE's frames:
            # text delivered during the first try is scrubbed in the same round, and a
            # deletion (and the delivery report after it) waits for one try, not a round.
            if await self._scrub_aside():
                return True
            if self._db.writes == before:
                return False
        return await self._scrub_aside()

    async def _scrub_aside(self) -> bool:
        self._not_scrubbing.clear()
        try:
            return await self._db.scrub_aside()
        finally:
            self._not_scrubbing.set()

    @staticmethod
    def _failed(exc: Exception) -> None:
        if is_disk_full(exc):
            log.warning("outbox: the disk is full; delivered rows are deleted later")
        else:
            log.error("outbox: deleting delivered rows failed\n%s", describe_without_text(exc))


def _newest(stored: Resume | None, noted: str | None) -> Resume | None:
    """A row's parts sent: as noted beside the database (written first), else as kept in
    the table. Of two records of the same delivery (same batch, split and round) the one with
    more parts wins: the parts of one delivery only grow, and the file can be the older one
    (after a write to it failed, nothing more was noted there, and it was not emptied)."""
    note = Resume.from_json(noted) if noted is not None else None
    if note is None:
        return stored
    if (
        stored is not None
        and (stored.batch, stored.total, stored.round, stored.sizes)
        == (note.batch, note.total, note.round, note.sizes)
        and len(stored.parts) > len(note.parts)
    ):
        return stored
    return note


def _run(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        callback()
