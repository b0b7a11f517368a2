"""Which opportunities are open: judged on the day it is in the network, when someone asks,
so an expired posting disappears by itself and nothing needs cleaning up."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.content.schema.opportunities import Opportunity


def network_day(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def open_on(items: Sequence[Opportunity], day: date) -> list[Opportunity]:
    """Open on ``day``: posted by then, and not past its closing day. Newest first."""
    open_now = [o for o in items if o.posted <= day and (o.closes is None or o.closes >= day)]
    return sorted(open_now, key=lambda o: (o.posted, o.title), reverse=True)
