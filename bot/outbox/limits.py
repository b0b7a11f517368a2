"""Rate limits as token buckets that admit a send at the moment it actually leaves.

Why admission at departure, not slots booked ahead: a worker that books a slot and then
sleeps wakes late whenever the event loop is busy, and a dozen late wakers leave together;
the platform then sees a burst above its limit. Here a send takes its token only when it is
about to go, measured on the clock at that moment, so lateness can only ever slow sending,
never bunch it (up to ``Limit.late``, a late send keeps the moment it was due instead, so
small delays do not add up).

Why a send's place in the window moves when its answer comes back late: the platform counts
a request when it *arrives*. A send held up on its way (a busy event loop, a descheduled
process, the network) arrives later than it left, closer to the sends after it, and the one
``count`` sends later would then make ``count + 1`` in the platform's window: a bot-wide 429
that holds every chat for a second. The answer is proof of how late it may have arrived, so a
round trip slower than the quickest recent one moves the send's place in the window on by as
much, before the send ``count`` later is admitted (about a second later).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from bot.outbox.priority import Ticket, Turns


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``count`` sends in any ``period`` seconds, as the platform counts them.

    ``burst`` is how many may leave back to back before the rest are spread evenly at
    ``count / period``; with 1 they are always evenly spread, which is what survives network
    jitter best. ``margin`` pads the period so the platform, seeing sends a little later and
    closer together than they left, still never counts more than ``count``.

    ``late`` is how late a send may leave and still keep the moment it was due: the bucket
    counts it at that moment (never more than ``late`` before it really left). Without it a
    wake-up a few milliseconds late on a busy event loop pushes every later send back by as
    much, and those delays add up into lost rate (about 1.5% at 30/s); with it they cost
    nothing. Sends may then leave as close as ``period + margin - late`` for ``count``, so
    the margin must cover ``late`` plus the jitter of the way to the platform."""

    count: int
    period: float
    margin: float = 0.05
    burst: int = 1
    late: float = 0.0


@dataclass(slots=True)
class Sent:
    """A send's place in a bucket's window: when the platform may have counted it."""

    at: float


class Bucket:
    """A token bucket (``burst`` tokens, refilled at ``count / (period + margin)`` a second),
    and never more than ``count`` sends in any ``period + margin`` window."""

    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self._span = limit.period + limit.margin
        self._interval = self._span / limit.count
        self._burst = max(1, min(limit.burst, limit.count))
        self._tat = float("-inf")  # theoretical arrival time of the next send (GCRA)
        self._recent: deque[Sent] = deque(maxlen=limit.count)

    def _ready(self) -> float:
        """The moment the next send is due (the bucket's ideal time for it)."""
        ready = self._tat - (self._burst - 1) * self._interval
        if len(self._recent) == self.limit.count:
            ready = max(ready, self._recent[0].at + self._span)
        return ready

    def wait(self, now: float) -> float:
        """Seconds until a send would be within the limit (0: it may leave now)."""
        return max(0.0, self._ready() - now)

    def spent(self, now: float) -> bool:
        """Whether nothing this bucket counted still bears on a send from ``now`` on, so a
        fresh bucket would admit exactly the same sends at the same moments (its lane can then
        be forgotten and made again when needed without ever exceeding the limit): the next
        send's due moment is more than ``late`` behind ``now`` (so it counts when it leaves,
        as in a fresh bucket), and every counted send's window has ended."""
        if self._tat + self.limit.late >= now:
            return False
        return not self._recent or self._recent[-1].at + self._span <= now

    def spent_after(self) -> float:
        """The moment after which :meth:`spent` holds (as long as nothing more is counted)."""
        window = self._recent[-1].at + self._span if self._recent else float("-inf")
        return max(self._tat + self.limit.late, window)

    def take(self, now: float) -> Sent:
        """Count a send leaving at ``now`` (after :meth:`wait` said 0): at the moment it was
        due if it leaves at most ``late`` after it, so lateness does not add up. (Later than
        that, or after a quiet spell, it counts when it leaves.)"""
        ready = self._ready()
        at = ready if ready <= now <= ready + self.limit.late else now
        self._tat = max(self._tat, at) + self._interval
        sent = Sent(at)
        self._recent.append(sent)
        return sent


class Timer(Protocol):
    """Monotonic time and sleeping, passed in so tests can run pacing on a settable clock."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class MonotonicTimer:
    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


_KNOWN_TRIPS = 8  # round trips seen before the quickest of them is trusted as the usual


@dataclass(slots=True)
class Admission:
    """A send the gate let through: when it left, and its place in the bot-wide window."""

    left: float
    sent: Sent | None = None


class Gate:
    """A platform's bot-wide limit, shared by every destination's worker: one waiter at a time
    (urgent sends first, then routine mail, each first come, first served: see
    ``priority.py``), so thousands of waiting workers queue without stampeding.
    A bot-wide 429 closes it for every destination until ``retry_after`` has passed."""

    def __init__(self, limit: Limit | None, timer: Timer) -> None:
        self.bucket = Bucket(limit) if limit is not None else None
        self.paused_until = 0.0
        self._timer = timer
        self._turns = Turns(1)
        self._trips: deque[float] = deque(maxlen=64)  # recent round trips, for the quickest

    async def admit(self, *, urgent: bool = True, ticket: Ticket | None = None) -> Admission:
        """Wait for this platform's turn; returns the moment the send was admitted."""
        async with self._turns.take(urgent=urgent, ticket=ticket):
            while True:
                now = self._timer.now()
                wait = self.paused_until - now
                if self.bucket is not None:
                    wait = max(wait, self.bucket.wait(now))
                if wait <= 0:
                    sent = self.bucket.take(now) if self.bucket is not None else None
                    return Admission(now, sent)
                await self._timer.sleep(wait)

    def answered(self, admission: Admission) -> None:
        """The platform answered (anything, even an error): the send arrived by now at the
        latest. What its round trip took beyond the quickest recent one, it may have arrived
        late by; its place in the window moves on by as much (see the module's docstring)."""
        if admission.sent is None:
            return
        trip = self._timer.now() - admission.left
        # Until a few round trips are known (the first ones also open connections), all of
        # it counts.
        quickest = min(self._trips) if len(self._trips) >= _KNOWN_TRIPS else 0.0
        self._trips.append(trip)
        admission.sent.at += max(0.0, trip - quickest)
