"""Telegram's flood control as the fake Bot API applies it.

What Telegram documents (core.telegram.org/bots/faq, "My bot is hitting limits"): about 30
messages a second across the whole bot, about one a second into any one chat, and no more than
20 a minute into a group. Above them it answers 429 "Too Many Requests: retry after N", and
until N seconds have passed it refuses again: for every chat when the bot as a whole went over
(so one flood holds every conversation up), for that chat alone when only the chat did. Edits
count as sends. The answer does not say which limit it was; the adapter has to work that out.

Windows slide over the moments requests arrive, which is what the server sees.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from dataclasses import dataclass, field

from tests.fakes.telegram_world import ApiError

BOT_WIDE = (30, 1.0)
PRIVATE = (1, 1.0)
GROUP = (20, 60.0)
#: Methods that count against the limits.
COUNTED = {"sendmessage", "senddocument", "sendphoto", "copymessage", "editmessagetext"}


@dataclass
class FloodControl:
    bot: deque[float] = field(default_factory=deque)
    chats: dict[int, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    bot_closed_until: float = 0.0
    chat_closed_until: dict[int, float] = field(default_factory=dict)
    bot_wide_hits: int = 0  # 429s because the bot as a whole went over (or was still held)
    chat_hits: int = 0  # 429s because one chat went over (or was still held)

    def check(self, method: str, chat_id: object, now: float) -> None:
        """Count a request arriving at ``now``, or raise Telegram's 429 for it."""
        if method not in COUNTED or not isinstance(chat_id, int):
            return
        if now < self.bot_closed_until:
            self.bot_wide_hits += 1
            raise too_many(self.bot_closed_until - now)
        if now < self.chat_closed_until.get(chat_id, 0.0):
            self.chat_hits += 1
            raise too_many(self.chat_closed_until[chat_id] - now)
        wait = _over(self.bot, BOT_WIDE, now)
        if wait > 0:
            self.bot_wide_hits += 1
            self.bot_closed_until = now + math.ceil(wait)
            raise too_many(wait)
        wait = _over(self.chats[chat_id], PRIVATE if chat_id > 0 else GROUP, now)
        if wait > 0:
            self.chat_hits += 1
            self.chat_closed_until[chat_id] = now + math.ceil(wait)
            raise too_many(wait)
        self.bot.append(now)
        self.chats[chat_id].append(now)

    @property
    def hits(self) -> int:
        return self.bot_wide_hits + self.chat_hits


def _over(times: deque[float], limit: tuple[int, float], now: float) -> float:
    """Seconds until one more would fit in the window (0: it fits now)."""
    count, period = limit
    while times and times[0] <= now - period:
        times.popleft()
    return times[0] + period - now if len(times) >= count else 0.0


def too_many(wait: float) -> ApiError:
    retry = max(1, math.ceil(wait))
    return ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
