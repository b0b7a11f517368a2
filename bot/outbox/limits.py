"""Rate limits as token buckets that admit a send at the moment it actually leaves.

Why admission at departure, not slots booked ahead: a worker that books a slot and then
sleeps wakes late whenever the event loop is busy, and a dozen late wakers leave together;
the platform then sees a burst above its limit. Here a send takes its token only when it is
about to go, measured on the clock at that moment, so lateness can only ever slow sending,
never bunch it.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass
from typing import Protocol


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


class Bucket:
    """A token bucket (``burst`` tokens, refilled at ``count / (period + margin)`` a second),
    and never more than ``count`` sends in any ``period + margin`` window."""

    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self._span = limit.period + limit.margin
        self._interval = self._span / limit.count
        self._burst = max(1, min(limit.burst, limit.count))
        self._tat = float("-inf")  # theoretical arrival time of the next send (GCRA)
        self._recent: deque[float] = deque(maxlen=limit.count)

    def _ready(self) -> float:
        """The moment the next send is due (the bucket's ideal time for it)."""
        ready = self._tat - (self._burst - 1) * self._interval
        if len(self._recent) == self.limit.count:
            ready = max(ready, self._recent[0] + self._span)
        return ready

    def wait(self, now: float) -> float:
        """Seconds until a send would be within the limit (0: it may leave now)."""
        return max(0.0, self._ready() - now)

    def take(self, now: float) -> None:
        """Count a send leaving at ``now`` (after :meth:`wait` said 0): at the moment it was
        due if it leaves at most ``late`` after it, so lateness does not add up."""
        at = max(self._ready(), now - self.limit.late)
        self._tat = max(self._tat, at) + self._interval
        self._recent.append(at)


class Timer(Protocol):
    """Monotonic time and sleeping, passed in so tests can run pacing on a settable clock."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class MonotonicTimer:
    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class Gate:
    """A platform's bot-wide limit, shared by every destination's worker: one waiter at a time
    (first come, first served), so thousands of waiting workers queue without stampeding.
    A bot-wide 429 closes it for every destination until ``retry_after`` has passed."""

    def __init__(self, limit: Limit | None, timer: Timer) -> None:
        self.bucket = Bucket(limit) if limit is not None else None
        self.paused_until = 0.0
        self._timer = timer
        self._turn = asyncio.Lock()

    async def admit(self) -> float:
        """Wait for this platform's turn; returns the moment the send was admitted."""
        async with self._turn:
            while True:
                now = self._timer.now()
                wait = self.paused_until - now
                if self.bucket is not None:
                    wait = max(wait, self.bucket.wait(now))
                if wait <= 0:
                    if self.bucket is not None:
                        self.bucket.take(now)
                    return now
                await self._timer.sleep(wait)
