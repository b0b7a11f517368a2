"""The scheduler keeps each schedule's next due time in the database and sweeps what is due."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.clock import SettableClock
from bot.config import Settings
from bot.core.model import AccountRef, Platform, QuietHours, Role
from bot.scheduler import cron
from bot.service import Service
from tests.helpers import console_service
from tests.test_scheduler import fired, jobs, reset


async def sweep_due(svc: Service, clock: SettableClock, count: int) -> int:
    """Store ``count`` schedules all due at 13:00, move the clock there, sweep; how many
    batches (transactions) the sweep took."""
    for _ in range(count):
        await svc.ctx.repo.schedules.add(
            kind="test.tick",
            trigger=cron(hour=13),
            timezone="UTC",
            now=clock.now(),
            next_due=datetime(2026, 6, 1, 13, 0, tzinfo=UTC),
        )
    clock.set(datetime(2026, 6, 1, 13, 0, tzinfo=UTC))
    before = svc.ctx.scheduler.stats["batches"]
    await svc.ctx.scheduler.sweep()  # (or the service's own sweeper takes them first)
    return svc.ctx.scheduler.stats["batches"] - before


async def test_next_due_is_stored_and_follows_a_change_of_timezone(settings: Settings) -> None:
    clock = SettableClock(datetime(2026, 3, 6, 12, 0, tzinfo=UTC))  # before the DST change
    async with console_service(settings, clock=clock, extra_routers=[jobs]) as (svc, _):
        row = await svc.ctx.scheduler.add(
            "test.tick", cron(day_of_week="mon", hour=9, minute=0), timezone="America/Vancouver"
        )
        stored = await svc.ctx.repo.schedules.get(row.id)
        assert stored is not None and stored.next_due is not None
        # Monday 9 March 09:00 is already daylight time in Vancouver (UTC-7).
        assert stored.next_due == datetime(2026, 3, 9, 16, 0, tzinfo=UTC)
        await svc.ctx.scheduler.change(row.id, timezone="Europe/London")
        moved = await svc.ctx.repo.schedules.get(row.id)
    assert moved is not None and moved.next_due is not None
    assert moved.next_due.astimezone(ZoneInfo("Europe/London")).strftime("%a %H:%M") == "Mon 09:00"


async def test_a_far_schedule_is_not_run_at_start_and_runs_when_its_time_comes(
    settings: Settings,
) -> None:
    reset()
    clock = SettableClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    async with console_service(settings, clock=clock, extra_routers=[jobs]) as (svc, _):
        row = await svc.ctx.scheduler.add("test.tick", cron(day=20, hour=8), timezone="UTC")
    async with console_service(settings, clock=clock, extra_routers=[jobs]) as (svc, _):
        assert await svc.ctx.scheduler.sweep() == 0
        assert fired == []
        clock.set(datetime(2026, 6, 20, 8, 0, tzinfo=UTC))
        await svc.ctx.scheduler.sweep()  # (or the service's own sweeper takes it first)
        await svc.ctx.scheduler.sweep()
        assert fired == [row.id]  # taken once, not twice
        stored = await svc.ctx.repo.schedules.get(row.id)
    assert fired == [row.id]
    assert stored is not None and stored.next_due == datetime(2026, 7, 20, 8, 0, tzinfo=UTC)


async def test_a_burst_is_run_in_batches(settings: Settings) -> None:
    reset()
    clock = SettableClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    async with console_service(settings, clock=clock, extra_routers=[jobs]) as (svc, _):
        svc.ctx.scheduler.batch_time = None  # count rows, not seconds
        batches = await sweep_due(svc, clock, 1200)
    assert batches == 6  # 200 a batch, whichever sweep took them
    assert len(set(fired)) == 1200 and len(fired) == 1200


async def test_a_batch_ends_early_once_its_time_is_up(settings: Settings) -> None:
    """With no time to spare, each due schedule is a batch of its own: another task's write
    (a command's answer) never waits behind more than the time allowed."""
    reset()
    clock = SettableClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    async with console_service(settings, clock=clock, extra_routers=[jobs]) as (svc, _):
        svc.ctx.scheduler.batch_time = 0.0
        batches = await sweep_due(svc, clock, 5)
    assert batches == 5
    assert len(set(fired)) == 5 and len(fired) == 5


async def test_a_daily_time_keeps_its_local_hour_across_daylight_saving(
    settings: Settings,
) -> None:
    reset()
    clock = SettableClock(datetime(2026, 3, 7, 12, 0, tzinfo=UTC))  # Sat 04:00 PST
    async with console_service(settings, clock=clock, extra_routers=[jobs]) as (svc, _):
        row = await svc.ctx.scheduler.add(
            "test.tick", cron(hour=9, minute=0), timezone="America/Vancouver"
        )
        assert svc.ctx.scheduler.next_fire(row.id) == datetime(2026, 3, 7, 17, 0, tzinfo=UTC)
        clock.set(datetime(2026, 3, 7, 17, 0, tzinfo=UTC))  # 09:00 PST
        await svc.ctx.scheduler.sweep()
        # Sunday 09:00 is daylight time (UTC-7): an hour earlier in UTC.
        assert svc.ctx.scheduler.next_fire(row.id) == datetime(2026, 3, 8, 16, 0, tzinfo=UTC)
        stored = await svc.ctx.repo.schedules.get(row.id)
    assert fired == [row.id]
    assert stored is not None and stored.next_due == datetime(2026, 3, 8, 16, 0, tzinfo=UTC)


async def test_a_sweep_honours_pauses_and_quiet_hours(settings: Settings) -> None:
    reset()
    clock = SettableClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    async with console_service(settings, clock=clock, extra_routers=[jobs]) as (svc, _):
        quiet = await svc.ctx.repo.people.create(
            AccountRef(Platform.TELEGRAM, "q"), [Role.PEER], clock.now()
        )
        await svc.ctx.repo.people.set_quiet_hours(quiet.id, QuietHours(time(12), time(14)))
        deferred = await svc.ctx.scheduler.add(
            "test.tick", cron(hour=13), timezone="UTC", person_id=quiet.id
        )
        paused = await svc.ctx.scheduler.add("test.tick", cron(hour=13), timezone="UTC")
        await svc.ctx.scheduler.pause(paused.id, datetime(2026, 6, 3, tzinfo=UTC))
        clock.set(datetime(2026, 6, 1, 13, 0, tzinfo=UTC))
        await svc.ctx.scheduler.sweep()
        assert fired == []  # one in quiet hours, one paused
        held = await svc.ctx.repo.schedules.get(deferred.id)
        assert held is not None and held.deferred_to == datetime(2026, 6, 1, 14, 0, tzinfo=UTC)
        assert svc.ctx.scheduler.next_fire(paused.id) == datetime(2026, 6, 2, 13, 0, tzinfo=UTC)
        clock.set(datetime(2026, 6, 1, 14, 0, tzinfo=UTC))  # quiet hours over
        await svc.ctx.scheduler.sweep()
        assert fired == [deferred.id]
        clock.set(datetime(2026, 6, 2, 13, 0, tzinfo=UTC))  # still paused; still quiet
        await svc.ctx.scheduler.sweep()
        clock.set(datetime(2026, 6, 3, 13, 0, tzinfo=UTC))  # pause over
        await svc.ctx.scheduler.sweep()
    assert fired == [deferred.id, paused.id]
