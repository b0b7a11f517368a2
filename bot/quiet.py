"""Quiet hours: a daily window in a person's own timezone when nothing scheduled reaches them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.model import QuietHours


def quiet_until(now: datetime, timezone: str, quiet: QuietHours | None) -> datetime | None:
    """If ``now`` falls in the quiet window, the moment it ends (aware, UTC); else None.

    Windows may wrap midnight (22:00–07:00). The end is computed as a wall-clock time on the
    right local date, so it stays right across daylight-saving changes.
    """
    if quiet is None or quiet.start == quiet.end:
        return None
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    t = local.time().replace(tzinfo=None)
    start, end = quiet.start, quiet.end
    if start < end:
        inside = start <= t < end
        end_date = local.date()
    else:
        inside = t >= start or t < end
        end_date = local.date() if t < end else local.date() + timedelta(days=1)
    if not inside:
        return None
    ends = datetime.combine(end_date, end, tzinfo=zone)
    return ends.astimezone(now.tzinfo)
