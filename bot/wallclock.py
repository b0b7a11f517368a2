"""Repeating times that mean a wall-clock time in a place, right across daylight-saving changes.

APScheduler 3's ``CronTrigger`` does arithmetic on aware datetimes, and around a change of
clocks it goes wrong in both directions (agronholm/apscheduler #606, #1021): a time inside the
skipped hour fires at the wrong moment (02:30 becomes 03:30), and a time inside the repeated
hour fires twice, after which the trigger can return the same moment for ever. People expect a
check-in at 02:30 to come once at 03:00 on the spring-forward day, and once on the fall-back day.

So the cron fields are matched against *wall-clock* time (a naive local time, computed by a
UTC ``CronTrigger`` that never meets a change of clocks), and each wall-clock time is turned into
a real moment by one rule: a time that happens twice means the first; a time that does not
happen means the moment the clocks jumped. A schedule may also repeat every N weeks, counted
from the Monday of an anchor week (``every_weeks``), which cron cannot say across a year end.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

_TICK = timedelta(microseconds=1)
_LOOKAHEAD = 2000  # wall-clock candidates examined before giving up (never reached in practice)


def real_moment(wall: datetime, zone: ZoneInfo) -> datetime:
    """The moment (UTC) a naive local time means in ``zone``: the first of a repeated time,
    or the instant the clocks jumped for a time that was skipped."""
    first = wall.replace(tzinfo=zone)  # fold=0: the earlier of two, if there are two
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall:
        return first.astimezone(UTC)
    # Skipped: fold=1 reads it with the offset after the change (a moment before the jump),
    # fold=0 with the offset before it (a moment after). The jump lies between; find it.
    lo = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    hi = first.astimezone(UTC)
    after = hi.astimezone(zone).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0) if hi.microsecond else hi


class WallClockTrigger(BaseTrigger):  # type: ignore[misc]
    """Cron fields read as wall-clock time in ``timezone``; optionally every N weeks."""

    def __init__(
        self,
        fields: dict[str, str],
        timezone: str,
        *,
        every_weeks: int = 1,
        anchor: date | None = None,
    ) -> None:
        if every_weeks < 1:
            raise ValueError("every_weeks must be 1 or more")
        self.zone = ZoneInfo(timezone)
        self.fields = dict(fields)
        self.every_weeks = every_weeks
        start = anchor or date(2024, 1, 1)
        self.anchor = start - timedelta(days=start.weekday())  # the Monday of that week
        self._wall = CronTrigger(timezone=UTC, **fields)

    def _in_cycle(self, day: date) -> bool:
        return ((day - self.anchor).days // 7) % self.every_weeks == 0

    def _wall_of(self, moment: datetime) -> datetime:
        """A moment as local wall-clock time, tagged UTC so the UTC cron trigger can read it."""
        return moment.astimezone(self.zone).replace(tzinfo=UTC)

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """The first wall-clock match whose real moment is at or after ``now`` and after
        ``previous_fire_time`` (so a repeated hour never runs a schedule twice)."""
        floor = now if previous_fire_time is None else max(now, previous_fire_time + _TICK)
        floor = floor.astimezone(UTC)
        candidate = self._wall.get_next_fire_time(None, self._wall_of(floor))
        for _ in range(_LOOKAHEAD):
            if candidate is None:
                return None
            if self._in_cycle(candidate.date()):
                moment = real_moment(candidate.replace(tzinfo=None), self.zone)
                if moment >= floor:
                    return moment
            candidate = self._wall.get_next_fire_time(candidate, candidate + _TICK)
        return None

    def __str__(self) -> str:
        every = f", every {self.every_weeks} weeks" if self.every_weeks > 1 else ""
        return f"wallclock[{self.fields} {self.zone.key}{every}]"

    def __getstate__(self) -> dict[str, Any]:
        return {
            "fields": self.fields,
            "timezone": self.zone.key,
            "every_weeks": self.every_weeks,
            "anchor": self.anchor,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(  # type: ignore[misc]
            state["fields"],
            state["timezone"],
            every_weeks=state["every_weeks"],
            anchor=state["anchor"],
        )
