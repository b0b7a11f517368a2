"""One scheduler for every platform, driven by the database.

The ``schedules`` table is the source of truth, and each row keeps its next due moment
(``next_due``, indexed), computed from its trigger in its IANA timezone when it is made,
changed or run. So a start builds no triggers and arms no per-schedule timers: one sweeper
sleeps until the earliest due moment (re-reading it at least every ``window``), then turns
everything due into runs a batch at a time (one read of the rows, one of their people, one
transaction for the outcome) and yields between batches so commands stay answered in a burst.
APScheduler only keeps the service's housekeeping chores. At fire time the row is read
again, so a pause, a person's ``/away``, a change of timezone or an erased person always
wins over a timer set earlier. Anything due inside a person's quiet hours is deferred to
their end (and the deferral is stored, so it survives a restart). A run missed while the bot
was down is made up once at start if it is within the misfire grace; several missed runs
coalesce into one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from bot import collector
from bot.clock import Clock
from bot.core.errors import describe_without_text
from bot.core.model import Person
from bot.outbox.priority import scheduled_mail
from bot.quiet import quiet_until
from bot.storage.people import PeopleRepository
from bot.storage.schedules import ScheduleRepository, ScheduleRow
from bot.wallclock import WallClockTrigger

log = logging.getLogger(__name__)

Runner = Callable[[ScheduleRow], Awaitable[None]]
#: Runs many due schedules of one kind together (one read, one write for all of them).
BatchRunner = Callable[[Sequence[ScheduleRow]], Awaitable[None]]
Decision = Literal["skip", "remove", "defer", "run"]
TICK = timedelta(microseconds=1)
MIN_BATCH = 10  # rows a batch takes however slow the last one was
#: Rows the first batch of a sweep takes when batches are sized by time: nothing is known yet
#: of what a row costs (the first also pays for what is done once: loading, warming caches),
#: so it starts small and the next batch is sized by what this one took.
FIRST_BATCH = 20
#: Next due times worked out in a sweep: (trigger, timezone) -> (for which moment, the answer).
_Nexts = dict[tuple[str, str], tuple[datetime, datetime | None]]
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
        window: timedelta = timedelta(minutes=1),
        batch: int = 200,
        batch_time: float | None = 0.05,
    ) -> None:
        self._schedules = schedules
        self._people = people
        self._clock = clock
        self._default_tz = default_timezone
        self._grace = misfire_grace
        self._window = window
        self.batch = batch  # rows a batch takes at most (fewer when batches run slow)
        self.batch_time = batch_time  # seconds a batch's transaction may stay open (None: any)
        self._runner: Runner | None = None
        self._together: Callable[[str], BatchRunner | None] = lambda kind: None
        self._aps = AsyncIOScheduler(timezone=UTC)
        self._due: dict[int, str | datetime] = {}  # id -> next due (text until first asked)
        self._specs: dict[int, tuple[Mapping[str, Any], str]] = {}  # triggers seen this run
        self._deadline = 0.0  # when the sweeper next looks, on the event loop's clock
        self._rearm = asyncio.Event()
        self._sweeper: asyncio.Task[None] | None = None
        self._in_flight: set[int] = set()
        self._sweeping = asyncio.Lock()  # one sweep at a time: a row is taken once
        self.stats = {"batches": 0, "ran": 0}

    holds = ("schedules",)

    def set_runner(
        self, runner: Runner, together: Callable[[str], BatchRunner | None] | None = None
    ) -> None:
        """What to do when a schedule fires (dispatch to the job's handler), and, for the
        kinds whose jobs take many at once, how a sweep runs a batch of them together."""
        self._runner = runner
        if together is not None:
            self._together = together

    async def start(self) -> int:
        """Start sweeping; returns how many schedules are due at once (runs missed while
        stopped, made up once within the grace, and deferred runs now due)."""
        now = self._clock.now()
        await self._fill_missing_due()
        self._due = dict(await self._schedules.next_dues())
        due_now = await self._schedules.count_due(now)
        self._aps.start()
        self._deadline = 0.0  # look at once: runs missed while stopped are made up now
        self._sweeper = asyncio.create_task(self._sweep_loop(), name="scheduler:sweep")
        return due_now

    async def shutdown(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        if self._aps.running:
            self._aps.shutdown(wait=False)

    async def _fill_missing_due(self) -> None:
        """Schedules stored before due times were kept: their first time after the last run
        (or their making), so a run missed while stopped is still made up."""
        after = 0
        while rows := await self._schedules.without_next_due(self.batch, after):
            updates: list[tuple[int, datetime | None]] = []
            for row in rows:
                since = row.last_fired_at or row.created_at or self._clock.now()
                updates.append((row.id, self._next_after(row, since)))
            await self._schedules.settle(next_due=updates, fired=[], deferred=[], deleted=[])
            after = rows[-1].id

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
        now = self._clock.now()
        due = self._first_due(when, tz, now)  # validates, too
        row = await self._schedules.add(
            kind=kind,
            trigger=when,
            timezone=tz,
            now=now,
            person_id=person_id,
            target=target,
            payload=payload,
            next_due=due,
        )
        self._remember(row.id, row.trigger, row.timezone, due)
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
        hours (stored, so it survives a restart), or is dropped while they are away. It has
        no due time of its own, so the sweeper cannot run it a second time."""
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
        spec, tz = when or row.trigger, timezone or row.timezone
        due = self._first_due(spec, tz, self._clock.now())
        await self._schedules.update(schedule_id, trigger=when, timezone=timezone, payload=payload)
        await self._schedules.set_next_due(schedule_id, due)
        row = await self._schedules.get(schedule_id)
        assert row is not None
        self._remember(row.id, row.trigger, row.timezone, due)
        return row

    async def retime_person(self, person_id: int, timezone: str) -> None:
        """A person moved timezone: their schedules keep their wall-clock times there."""
        for row in await self._schedules.for_person(person_id):
            await self.change(row.id, timezone=timezone)

    async def pause(self, schedule_id: int, until: datetime | None) -> None:
        """Skip runs until ``until`` (None resumes)."""
        await self._schedules.set_paused(schedule_id, until)

    async def person_back(self, person_id: int) -> int:
        """Someone ended their /away early: what waited for their return (a one-off that fell
        due while they were away) goes now, once, still within their quiet hours. Returns
        how many were waiting."""
        now = self._clock.now()
        waiting = [
            row
            for row in await self._schedules.for_person(person_id)
            if "at" in row.trigger and row.deferred_to is not None and row.deferred_to > now
        ]
        for row in waiting:
            await self._schedules.set_deferred(row.id, now)
        if waiting:
            self._consider(now)
        return len(waiting)

    async def remove(self, schedule_id: int) -> None:
        await self._schedules.delete(schedule_id)
        self._forget(schedule_id)

    def next_fire(self, schedule_id: int) -> datetime | None:
        """The schedule's next due moment by its own timer (a deferral aside)."""
        due = self._due.get(schedule_id)
        if isinstance(due, str):
            due = self._due[schedule_id] = datetime.fromisoformat(due)
        return due

    def following(self, schedule_id: int, previous: datetime | None) -> datetime | None:
        """When the timer goes off next after a run at ``previous`` (None: from now, by the
        service's clock): answerable at any moment so tests can walk a schedule across a
        change of clocks."""
        spec = self._specs.get(schedule_id)
        if spec is None:
            return self.next_fire(schedule_id) if previous is None else None
        trigger = build_trigger(*spec)
        nxt = trigger.get_next_fire_time(previous, previous or self._clock.now())
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
        """How many schedules have a next due moment."""
        return len(self._due)

    async def export_person(self, person_id: int) -> dict[str, Any]:
        return await self._schedules.export_person(person_id)

    async def erase_person(self, person_id: int) -> None:
        for row in await self._schedules.for_person(person_id):
            self._forget(row.id)
        await self._schedules.erase_person(person_id)

    # -- firing -----------------------------------------------------------------------------

    async def fire(self, schedule_id: int) -> bool:
        """Run a schedule now unless paused, deferred, its person away, or in quiet hours;
        True if it ran."""
        row = await self._schedules.get(schedule_id)
        if row is None:
            self._forget(schedule_id)
            return False
        now = self._clock.now()
        person = await self._people.get(row.person_id) if row.person_id is not None else None
        if row.next_due is not None and row.next_due <= now and "at" not in row.trigger:
            # This run (whatever it decides) answers the time that fell due: the sweeper must
            # not take it up a second time.
            nxt = self._next_after(row, now)
            await self._schedules.set_next_due(row.id, nxt)
            self._remember(row.id, row.trigger, row.timezone, nxt)
        decision, until = self._decide(row, person, now)
        if decision == "remove":
            await self.remove(row.id)
            return False
        if decision == "defer":
            assert until is not None
            await self._schedules.set_deferred(row.id, until)
            self._consider(until)
            return False
        if decision == "skip":
            return False
        self._in_flight.add(row.id)
        try:
            await self._run(row)
            await self._schedules.mark_fired(row.id, now)
            if "at" in row.trigger:
                await self.remove(row.id)
        finally:
            self._in_flight.discard(row.id)
        return True

    def _decide(
        self, row: ScheduleRow, person: Person | None, now: datetime
    ) -> tuple[Decision, datetime | None]:
        """What a timer going off means for this row now: the one place pauses, deferrals,
        /away, leaving and quiet hours are weighed (for a single run and for a burst alike)."""
        if row.paused_until is not None and now < row.paused_until:
            return "skip", None
        if row.deferred_to is not None and now < row.deferred_to:
            return "skip", None  # a deferred run is already waiting: coalesce into it
        if row.person_id is not None:
            if person is None or not person.is_member:
                # Nothing scheduled reaches someone who has left the network.
                return "remove", None
            if person.away_until is not None and now < person.away_until:
                # /away: one pause for everything, honoured here and nowhere else. A repeating
                # time comes again, so it is skipped; a one-off (a snooze, a check-back, a
                # reminder) would never come again, so it waits for their return and goes
                # once then (at the away date, or at /back: see ``person_back``), its job
                # judging whether it still helps (a reminder after the training says nothing).
                if "at" in row.trigger:
                    return "defer", person.away_until
                return "skip", None
            tz = person.timezone or row.timezone
            until = quiet_until(now, tz, person.quiet_hours)
            if until is not None:
                return "defer", until
        return "run", None

    async def _run(self, row: ScheduleRow) -> None:
        if self._runner is None:
            raise RuntimeError("scheduler has no runner")
        try:
            with scheduled_mail():  # what a job queues gives way to answers (priority.py)
                await self._runner(row)
        except Exception as exc:
            log.error("schedule %d (%s) failed:\n%s", row.id, row.kind, describe_without_text(exc))

    # -- the sweeper --------------------------------------------------------------------------

    async def _sweep_loop(self) -> None:
        """Sleep until the earliest due moment, then sweep. A new or changed schedule due
        sooner wakes it; it re-reads the earliest moment at least every ``window`` so a row
        changed behind its back is still seen. The wait is counted on the event loop's own
        clock from the moment a due time is learnt (as a timer would be), so a test that
        moves the service's clock by hand fires what it means to fire, and nothing else."""
        loop = asyncio.get_running_loop()
        cap = self._window.total_seconds()
        while True:
            wait = self._deadline - loop.time()
            if wait > 0:
                self._rearm.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(min(wait, cap)):
                        await self._rearm.wait()
                if self._rearm.is_set():
                    continue  # something sooner came in: look at the new deadline
                if wait > cap:
                    await self._look_ahead()
                    continue
            try:
                await self.sweep()
            except Exception as exc:  # keep sweeping: the next round tries again
                log.error("scheduler: a sweep failed:\n%s", describe_without_text(exc))
            await self._look_ahead()

    async def _look_ahead(self) -> None:
        earliest = await self._schedules.earliest()
        seconds = self._window.total_seconds()
        if earliest is not None:
            seconds = min(seconds, (earliest - self._clock.now()).total_seconds())
        self._deadline = asyncio.get_running_loop().time() + max(0.0, seconds)

    def _consider(self, due: datetime | None) -> None:
        """A due moment came in: wake the sweeper if it is sooner than it planned to look."""
        if due is None or self._sweeper is None:
            return
        seconds = max(0.0, (due - self._clock.now()).total_seconds())
        deadline = asyncio.get_running_loop().time() + seconds
        if deadline < self._deadline:
            self._deadline = deadline
            self._rearm.set()

    async def sweep(self) -> int:
        """Run everything due now, a batch at a time; returns how many ran."""
        async with self._sweeping:
            return await self._sweep_all()

    async def _sweep_all(self) -> int:
        """Batches are sized by what the last one cost, so each keeps its transaction (and
        the event loop) for about ``batch_time``: a command's answer waits at most that long
        for the write lock, on a quiet machine or a busy one."""
        loop = asyncio.get_running_loop()
        ran = 0
        after = 0
        size = self.batch if self.batch_time is None else min(self.batch, FIRST_BATCH)
        nexts: _Nexts = {}  # a burst shares a few times, batch after batch
        while True:
            now = self._clock.now()
            rows = await self._schedules.due(now, size, after)
            if not rows:
                return ran
            began = loop.time()
            done, after = await self._sweep_batch(rows, now, nexts)
            took = loop.time() - began
            if self.batch_time is not None and took > 0:
                taken = sum(1 for r in rows if r.id <= after)
                fits = int(self.batch_time * max(1, taken) / took)
                size = max(MIN_BATCH, min(self.batch, fits))
            ran += done
            if done >= MIN_BATCH:
                # What the batch queued waits minutes for its turn to be sent: out of the
                # garbage collector's walks, which would otherwise stop the loop for long.
                collector.set_aside()
            await asyncio.sleep(0)  # let commands in between batches

    async def _sweep_batch(
        self, rows: list[ScheduleRow], now: datetime, nexts: _Nexts
    ) -> tuple[int, int]:
        """One batch in one transaction: every write the jobs make (a prompt's outbox row,
        its buttons) and the batch's own outcome commit together. Other tasks' writes (a
        command's answer) wait for the commit, so a batch ends early once it has run for
        ``batch_time`` seconds; returns how many ran and the last row it took."""
        async with self._schedules.db.batch():
            return await self._sweep_rows(rows, now, nexts)

    async def _sweep_rows(
        self, rows: list[ScheduleRow], now: datetime, nexts: _Nexts
    ) -> tuple[int, int]:
        self.stats["batches"] += 1
        loop = asyncio.get_running_loop()
        began = loop.time()
        last = rows[-1].id
        people = await self._people.get_many(r.person_id for r in rows if r.person_id)
        next_due: list[tuple[int, datetime | None]] = []
        fired: list[tuple[int, datetime]] = []
        deferred: list[tuple[int, datetime | None]] = []
        deleted: list[int] = []
        ran = 0
        together: dict[str, list[ScheduleRow]] = {}
        for n, row in enumerate(rows):
            if n and self.batch_time is not None and loop.time() - began >= self.batch_time:
                last = rows[n - 1].id  # the rest go in the next batch
                break
            if row.id in self._in_flight:
                continue  # fire() is running it this moment
            self._specs[row.id] = (row.trigger, row.timezone)
            one_off = "at" in row.trigger
            deferred_due = row.deferred_to is not None and row.deferred_to <= now
            timer_due = row.next_due is not None and row.next_due <= now
            go = deferred_due or (timer_due and self._within_grace(row, now))
            if timer_due:
                nxt = None if one_off else self._next_after(row, now, nexts)
                next_due.append((row.id, nxt))
                self._remember(row.id, row.trigger, row.timezone, nxt)
                if one_off and not go and row.deferred_to is None:
                    log.info("schedule %d (%s) was missed by too long; dropping", row.id, row.kind)
                    deleted.append(row.id)
                    self._forget(row.id)
                    continue
            if not go:
                continue
            person = people.get(row.person_id) if row.person_id is not None else None
            decision, until = self._decide(row, person, now)
            if decision == "remove":
                deleted.append(row.id)
                self._forget(row.id)
            elif decision == "defer":
                assert until is not None
                deferred.append((row.id, until))
            elif decision == "run":
                if self._together(row.kind) is not None:
                    together.setdefault(row.kind, []).append(row)
                    self._in_flight.add(row.id)
                else:
                    await self._run(row)
                ran += 1
                fired.append((row.id, now))
                if one_off:
                    deleted.append(row.id)
                    self._forget(row.id)
            elif deferred_due:
                # A deferred run that cannot go now (paused, or away) is not kept for later,
                # as a timer's own run would not be either.
                deferred.append((row.id, None))
            if n % 50 == 49:
                await asyncio.sleep(0)
        for kind, group in together.items():
            try:
                await self._run_together(kind, group)
            finally:
                self._in_flight.difference_update(r.id for r in group)
        await self._schedules.settle(
            next_due=next_due, fired=fired, deferred=deferred, deleted=deleted
        )
        for _, until in deferred:
            self._consider(until)
        self.stats["ran"] += ran
        return ran, last

    async def _run_together(self, kind: str, rows: list[ScheduleRow]) -> None:
        """Run a batch's due rows of one kind with one call, inside a savepoint of the
        batch's transaction. If that call fails, what it wrote is undone and each row runs
        alone, so one bad row costs no one else their prompt. (The transaction and the
        savepoint begin with the job's first write: what it reads and prepares before
        keeps no command waiting.)"""
        runner = self._together(kind)
        assert runner is not None
        try:
            async with self._schedules.db.part():
                with scheduled_mail():
                    await runner(rows)
            return
        except Exception as exc:
            if len(rows) == 1:
                row = rows[0]
                log.error("schedule %d (%s) failed:\n%s", row.id, kind, describe_without_text(exc))
                return
            log.warning(
                "a batch of %d %s schedules failed; running each alone:\n%s",
                len(rows),
                kind,
                describe_without_text(exc),
            )
        for row in rows:
            await self._run_together(kind, [row])

    def _within_grace(self, row: ScheduleRow, now: datetime) -> bool:
        """Whether a time fell due no longer than the grace ago; several missed times
        coalesce into the latest one."""
        assert row.next_due is not None
        if row.next_due >= now - self._grace:
            return True
        if "at" in row.trigger:
            return False
        since = row.last_fired_at or row.created_at or now
        probe = max(since, now - self._grace) + TICK
        latest = build_trigger(row.trigger, row.timezone).get_next_fire_time(None, probe)
        return latest is not None and latest <= now

    @staticmethod
    def _first_due(spec: Mapping[str, Any], tz: str, now: datetime) -> datetime | None:
        """A new or changed schedule's first time: a one-off at its moment, a repeating time
        at its next occurrence after now (one made at exactly its time starts next time)."""
        trigger = build_trigger(spec, tz)
        nxt = trigger.get_next_fire_time(None, now if "at" in spec else now + TICK)
        return nxt.astimezone(UTC) if nxt else None

    def _next_after(
        self,
        row: ScheduleRow,
        moment: datetime,
        memo: _Nexts | None = None,
    ) -> datetime | None:
        """The row's first time strictly after ``moment``. ``memo`` keeps answers by trigger
        and timezone, with the moment each was worked out for: thousands of prompts due at
        07:30 share one, through every batch of a sweep. An answer for an earlier moment
        still holds for a later one that comes before it (no time of the trigger falls in
        between), and "never again" holds for any later moment; otherwise it is worked out
        afresh."""
        if "at" in row.trigger:
            at = datetime.fromisoformat(row.trigger["at"])
            return at if at > moment else None
        # repr, not a sorted dump: rows read from the same stored text give the same repr,
        # and a trigger spelt in another order is only worked out once more.
        key = (repr(row.trigger), row.timezone)
        if memo is not None and (known := memo.get(key)) is not None:
            asked, answer = known
            if asked <= moment and (answer is None or moment < answer):
                return answer
        nxt = build_trigger(row.trigger, row.timezone).get_next_fire_time(None, moment + TICK)
        found = nxt.astimezone(UTC) if nxt else None
        if memo is not None:
            memo[key] = (moment, found)
        return found

    def _remember(
        self, schedule_id: int, spec: Mapping[str, Any], tz: str, due: datetime | None
    ) -> None:
        self._specs[schedule_id] = (spec, tz)
        if due is None:
            self._due.pop(schedule_id, None)
        else:
            self._due[schedule_id] = due.astimezone(UTC)
            self._consider(due)

    def _forget(self, schedule_id: int) -> None:
        self._due.pop(schedule_id, None)
        self._specs.pop(schedule_id, None)
