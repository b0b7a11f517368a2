"""Pacing against the moments the platform counts: late wake-ups keep their slots, and a send
that may have arrived late moves the window on. On a settable clock: no machine's speed
changes the figures."""

from __future__ import annotations

import itertools

import pytest

from bot.outbox import Limit
from bot.outbox.limits import Bucket, Gate


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += max(0.0, seconds)


def test_wake_ups_a_little_late_do_not_add_up_into_lost_rate() -> None:
    """Every send leaves 8 ms after it was due (a busy event loop). With ``late`` 10 ms each
    keeps the moment it was due, so 300 are due over the ideal 299/30 s; counted at the moment
    it left instead, each pushes the next back by 8 ms."""
    ideal = 100.0 + 299 / 30
    for late in (0.01, 0.0):
        bucket = Bucket(Limit(30, 1.0, margin=0.0, late=late))
        now = 100.0
        due = []
        for _ in range(300):
            now += bucket.wait(now)
            due.append(now)
            now += 0.008  # it actually leaves this late
            bucket.take(now)
        if late:
            assert due[-1] == pytest.approx(ideal + 0.008)  # only the first one's lateness
        else:
            assert due[-1] == pytest.approx(ideal + 299 * 0.008)


def test_a_late_send_never_lets_more_than_the_limit_leave_closer_than_the_period_allows() -> None:
    """Whatever the lateness, in any window of ``period + margin - late`` at most ``count``
    sends leave."""
    limit = Limit(5, 1.0, margin=0.02, late=0.01)
    bucket = Bucket(limit)
    now, left = 0.0, []
    for n in range(60):
        now += bucket.wait(now) + (0.009 if n % 3 else 0.0) + (0.2 if n % 17 == 0 else 0.0)
        bucket.take(now)
        left.append(now)
    span = limit.period + limit.margin - limit.late
    assert all(left[i + 5] - left[i] >= span - 1e-9 for i in range(len(left) - 5))


async def run_gate(slow: int | None) -> list[float]:
    """30 sends through a 10-a-second gate, each answered 2 ms after it left (send ``slow``:
    52 ms); the moments they left."""
    clock = Clock()
    gate = Gate(Limit(10, 1.0, margin=0.0), clock)
    left = []
    for n in range(30):
        admission = await gate.admit()
        left.append(admission.left)
        clock.t += 0.052 if n == slow else 0.002
        gate.answered(admission)
    return left


async def test_a_slow_answer_holds_the_send_a_window_later_by_as_much() -> None:
    """A request that took 50 ms longer than usual may have arrived 50 ms late; the send
    ``count`` later waits that much longer, so the platform never counts one too many."""
    usual = await run_gate(slow=None)
    held = await run_gate(slow=15)
    assert held[:25] == usual[:25]
    assert held[25] - usual[25] == pytest.approx(0.05)
    assert all(b - a >= 0.1 - 1e-9 for a, b in itertools.pairwise(held))
