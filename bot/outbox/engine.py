"""The outbox engine: ordered delivery per destination, rate limits, retries, restarts.

Why it looks like this:
- One lane per destination, drained by one worker (``worker.py``), keeps that destination's
  messages in order; this module only routes messages to lanes and wakes their workers.
- Rows are written before sending and deleted right after (``journal.py``), so a restart
  resends only what was queued or in flight (at least once), and delivered text does not stay
  on disk. ``ephemeral``
  messages (debrief rooms) never touch disk at all: they live in memory until delivered.
- Pacing (``limits.py``) admits each send when it actually leaves; a platform's bot-wide limit
  and bot-wide 429s are one ``Gate`` every lane of that platform passes through.
- A watchdog restarts a lane that has work but does not move (a delivery that never ends, a
  worker that died), because the outbox itself never cancels a send that is under way.
- A lane lives only while it matters: its worker lets go once the queue is empty, and so does
  the engine, keeping only the lane's rate bucket while its pace still counts (forgotten once
  it has passed, by the next worker to end or the watchdog's round), so a fan-out to 10,000
  people leaves nothing behind for each of them (memory, and the objects the garbage
  collector would walk: ``bot/collector.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import sqlite3
from collections.abc import Callable, Sequence
from contextvars import Context
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.outbox.delivery import Deliverer, DeliveryReport
from bot.outbox.journal import Journal
from bot.outbox.lanes import Entry, Lane
from bot.outbox.limits import Bucket, Gate, MonotonicTimer, Timer
from bot.outbox.message import Destination, OutgoingMessage
from bot.outbox.priority import Turns, is_scheduled
from bot.outbox.reports import Listener, Reports
from bot.outbox.worker import Sending
from bot.storage.database import Database, is_disk_full, unless_disk_full
from bot.storage.outbox import NewItem, OutboxRepository
from bot.storage.times import to_db

log = logging.getLogger(__name__)


class Outbox:
    def __init__(
        self,
        repo: OutboxRepository,
        db: Database,
        *,
        send_timeout: float = 120.0,
        backoff_base: float = 1.0,
        backoff_cap: float = 300.0,
        give_up_after: timedelta = timedelta(hours=24),
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        timer: Timer | None = None,
    ) -> None:
        """``send_timeout``: how long one delivery may run before the watchdog treats its
        lane as stuck (adapters end their requests by their own, shorter timeouts).
        ``timer``: the monotonic clock pacing uses; tests pass a settable one."""
        self._repo = repo
        self._db = db
        self._timer = timer or MonotonicTimer()
        self._stall_after = send_timeout
        self._journal = Journal(repo, db)
        self._now = now
        self._lanes: dict[Destination, Lane] = {}
        #: Destinations whose lane was let go while its pace still counted: only the rate
        #: bucket is kept, by destination, until its pace has passed (a new lane takes it).
        self._paced: dict[Destination, Bucket] = {}
        #: Those buckets, by when their pace stops counting.
        self._pacing: list[tuple[float, int, Destination, Bucket]] = []
        self._ended = itertools.count()  # ties in ``_pacing`` go in the order they ended
        self._entries: dict[int, Entry] = {}
        self._reports = Reports()
        self._sending = Sending(
            repo,
            self._journal,
            self._reports,
            self._entries,
            timer=self._timer,
            backoff_base=backoff_base,
            backoff_cap=backoff_cap,
            give_up_after=give_up_after.total_seconds(),
            now=now,
        )
        self._deliverers = self._sending.deliverers
        self._ephemeral_ids = itertools.count(-1, -1)
        self._flusher: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._idle = self._sending.idle
        self._running = False
        self.stats = self._sending.stats

    holds = ("outbox",)

    # -- setup ------------------------------------------------------------------------------

    def register(self, deliverer: Deliverer) -> None:
        """Make a platform deliverable. Messages for unregistered platforms wait in the table."""
        self._deliverers[deliverer.platform] = deliverer
        self._sending.gates[deliverer.platform] = Gate(deliverer.global_limit, self._timer)
        at_once = getattr(deliverer, "max_in_flight", None)  # optional: see Deliverer
        if isinstance(at_once, int) and at_once > 0:
            self._sending.in_flight[deliverer.platform] = Turns(at_once)
        for dest, lane in self._lanes.items():
            if dest.platform is deliverer.platform and lane.queue:
                self._wake(dest)

    def on_result(self, origin_prefix: str, listener: Listener) -> None:
        """Call ``listener`` when a message whose origin starts with the prefix is delivered
        or fails for good."""
        self._reports.listen(origin_prefix, listener)

    async def start(self) -> None:
        """Load what was still queued at the last stop, then start sending."""
        # Messages queued before the start (a startup hook's notices) are in their lanes
        # already, and, once committed, among the rows loaded too: each goes in once, after
        # what the last run left (older), so the order holds and a long message cut short
        # at the stop is at its lane's head again, to go on where it stopped.
        loaded: dict[Destination, list[int]] = {}
        for entry in await self._journal.load():
            known = self._entries.get(entry.id)
            if known is not None and known.created_at == entry.created_at:
                continue  # queued before the start: handed over already
            self._entries[entry.id] = entry
            loaded.setdefault(entry.destination, []).append(entry.id)
        for dest, ids in loaded.items():
            self._lane(dest).queue.extendleft(reversed(ids))
        self._running = True  # workers start only now, each with its lane in order
        for dest, lane in list(self._lanes.items()):
            lane.resume(self._entries)  # a long message cut short goes on where it stopped
            self._wake(dest)
        self._flusher = asyncio.create_task(self._journal.flush_loop(), name="outbox-flush")
        self._watchdog = asyncio.create_task(self._watch(), name="outbox-watchdog")

    async def stop(self) -> None:
        """Stop sending. Anything unsent stays queued in the table for the next start."""
        self._running = False
        tasks = [lane.task for lane in self._lanes.values() if lane.task] + [
            t for t in (self._flusher, self._watchdog) if t
        ]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        # A full disk at the very end must not turn a clean stop into a traceback: the rows
        # stay, and the next start deletes them as it would have.
        with unless_disk_full("deleting delivered rows at stop"):
            await self._journal.close()

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
        routine = is_scheduled()
        stamp = self._now()
        if not ephemeral:
            try:
                ids = await self._repo.add_many(items, stamp, routine=routine)
            except sqlite3.OperationalError as exc:
                if not is_disk_full(exc):
                    raise
                # The disk is full: send from memory rather than not at all (lost only if
                # the bot stops before they go out). What was queued before stays queued.
                log.warning("outbox: the disk is full; %d message(s) kept in memory", len(items))
                ephemeral = True
        if ephemeral:
            ids = [next(self._ephemeral_ids) for _ in items]
        now = stamp.timestamp()  # as stored, so it reads back the same after a restart
        created_at = None if ephemeral else to_db(stamp)  # names the row with its id

        def hand_over() -> None:
            self._hand_over(ids, items, now, created_at, ephemeral=ephemeral, routine=routine)

        if ephemeral:
            hand_over()  # nothing on disk to wait for (a full disk: better twice than never)
        else:
            # Inside a scheduler batch, only once it commits: an undone job's message never
            # goes out (the job is run again on its own).
            self._db.after_commit(hand_over)
        return ids

    def _hand_over(
        self,
        ids: Sequence[int],
        items: Sequence[NewItem],
        now: float,
        created_at: str | None,
        *,
        ephemeral: bool,
        routine: bool,
    ) -> None:
        """Give queued messages to their destinations' workers."""
        for new_id, item in zip(ids, items, strict=True):
            self._entries[new_id] = Entry(
                new_id,
                item.destination,
                item.message,
                item.origin,
                item.person_id,
                now,
                ephemeral=ephemeral,
                routine=routine,
                created_at=created_at,
            )
            lane = self._lane(item.destination)
            lane.queue.append(new_id)
            if not routine:
                lane.ticket.promote()  # its worker may be waiting in the routine line
            self._wake(item.destination)

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
        reporting = self._sending.reporting
        waiting = [i for i in ids if i in self._entries or i in reporting]
        return await self._reports.wait(waiting, timeout)

    def pending(self) -> int:
        return len(self._entries)

    def lanes(self) -> int:
        """How many destinations the outbox holds a lane for: those with messages queued or
        under way, and those whose pace has not passed yet (of these only the rate bucket is
        kept; the rest are forgotten)."""
        return len(self._lanes) + len(self._paced)

    def backlog(self, destination: Destination) -> tuple[int, float | None]:
        """How many messages wait for a destination, and how many seconds the oldest has
        waited (for the bridge's /status)."""
        lane = self._lanes.get(destination)
        created = (
            [self._entries[i].created for i in lane.queue if i in self._entries] if lane else []
        )
        if not created:
            return 0, None
        return len(created), max(0.0, self._now().timestamp() - min(created))

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
            # The chat's pace goes on where the lane let go left it (see ``_let_go``).
            bucket = self._paced.pop(dest, None) if self._paced else None
            lane = self._lanes[dest] = Lane(bucket=bucket)
        return lane

    def _wake(self, dest: Destination) -> None:
        if not self._running or dest.platform not in self._deliverers:
            return
        lane = self._lane(dest)
        if lane.task is None or lane.task.done():
            if lane.bucket is None:
                limit = self._deliverers[dest.platform].limit_for(dest)
                lane.bucket = Bucket(limit) if limit else None
            # A fresh context: a worker woken by a scheduled job must not pass "routine" on to
            # what its reports set off (a failure notice, a relayed edit): see priority.py.
            lane.task = asyncio.create_task(
                self._work(dest, lane), name=f"outbox:{dest}", context=Context()
            )

    async def _work(self, dest: Destination, lane: Lane) -> None:
        """Drain the lane; once it is empty, let its worker go (a finished task holds its
        coroutine and context) and the lane too (``_let_go``): memory and the collector's
        walks stay with the chats that are busy, not everyone a fan-out ever reached."""
        await self._sending.work(dest, lane)
        # Nothing is awaited from the loop's end to here: no message can join the lane between.
        lane.task = None
        now = self._timer.now()
        self._let_go(dest, lane, now)
        self._forget_paced(now)

    def _let_go(self, dest: Destination, lane: Lane, now: float) -> None:
        """Forget a lane that holds nothing but its rate bucket (``Lane.empty``), keeping
        the bucket alone while its pace still counts (``_paced``), for the next lane of that
        chat to take: forgotten once the pace has passed, by the next worker to end then
        (during a fan-out, within a second or so) or else the watchdog's round.

        Why the bucket alone: a lane is about 11 small objects the garbage collector tracks
        (it, its queue, ticket, batch, progress, bucket and its window...), a bucket kept
        aside 5 (it, its window, the send in it, its place in ``_pacing`` and the chat's
        ``Destination``); a fan-out with every limit off keeps some 600 chats pacing at once,
        and every middle collection of the garbage collector walked all of them
        (``bot/collector.py``).
        """
        if not lane.empty() or self._lanes.get(dest) is not lane:
            return
        del self._lanes[dest]
        bucket = lane.bucket
        if bucket is not None and not bucket.spent(now):
            self._paced[dest] = bucket
            heapq.heappush(self._pacing, (bucket.spent_after(), next(self._ended), dest, bucket))

    def _forget_paced(self, now: float) -> None:
        """Forget the buckets whose pace has passed since their lane was let go (one taken
        by a new lane meanwhile is left alone: that lane leaves it again when let go)."""
        pacing, paced = self._pacing, self._paced
        while pacing and pacing[0][0] < now:
            _, _, dest, bucket = heapq.heappop(pacing)
            if paced.get(dest) is bucket and bucket.spent(now):
                del paced[dest]

    def _sweep(self, dest: Destination, lane: Lane, now: float) -> None:
        """The watchdog's round over an empty lane: let go (see ``_work``), whichever way
        its worker ended."""
        if lane.task is not None and lane.task.done():
            lane.task = None  # a worker that ended otherwise (it failed): nothing to keep
        self._let_go(dest, lane, now)

    async def _watch(self) -> None:
        """Notice a lane that has work but does not move (a delivery that never ends, or a
        worker that is gone) and start it again. The message stays queued and is sent again:
        at least once, as after a restart. Logged with the destination, never the text."""
        while True:
            await asyncio.sleep(max(0.05, self._stall_after / 4))
            now = self._timer.now()
            self._forget_paced(now)
            for dest, lane in list(self._lanes.items()):
                if not lane.queue:
                    self._sweep(dest, lane, now)
                elif dest.platform in self._deliverers:
                    why = self._stuck(lane)
                    if why is not None:
                        await self._restart(dest, lane, why)

    def _stuck(self, lane: Lane) -> str | None:
        if lane.task is None or lane.task.done():
            return "no worker"
        since = lane.sending_since
        if since is not None and self._timer.now() - since > self._stall_after:
            return f"a delivery running for {self._timer.now() - since:.0f}s"
        return None

    async def _restart(self, dest: Destination, lane: Lane, why: str) -> None:
        self.stats["restarted"] += 1
        log.error("outbox: %s had %d queued and %s; restarting it", dest, len(lane.queue), why)
        if lane.task is not None and not lane.task.done():
            lane.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await lane.task
        lane.sending_since = None
        lane.task = None
        self._wake(dest)
