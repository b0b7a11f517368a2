"""Telling a bot-wide 429 from a per-chat one.

Telegram answers both with the same "Too Many Requests: retry after N", but they ask for
different things: a chat over its own limit (about 1 a second, 20 a minute in a group) only
holds up that chat, while the bot over its 30 a second must hold every chat, or each of them
runs into the same wall. The adapter counts what it sent in the last second: a 429 while the
bot was close to 30 a second is the bot's; below that, the bot-wide limit cannot have been
reached, so it is the chat's.
"""

from __future__ import annotations

from collections import deque
from typing import Literal

#: Seconds of leeway: sends this much outside the last second may still have been counted in
#: it by Telegram (they arrived later than they left).
SLACK = 0.25


class RecentSends:
    def __init__(self, per_second: int) -> None:
        self._busy = int(per_second * 0.8)  # at this many, the bot-wide limit is in reach
        self._times: deque[float] = deque()

    def sent(self, now: float, count: int = 1) -> None:
        self._times.extend([now] * count)
        self._forget(now)

    def scope(self, now: float) -> Literal["destination", "platform"]:
        """Whose limit a 429 at ``now`` was about."""
        self._forget(now)
        return "platform" if len(self._times) >= self._busy else "destination"

    def _forget(self, now: float) -> None:
        while self._times and self._times[0] < now - 1.0 - SLACK:
            self._times.popleft()
