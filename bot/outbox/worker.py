"""Per-destination sending: the worker that drains one lane, in order, within the limits.

Why it looks like this:
- One worker per destination keeps that destination's messages in order, and a destination
  that is rate-limited or failing only ever blocks its own worker, never another's.
- A 429's ``retry_after`` is honoured exactly; 5xx, timeouts and dropped connections back off
  exponentially; a permanent refusal (blocked, chat gone) is marked failed with its reason and
  reported to the sender's listener. Nothing is silently dropped.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from bot.core.model import Platform
from bot.outbox.delivery import (
    Deliverer,
    DeliveryReport,
    PermanentFailure,
    RetryLater,
    TransientFailure,
)
from bot.outbox.journal import Journal
from bot.outbox.lanes import Entry, Lane, coalesce
from bot.outbox.limits import Window
from bot.outbox.message import Destination
from bot.outbox.reports import Reports
from bot.storage.outbox import OutboxRepository

log = logging.getLogger(__name__)


class Sending:
    """What every lane's worker shares: the platforms, their bot-wide windows and pauses, the
    queued entries, and where outcomes go (the journal, the reports, the counters)."""

    def __init__(
        self,
        repo: OutboxRepository,
        journal: Journal,
        reports: Reports,
        entries: dict[int, Entry],
        *,
        send_timeout: float,
        backoff_base: float,
        backoff_cap: float,
        give_up_after: float,
        now: Callable[[], datetime],
    ) -> None:
        self._repo = repo
        self._journal = journal
        self._reports = reports
        self._entries = entries
        self._send_timeout = send_timeout
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._give_up_after = give_up_after
        self._now = now
        self.deliverers: dict[Platform, Deliverer] = {}
        self.global_windows: dict[Platform, Window] = {}
        self.paused: dict[Platform, float] = {}
        self.idle = asyncio.Event()
        self.idle.set()
        self.stats = {"sent": 0, "retry_after": 0, "transient": 0, "failed": 0}

    async def work(self, dest: Destination, lane: Lane) -> None:
        deliverer = self.deliverers[dest.platform]
        while lane.queue:
            head_id = lane.queue[0]
            head = self._entries.get(head_id)
            if head is None:  # erased while waiting
                lane.queue.popleft()
                continue
            wait = max(head.not_before, self.paused.get(dest.platform, 0.0)) - time.monotonic()
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
            if dest.platform in self.global_windows:
                slot = self.global_windows[dest.platform].reserve(slot)
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
                    self.paused[dest.platform] = until
                head.not_before = until
                log.warning("outbox: %s asked to wait %.1fs", dest, exc.retry_after)
            except PermanentFailure as exc:
                log.warning("outbox: %s refused a message: %s", dest, exc.reason)
                await self._finish(lane, batch, delivered=False, error=exc.reason)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                await self._retry(dest, lane, head, exc)
            else:
                await self._finish(lane, batch, delivered=True, message_ids=ids)
        self.idle.set()

    async def _retry(self, dest: Destination, lane: Lane, head: Entry, exc: Exception) -> None:
        self.stats["transient"] += 1
        head.attempts += 1
        kind = type(exc).__name__
        if not isinstance(exc, TransientFailure | TimeoutError | OSError):
            log.error("outbox: delivery to %s raised %s; will retry", dest, kind)
        age = self._now().timestamp() - head.created
        if age > self._give_up_after:
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
            self._journal.delivered(stored)
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
