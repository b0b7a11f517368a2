"""The outbox engine: ordered delivery per destination, rate limits, retries, restarts.

Why it looks like this:
- One worker per destination keeps that destination's messages in order, and a destination
  that is rate-limited or failing only ever blocks its own worker, never another's.
- Rows are written before sending and deleted after, so a restart resends what was queued
  (at least once) and delivered text does not stay on disk. ``ephemeral`` messages (debrief
  rooms) never touch disk at all: they live in memory until delivered.
- A 429's ``retry_after`` is honoured exactly; 5xx, timeouts and dropped connections back off
  exponentially; a permanent refusal (blocked, chat gone) is marked failed with its reason and
  reported to the sender's listener. Nothing is silently dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.errors import describe_without_text
from bot.core.model import Platform
from bot.outbox.delivery import (
    Deliverer,
    DeliveryReport,
    PermanentFailure,
    RetryLater,
    TransientFailure,
)
from bot.outbox.lanes import Entry, Lane, coalesce
from bot.outbox.limits import Window
from bot.outbox.message import Destination, OutgoingMessage
from bot.outbox.reports import Listener, Reports
from bot.storage.database import Database
from bot.storage.outbox import NewItem, OutboxRepository

log = logging.getLogger(__name__)


class Outbox:
    def __init__(
        self,
        repo: OutboxRepository,
        db: Database,
        *,
        send_timeout: float = 30.0,
        backoff_base: float = 1.0,
        backoff_cap: float = 300.0,
        give_up_after: timedelta = timedelta(hours=24),
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._repo = repo
        self._db = db
        self._send_timeout = send_timeout
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._give_up_after = give_up_after.total_seconds()
        self._now = now
        self._deliverers: dict[Platform, Deliverer] = {}
        self._global: dict[Platform, Window] = {}
        self._paused: dict[Platform, float] = {}
        self._lanes: dict[Destination, Lane] = {}
        self._entries: dict[int, Entry] = {}
        self._reports = Reports()
        self._ephemeral_ids = itertools.count(-1, -1)
        self._done: list[int] = []
        self._delivered = asyncio.Event()  # wakes the flusher: delete delivered rows at once
        self._flusher: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self._running = False
        self.stats = {"sent": 0, "retry_after": 0, "transient": 0, "failed": 0}

    holds = ("outbox",)

    # -- setup ------------------------------------------------------------------------------

    def register(self, deliverer: Deliverer) -> None:
        """Make a platform deliverable. Messages for unregistered platforms wait in the table."""
        self._deliverers[deliverer.platform] = deliverer
        if deliverer.global_limit is not None:
            self._global[deliverer.platform] = Window(deliverer.global_limit)
        if self._running:
            for dest, lane in self._lanes.items():
                if dest.platform is deliverer.platform and lane.queue:
                    self._wake(dest)

    def on_result(self, origin_prefix: str, listener: Listener) -> None:
        """Call ``listener`` when a message whose origin starts with the prefix is delivered
        or fails for good."""
        self._reports.listen(origin_prefix, listener)

    async def start(self) -> None:
        """Load what was still queued at the last stop, then start sending."""
        self._running = True
        for row in await self._repo.queued():
            entry = Entry(
                row.id,
                row.destination,
                row.message,
                row.origin,
                row.person_id,
                datetime.fromisoformat(row.created_at).timestamp(),
                row.attempts,
            )
            self._entries[row.id] = entry
            self._lane(row.destination).queue.append(row.id)
        for dest in list(self._lanes):
            self._wake(dest)
        self._flusher = asyncio.create_task(self._flush_loop(), name="outbox-flush")

    async def stop(self) -> None:
        """Stop sending. Anything unsent stays queued in the table for the next start."""
        self._running = False
        tasks = [lane.task for lane in self._lanes.values() if lane.task] + [
            t for t in (self._flusher,) if t
        ]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._flush_done()

    # -- sending ----------------------------------------------------------------------------

    async def enqueue(
        self,
        destination: Destination,
        message: OutgoingMessage,
        *,
        person_id: int | None = None,
        origin: str | None = None,
        ephemeral: bool = False,
    ) -> int:
        ids = await self.enqueue_many(
            [NewItem(destination, message, person_id, origin)], ephemeral=ephemeral
        )
        return ids[0]

    async def enqueue_many(self, items: Sequence[NewItem], *, ephemeral: bool = False) -> list[int]:
        """Queue messages in one transaction (fan-out); returns their outbox ids."""
        if ephemeral:
            ids = [next(self._ephemeral_ids) for _ in items]
        else:
            ids = await self._repo.add_many(items, self._now())
        now = self._now().timestamp()
        for new_id, item in zip(ids, items, strict=True):
            self._entries[new_id] = Entry(
                new_id,
                item.destination,
                item.message,
                item.origin,
                item.person_id,
                now,
                ephemeral=ephemeral,
            )
            self._lane(item.destination).queue.append(new_id)
            self._wake(item.destination)
        return ids

    def waiting(self, destination: Destination, origin: str) -> bool:
        """Whether a message from ``origin`` is still waiting to reach ``destination``: a job
        run again after a crash (its first run queued, the crash came before it was marked
        done) can then leave the queued one to go out instead of sending it twice."""
        lane = self._lanes.get(destination)
        if lane is None:
            return False
        return any(
            (entry := self._entries.get(i)) is not None and entry.origin == origin
            for i in lane.queue
        )

    async def settled(
        self, ids: Sequence[int], timeout: float | None = None
    ) -> list[DeliveryReport]:
        """Wait for these messages to be delivered or fail for good (the console uses this
        to print each answer before reading the next line)."""
        return await self._reports.wait([i for i in ids if i in self._entries], timeout)

    def pending(self) -> int:
        return len(self._entries)

    async def drain(self, timeout: float | None = None) -> bool:
        """Wait until nothing deliverable is queued; False on timeout."""
        try:
            async with asyncio.timeout(timeout):
                while any(
                    e.destination.platform in self._deliverers for e in self._entries.values()
                ):
                    self._idle.clear()
                    await self._idle.wait()
        except TimeoutError:
            return False
        return True

    # -- per-person erasure -----------------------------------------------------------------

    async def export_person(self, person_id: int) -> dict[str, Any]:
        return await self._repo.export_person(person_id)

    async def erase_person(self, person_id: int) -> None:
        """Drop everything still waiting to reach this person, in memory and on disk."""
        for entry_id, entry in list(self._entries.items()):
            if entry.person_id == person_id:
                lane = self._lanes.get(entry.destination)
                if lane and lane.queue and lane.queue[0] != entry_id:
                    lane.queue.remove(entry_id)
                    del self._entries[entry_id]
        await self._repo.erase_person(person_id)

    # -- internals --------------------------------------------------------------------------

    def _lane(self, dest: Destination) -> Lane:
        lane = self._lanes.get(dest)
        if lane is None:
            lane = self._lanes[dest] = Lane()
        return lane

    def _wake(self, dest: Destination) -> None:
        if not self._running or dest.platform not in self._deliverers:
            return
        lane = self._lane(dest)
        if lane.task is None or lane.task.done():
            if lane.window is None:
                limit = self._deliverers[dest.platform].limit_for(dest)
                lane.window = Window(limit) if limit else None
            lane.task = asyncio.create_task(self._work(dest, lane), name=f"outbox:{dest}")

    async def _work(self, dest: Destination, lane: Lane) -> None:
        deliverer = self._deliverers[dest.platform]
        while lane.queue:
            head_id = lane.queue[0]
            head = self._entries.get(head_id)
            if head is None:  # erased while waiting
                lane.queue.popleft()
                continue
            wait = max(head.not_before, self._paused.get(dest.platform, 0.0)) - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            batch = coalesce(lane.queue, self._entries, deliverer.max_text)
            message = batch[0].message
            if len(batch) > 1:
                message = replace(message, text="\n".join(e.message.text for e in batch))
            slot = time.monotonic()
            if lane.window is not None:
                slot = lane.window.next_slot(slot)
            if dest.platform in self._global:
                slot = self._global[dest.platform].reserve(slot)
            if lane.window is not None:
                lane.window.take(slot)
            delay = slot - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                async with asyncio.timeout(self._send_timeout):
                    ids = await deliverer.deliver(dest, message)
            except RetryLater as exc:
                self.stats["retry_after"] += 1
                until = time.monotonic() + exc.retry_after
                if exc.scope == "platform":
                    self._paused[dest.platform] = until
                head.not_before = until
                log.warning("outbox: %s asked to wait %.1fs", dest, exc.retry_after)
            except PermanentFailure as exc:
                log.warning("outbox: %s refused a message: %s", dest, exc.reason)
                await self._finish(lane, batch, delivered=False, error=exc.reason)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                await self._retry(dest, head, exc)
            else:
                await self._finish(lane, batch, delivered=True, message_ids=ids)
        self._idle.set()

    async def _retry(self, dest: Destination, head: Entry, exc: Exception) -> None:
        self.stats["transient"] += 1
        head.attempts += 1
        kind = type(exc).__name__
        if not isinstance(exc, TransientFailure | TimeoutError | OSError):
            log.error("outbox: delivery to %s raised %s; will retry", dest, kind)
        age = self._now().timestamp() - head.created
        if age > self._give_up_after:
            lane = self._lanes[dest]
            await self._finish(
                lane, [head], delivered=False, error=f"gave up after repeated errors ({kind})"
            )
            return
        delay = min(self._backoff_cap, self._backoff_base * 2 ** (head.attempts - 1))
        delay *= random.uniform(0.8, 1.2)
        head.not_before = time.monotonic() + delay
        log.warning(
            "outbox: %s failed (%s), attempt %d, retrying in %.1fs",
            dest,
            kind,
            head.attempts,
            delay,
        )
        if not head.ephemeral:
            await self._repo.record_attempt(head.id, head.attempts)

    async def _finish(
        self,
        lane: Lane,
        batch: list[Entry],
        *,
        delivered: bool,
        message_ids: Sequence[str] = (),
        error: str | None = None,
    ) -> None:
        for entry in batch:
            lane.drop(entry.id)
            self._entries.pop(entry.id, None)
        stored = [e.id for e in batch if not e.ephemeral]
        if delivered:
            self.stats["sent"] += len(batch)
            self._done.extend(stored)
            self._delivered.set()
        else:
            self.stats["failed"] += len(batch)
            if stored:
                await self._repo.mark_failed(stored, error or "failed")
        for entry in batch:
            report = DeliveryReport(
                entry.id,
                entry.destination,
                entry.origin,
                entry.person_id,
                delivered,
                tuple(message_ids),
                error,
            )
            self._reports.publish(report)

    async def _flush_done(self) -> None:
        done, self._done = self._done, []
        if done:
            try:
                await self._repo.delete(done)
            except BaseException:
                self._done[:0] = done  # try again next round: delivered text must not stay
                raise

    async def _flush_loop(self) -> None:
        """Delete delivered rows as soon as they are delivered (in batches of whatever was
        delivered meanwhile): a row still in the table after a crash is sent again, so the
        sooner it goes, the fewer duplicates a kill -9 leaves. When the queue is empty, scrub
        the WAL so no delivered text stays in it."""
        dirty = False
        while True:
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow the cancel from stop()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.2):
                    await self._delivered.wait()
            self._delivered.clear()
            try:
                if self._done:
                    await self._flush_done()
                    dirty = True
                if dirty and not self._entries:
                    dirty = not await self._db.scrub()
            except Exception as exc:  # keep flushing: a failed round is retried next time
                log.error("outbox: flushing delivered rows failed\n%s", describe_without_text(exc))
