"""Rate limits as sliding windows that hand out send slots in order.

Each destination has one worker, so its own window is never contended. The platform-wide
window is shared: a worker reserves the next free slot (never earlier than the last one
handed out), so thousands of waiting workers queue up without stampeding.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``count`` sends per ``period`` seconds. ``margin`` pads the period so network
    jitter never makes the platform see two sends closer than its limit."""

    count: int
    period: float
    margin: float = 0.05


class Window:
    """Grants nondecreasing send times so that no ``period`` holds more than ``count``."""

    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self._grants: deque[float] = deque(maxlen=limit.count)

    def next_slot(self, now: float) -> float:
        slot = now
        if self._grants:
            slot = max(slot, self._grants[-1])
        if len(self._grants) == self.limit.count:
            slot = max(slot, self._grants[0] + self.limit.period + self.limit.margin)
        return slot

    def take(self, at: float) -> None:
        self._grants.append(at)

    def reserve(self, now: float) -> float:
        slot = self.next_slot(now)
        self.take(slot)
        return slot
