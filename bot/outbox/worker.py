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
from collections.abc import Callable, Sequence
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
from bot.outbox.lanes import Entry, Lane, batch_for
from bot.outbox.limits import Gate, Timer
from bot.outbox.message import Destination, merge
from bot.outbox.parts import Requests
from bot.outbox.priority import Turns
from bot.outbox.reports import Reports
from bot.storage.database import unless_disk_full
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
        timer: Timer,
        backoff_base: float,
        backoff_cap: float,
        give_up_after: float,
        now: Callable[[], datetime],
    ) -> None:
        self._repo = repo
        self._journal = journal
        self._reports = reports
        self._entries = entries
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._give_up_after = give_up_after
        self._now = now
        self._timer = timer
        self.deliverers: dict[Platform, Deliverer] = {}
        self.gates: dict[Platform, Gate] = {}
        self.in_flight: dict[Platform, Turns] = {}
        #: Delivered, reported once the deletion of their rows is committed.
        self.reporting: set[int] = set()
        self.idle = asyncio.Event()
        self.idle.set()
        self.stats = {"sent": 0, "retry_after": 0, "transient": 0, "failed": 0, "restarted": 0}

    async def work(self, dest: Destination, lane: Lane) -> None:
        deliverer = self.deliverers[dest.platform]
        gate = self.gates[dest.platform]
        timer = self._timer
        while lane.queue:
            head_id = lane.queue[0]
            head = self._entries.get(head_id)
            if head is None:  # erased while waiting
                lane.queue.popleft()
                continue
            wait = head.not_before - timer.now()
            if lane.bucket is not None:
                wait = max(wait, lane.bucket.wait(timer.now()))
            if wait > 0:
                await timer.sleep(wait)
                continue
            # Urgent if anything queued here is (an answer behind this person's own prompt
            # must not wait in the routine line behind everyone else's).
            urgent = not all(
                e.routine for i in lane.queue if (e := self._entries.get(i)) is not None
            )
            # Each request the delivery makes (a long message is several) takes its own turn
            # within the destination's and the platform's limits, and one of the platform's
            # sending slots (at most the deliverer's ``max_in_flight`` sends at once: its HTTP
            # pool's size, so no request ever waits for a connection; urgent ones first): see
            # parts.py.
            lane.ticket.urgent = False  # ``urgent`` above already counts what is queued now
            requests = Requests(
                gate,
                lane.bucket,
                timer,
                urgent=urgent,
                ticket=lane.ticket,
                admitted=lane.left,
                slots=self.in_flight.get(dest.platform),
                progress=lane.progress,
            )
            try:
                await requests.admit()
                batch, key = batch_for(lane, self._entries, deliverer.max_text)
                # A file loaded at a start without it is read only now that its turn to be sent
                # has come: at most as many files as there are sending slots are read and held at
                # once, never every destination's first at the start. A message with a file
                # is never merged with another, so it is the whole batch.
                first = batch[0]
                if first.file_unread:
                    try:
                        read = await self._journal.read_file(first)
                    except Exception as exc:
                        await self._retry(dest, lane, first, exc, reading=True)
                        continue
                    if not read:  # its row is gone (erased meanwhile): nothing to send
                        lane.finished()
                        lane.drop(first.id)
                        self._entries.pop(first.id, None)
                        continue
                message = merge([e.message for e in batch]).keyed(key)
                # Each part the platform answers is noted at once (on disk for a stored
                # message), so neither a retry nor a restart sends it again: progress.py.
                requests.progress = lane.progress
                lane.progress.on_sent = lambda progress, batch=batch, key=key: (
                    self._journal.progressed(batch, progress, key)
                )
                try:
                    # No timeout from here: cancelling a request from outside can break the
                    # HTTP client's pool (httpcore #1093); the adapter's client ends every
                    # request by its own timeouts, and the watchdog catches what does not.
                    token = requests.enter()
                    try:
                        ids = await deliverer.deliver(dest, message)
                    finally:
                        requests.leave(token)
                        requests.answered()
                except RetryLater as exc:
                    self.stats["retry_after"] += 1
                    until = timer.now() + exc.retry_after
                    if exc.scope == "platform":
                        gate.paused_until = max(gate.paused_until, until)
                    head.not_before = until
                    log.warning(
                        "outbox: %s asked to wait %.1fs (%s)", dest, exc.retry_after, exc.scope
                    )
                except PermanentFailure as exc:
                    shown = len(lane.progress)
                    # Failed as a whole, as any refused message: the parts already shown stay
                    # shown, and the sender hears it failed (no ids: nothing to edit later).
                    log.warning(
                        "outbox: %s refused a message%s: %s",
                        dest,
                        f" after {shown} of its parts were shown" if shown else "",
                        exc.reason,
                    )
                    await self._finish(
                        lane, batch, delivered=False, error=exc.reason, unreachable=exc.unreachable
                    )
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    await self._retry(dest, lane, head, exc)
                else:
                    await self._finish(lane, batch, delivered=True, message_ids=ids)
                finally:
                    lane.sending_since = None
            finally:
                requests.let_go()
        self.idle.set()

    async def _retry(
        self, dest: Destination, lane: Lane, head: Entry, exc: Exception, *, reading: bool = False
    ) -> None:
        """Try again later, backing off; ``reading``: it was reading the message's queued file
        from the database that failed, not the delivery (logged as such: a reader of the logs
        looks at the database then, not at the platform)."""
        self.stats["transient"] += 1
        head.attempts += 1
        kind = type(exc).__name__
        if reading:
            log.error("outbox: reading the file queued for %s raised %s; will retry", dest, kind)
        elif not isinstance(exc, TransientFailure | TimeoutError | OSError):
            log.error("outbox: delivery to %s raised %s; will retry", dest, kind)
        age = self._now().timestamp() - head.created
        if age > self._give_up_after:
            await self._finish(
                lane, [head], delivered=False, error=f"gave up after repeated errors ({kind})"
            )
            return
        delay = min(self._backoff_cap, self._backoff_base * 2 ** (head.attempts - 1))
        delay *= random.uniform(0.8, 1.2)
        head.not_before = self._timer.now() + delay
        log.warning(
            "outbox: reading the file queued for %s failed (%s), attempt %d, retrying in %.1fs"
            if reading
            else "outbox: %s failed (%s), attempt %d, retrying in %.1fs",
            dest,
            kind,
            head.attempts,
            delay,
        )
        if not head.ephemeral:
            with unless_disk_full("counting a delivery attempt"):  # the count is a hint only
                await self._repo.record_attempt(head.id, head.attempts)

    async def _finish(
        self,
        lane: Lane,
        batch: list[Entry],
        *,
        delivered: bool,
        message_ids: Sequence[str] = (),
        error: str | None = None,
        unreachable: bool = False,
    ) -> None:
        lane.finished()  # the next batch is formed anew
        for entry in batch:
            lane.drop(entry.id)
            self._entries.pop(entry.id, None)
        stored = [e for e in batch if not e.ephemeral]
        reports = [
            DeliveryReport(
                entry.id,
                entry.destination,
                entry.origin,
                entry.person_id,
                delivered,
                tuple(message_ids),
                error,
                unreachable,
            )
            for entry in batch
        ]

        def publish() -> None:
            for report in reports:
                self.reporting.discard(report.outbox_id)
                self._reports.publish(report)

        if delivered:
            self.stats["sent"] += len(batch)
            # Reported once the row's deletion is committed: delivered then also means "not
            # sent again after a crash". The worker goes on meanwhile.
            self.reporting.update(r.outbox_id for r in reports)
            self._journal.delivered(stored, then=publish)
            return
        self.stats["failed"] += len(batch)
        if stored:
            # On a full disk the row stays queued and is tried again after a restart:
            # better twice than lost.
            with unless_disk_full("marking a message failed"):
                await self._repo.mark_failed([e.id for e in stored], error or "failed")
        publish()
