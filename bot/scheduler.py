"""One scheduler for every platform, rebuilt from the database at every start.

The ``schedules`` table is the source of truth; APScheduler only holds timers. At fire time
the row is read again, so a pause, a person's ``/away``, a change of timezone or an erased
person always wins over a timer set earlier. Anything due inside a person's quiet hours is
deferred to their end (and the deferral is stored, so it survives a restart). A run missed
while the bot was down is made up once at start if it is within the misfire grace; several
missed runs coalesce into one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from bot.clock import Clock
from bot.core.errors import describe_without_text
from bot.quiet import quiet_until
from bot.storage.people import PeopleRepository
from bot.storage.schedules import ScheduleRepository, ScheduleRow
from bot.wallclock import WallClockTrigger

log = logging.getLogger(__name__)

Runner = Callable[[ScheduleRow], Awaitable[None]]
CRON_FIELDS = ("year", "month", "day", "week", "day_of_week", "hour", "minute", "second")


def cron(**fields: str | int) -> dict[str, Any]:
    """A repeating time, in APScheduler cron fields: ``cron(day_of_week="mon", hour=10)``."""
    unknown = set(fields) - set(CRON_FIELDS)
    if unknown:
        raise ValueError(f"unknown cron fields {sorted(unknown)}")
    return {"cron": {k: str(v) for k, v in fields.items()}}


def crontab(expr: str) -> dict[str, Any]:
    """A repeating time from a five-field crontab line, e.g. ``0 9 * * mon-fri``."""
    parts = expr.split()
    if len(parts) != 5:
        raise ValueError("a crontab line has five fields: minute hour day month weekday")
    CronTrigger.from_crontab(expr)  # raises ValueError when malformed
    minute, hour, day, month, dow = parts
    return cron(minute=minute, hour=hour, day=day, month=month, day_of_week=dow)


def once(at: datetime) -> dict[str, Any]:
    """A single moment."""
    if at.tzinfo is None:
        raise ValueError("give an aware datetime")
    return {"at": at.astimezone(UTC).isoformat()}


def every_weeks(spec: Mapping[str, Any], weeks: int, anchor: date) -> dict[str, Any]:
    """A cron time that repeats only every ``weeks`` weeks, counted from ``anchor``'s week."""
    if "cron" not in spec or weeks < 1:
        raise ValueError("every_weeks takes a cron time and a count of 1 or more")
    return {**spec, "every_weeks": weeks, "anchor": anchor.isoformat()}


def build_trigger(spec: Mapping[str, Any], timezone: str) -> BaseTrigger:
    """A timer for a stored time. Repeating times are wall-clock times in ``timezone`` (see
    :mod:`bot.wallclock`: APScheduler's own CronTrigger is wrong across daylight-saving)."""
    zone = ZoneInfo(timezone)
    if "cron" in spec:
        anchor = spec.get("anchor")
        return WallClockTrigger(
            dict(spec["cron"]),
            timezone,
            every_weeks=int(spec.get("every_weeks", 1)),
            anchor=date.fromisoformat(anchor) if anchor else None,
        )
    if "at" in spec:
        return DateTrigger(datetime.fromisoformat(spec["at"]), timezone=zone)
    raise ValueError(f"unknown trigger {spec!r}")


class Scheduler:
    def __init__(
        self,
        schedules: ScheduleRepository,
        people: PeopleRepository,
        clock: Clock,
        default_timezone: str,
        *,
        misfire_grace: timedelta = timedelta(hours=1),
    ) -> None:
        self._schedules = schedules
        self._people = people
        self._clock = clock
        self._default_tz = default_timezone
        self._grace = misfire_grace
        self._runner: Runner | None = None
        self._aps = AsyncIOScheduler(timezone=UTC)

    holds = ("schedules",)

    def set_runner(self, runner: Runner) -> None:
        """What to do when a schedule fires (dispatch to the job's handler)."""
        self._runner = runner

    async def start(self) -> int:
        """Rebuild every timer from the database and start; returns how many were made up."""
        made_up = 0
        now = self._clock.now()
        for row in await self._schedules.all():
            if await self._restore(row, now):
                made_up += 1
        self._aps.start()
        return made_up

    async def shutdown(self) -> None:
        if self._aps.running:
            self._aps.shutdown(wait=False)

    # -- changing schedules -----------------------------------------------------------------

    async def add(
        self,
        kind: str,
        when: Mapping[str, Any],
        *,
        timezone: str | None = None,
        person_id: int | None = None,
        target: str | None = None,
        payload: Mapping[str, Any] | None = None,
    ) -> ScheduleRow:
        tz = timezone or self._default_tz
        build_trigger(when, tz)  # validate before storing
        row = await self._schedules.add(
            kind=kind,
            trigger=when,
            timezone=tz,
            now=self._clock.now(),
            person_id=person_id,
            target=target,
            payload=payload,
        )
        self._arm(row)
        return row

    async def run_now(
        self,
        kind: str,
        *,
        person_id: int,
        timezone: str | None = None,
        payload: Mapping[str, Any] | None = None,
    ) -> bool:
        """Something for one person that is due now (a buddy introduction): it goes through
        the fire path like any schedule, so it runs at once, waits for the end of their quiet
        hours (stored, so it survives a restart), or is dropped while they are away. No timer
        is armed for "now", so the timer cannot run it a second time."""
        now = self._clock.now()
        row = await self._schedules.add(
            kind=kind,
            trigger=once(now),
            timezone=timezone or self._default_tz,
            now=now,
            person_id=person_id,
            target=None,
            payload=payload,
        )
        return await self.fire(row.id)

    async def change(
        self,
        schedule_id: int,
        *,
        when: Mapping[str, Any] | None = None,
        timezone: str | None = None,
        payload: Mapping[str, Any] | None = None,
    ) -> ScheduleRow | None:
        row = await self._schedules.get(schedule_id)
        if row is None:
            return None
        build_trigger(when or row.trigger, timezone or row.timezone)
        await self._schedules.update(schedule_id, trigger=when, timezone=timezone, payload=payload)
        row = await self._schedules.get(schedule_id)
        assert row is not None
        self._arm(row)
        return row

    async def retime_person(self, person_id: int, timezone: str) -> None:
        """A person moved timezone: their schedules keep their wall-clock times there."""
        for row in await self._schedules.for_person(person_id):
            await self.change(row.id, timezone=timezone)

    async def pause(self, schedule_id: int, until: datetime | None) -> None:
        """Skip runs until ``until`` (None resumes)."""
        await self._schedules.set_paused(schedule_id, until)

    async def remove(self, schedule_id: int) -> None:
        await self._schedules.delete(schedule_id)
        self._disarm(schedule_id)

    def next_fire(self, schedule_id: int) -> datetime | None:
        job = self._aps.get_job(f"s{schedule_id}")
        if job is None:
            return None
        nxt = job.next_run_time if self._aps.running else None
        if nxt is None:
            nxt = job.trigger.get_next_fire_time(None, self._clock.now())
        return nxt.astimezone(UTC) if nxt else None

    def following(self, schedule_id: int, previous: datetime | None) -> datetime | None:
        """When the armed timer goes off next after a run at ``previous`` (None: from now, by
        the service's clock): the question APScheduler asks after each run, answerable at
        any moment so tests can walk a schedule across a change of clocks."""
        job = self._aps.get_job(f"s{schedule_id}")
        if job is None:
            return None
        nxt = job.trigger.get_next_fire_time(previous, previous or self._clock.now())
        return nxt.astimezone(UTC) if nxt else None

    def housekeeping(
        self, name: str, every: timedelta, task: Callable[[], Awaitable[object]]
    ) -> None:
        """A service chore on an interval (not stored: it is re-added at every start)."""

        async def run() -> None:
            try:
                await task()
            except Exception as exc:
                log.error("housekeeping %s failed:\n%s", name, describe_without_text(exc))

        self._aps.add_job(
            run,
            "interval",
            seconds=every.total_seconds(),
            id=f"housekeeping:{name}",
            replace_existing=True,
            coalesce=True,
        )

    def armed(self) -> int:
        return sum(1 for job in self._aps.get_jobs() if job.id.startswith("s"))

    async def export_person(self, person_id: int) -> dict[str, Any]:
        return await self._schedules.export_person(person_id)

    async def erase_person(self, person_id: int) -> None:
        for row in await self._schedules.for_person(person_id):
            self._disarm(row.id)
        await self._schedules.erase_person(person_id)

    # -- firing -----------------------------------------------------------------------------

    async def fire(self, schedule_id: int) -> bool:
        """Run a schedule now unless paused, deferred, its person away, or in quiet hours;
        True if it ran."""
        row = await self._schedules.get(schedule_id)
        if row is None:
            self._disarm(schedule_id)
            return False
        now = self._clock.now()
        if row.paused_until is not None and now < row.paused_until:
            return False
        if row.deferred_to is not None and now < row.deferred_to:
            return False  # a deferred run is already waiting: coalesce into it
        if row.person_id is not None:
            person = await self._people.get(row.person_id)
            if person is None or not person.is_member:
                # Nothing scheduled reaches someone who has left the network.
                await self.remove(row.id)
                return False
            if person.away_until is not None and now < person.away_until:
                # /away: one pause for everything, honoured here and nowhere else. A one-off
                # (a snooze, a check-back) is dropped rather than kept for after they return.
                if "at" in row.trigger:
                    await self.remove(row.id)
                return False
            tz = person.timezone or row.timezone
            until = quiet_until(now, tz, person.quiet_hours)
            if until is not None:
                await self._schedules.set_deferred(row.id, until)
                self._arm_deferred(row.id, until)
                return False
        await self._run(row)
        await self._schedules.mark_fired(row.id, now)
        if "at" in row.trigger:
            await self._schedules.delete(row.id)
            self._disarm(row.id)
        return True

    async def _run(self, row: ScheduleRow) -> None:
        if self._runner is None:
            raise RuntimeError("scheduler has no runner")
        try:
            await self._runner(row)
        except Exception as exc:
            log.error("schedule %d (%s) failed:\n%s", row.id, row.kind, describe_without_text(exc))

    # -- timers -----------------------------------------------------------------------------

    def _arm(self, row: ScheduleRow) -> None:
        self._aps.add_job(
            self.fire,
            build_trigger(row.trigger, row.timezone),
            args=[row.id],
            id=f"s{row.id}",
            replace_existing=True,
            misfire_grace_time=int(self._grace.total_seconds()),
            coalesce=True,
            max_instances=1,
        )

    def _arm_deferred(self, schedule_id: int, at: datetime | None) -> None:
        """A one-off run of a schedule: at ``at``, or as soon as possible when None."""
        self._aps.add_job(
            self.fire,
            DateTrigger(at),
            args=[schedule_id],
            id=f"s{schedule_id}:deferred",
            replace_existing=True,
            misfire_grace_time=int(self._grace.total_seconds()),
        )

    def _disarm(self, schedule_id: int) -> None:
        for job_id in (f"s{schedule_id}", f"s{schedule_id}:deferred"):
            if self._aps.get_job(job_id) is not None:
                self._aps.remove_job(job_id)

    async def _restore(self, row: ScheduleRow, now: datetime) -> bool:
        """Re-arm one schedule at start; make up a run missed within the grace."""
        trigger = build_trigger(row.trigger, row.timezone)
        if row.deferred_to is not None:
            self._arm_deferred(row.id, row.deferred_to if row.deferred_to > now else None)
        since = row.last_fired_at or row.created_at or now
        # The latest run due between the last one made and now, if it is within the grace.
        probe = max(since, now - self._grace) + timedelta(microseconds=1)
        if "at" in row.trigger:
            due = datetime.fromisoformat(row.trigger["at"])
            if due > now:
                self._arm(row)
                return False
            if due >= probe - timedelta(microseconds=1):
                self._arm_deferred(row.id, None)  # run once now; it then deletes itself
                return True
            log.info("schedule %d (%s) was missed by too long; dropping", row.id, row.kind)
            await self._schedules.delete(row.id)
            return False
        self._arm(row)
        missed = trigger.get_next_fire_time(None, probe)
        if row.deferred_to is None and missed is not None and missed <= now:
            self._arm_deferred(row.id, None)
            return True
        return False
