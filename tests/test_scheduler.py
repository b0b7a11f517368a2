"""One scheduler rebuilt from the database: timezones, restarts, misfires, quiet hours, pauses."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import SettableClock
from bot.config import Settings
from bot.core.commands import Router
from bot.core.context import Context, Request
from bot.core.model import AccountRef, Platform, QuietHours, Role
from bot.scheduler import cron, crontab, once
from tests.helpers import console_service

VANCOUVER = "America/Vancouver"
fired: list[int] = []
events: list[asyncio.Event] = []
jobs = Router("jobs")


@jobs.job("test.tick")
async def tick(ctx: Context, req: Request) -> None:
    assert req.schedule is not None
    fired.append(req.schedule.id)
    events[-1].set()


def reset() -> asyncio.Event:
    """Fresh state per test (an Event belongs to one event loop)."""
    fired.clear()
    events.append(asyncio.Event())
    return events[-1]


async def person(ctx: Context, user: str, tz: str | None = None) -> int:
    p = await ctx.repo.people.create(
        AccountRef(Platform.TELEGRAM, user), [Role.PEER], ctx.clock.now()
    )
    if tz:
        await ctx.repo.people.set_timezone(p.id, tz)
    return p.id


async def test_a_weekly_time_fires_at_local_time_in_each_timezone(settings: Settings) -> None:
    clock = SettableClock(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))  # a Monday
    async with console_service(settings, clock=clock, extra_routers=[jobs]) as (svc, _):
        when = cron(day_of_week="tue", hour=7, minute=30)
        van = await svc.ctx.scheduler.add("test.tick", when, timezone=VANCOUVER)
        tor = await svc.ctx.scheduler.add("test.tick", when, timezone="America/Toronto")
        van_next = svc.ctx.scheduler.next_fire(van.id)
        tor_next = svc.ctx.scheduler.next_fire(tor.id)
    assert van_next is not None and tor_next is not None
    assert van_next.astimezone(ZoneInfo(VANCOUVER)).strftime("%a %H:%M") == "Tue 07:30"
    assert tor_next.astimezone(ZoneInfo("America/Toronto")).strftime("%a %H:%M") == "Tue 07:30"
    assert van_next - tor_next == timedelta(hours=3)


async def test_moving_timezone_keeps_the_wall_clock_time(settings: Settings) -> None:
    async with console_service(settings, extra_routers=[jobs]) as (svc, _):
        pid = await person(svc.ctx, "1", VANCOUVER)
        row = await svc.ctx.scheduler.add(
            "test.tick", cron(hour=8, minute=0), timezone=VANCOUVER, person_id=pid
        )
        await svc.ctx.scheduler.retime_person(pid, "America/Halifax")
        nxt = svc.ctx.scheduler.next_fire(row.id)
    assert nxt is not None
    assert nxt.astimezone(ZoneInfo("America/Halifax")).strftime("%H:%M") == "08:00"


async def test_schedules_are_rebuilt_from_the_database_after_a_restart(
    settings: Settings,
) -> None:
    async with console_service(settings, extra_routers=[jobs]) as (svc, _):
        row = await svc.ctx.scheduler.add("test.tick", crontab("15 9 * * mon-fri"))
        before = svc.ctx.scheduler.next_fire(row.id)
    async with console_service(settings, extra_routers=[jobs]) as (svc, _):
        assert svc.ctx.scheduler.armed() == 1
        after = svc.ctx.scheduler.next_fire(row.id)
    assert before is not None and before == after


async def test_a_run_missed_while_stopped_is_made_up_once(settings: Settings) -> None:
    ran = reset()
    now = datetime.now(UTC)
    clock = SettableClock(now - timedelta(days=3))
    due = (now - timedelta(minutes=20)).astimezone(ZoneInfo(VANCOUVER))
    async with console_service(settings, clock=clock, extra_routers=[jobs]) as (svc, _):
        # Every ten minutes past one hour, and daily at `due`: created three days ago.
        row = await svc.ctx.scheduler.add(
            "test.tick", cron(hour=due.hour, minute=due.minute), timezone=VANCOUVER
        )
        stale = await svc.ctx.scheduler.add(
            "test.tick",
            cron(hour=(due - timedelta(hours=3)).hour, minute=due.minute),
            timezone=VANCOUVER,
        )
    clock.set(now)
    async with console_service(settings, clock=clock, extra_routers=[jobs]) as (svc, _):
        await asyncio.wait_for(ran.wait(), 5)
        await asyncio.sleep(0.2)
        last = (await svc.ctx.repo.schedules.get(row.id)).last_fired_at  # type: ignore[union-attr]
    assert fired == [row.id]  # the one three hours late is past the one-hour grace
    assert stale.id not in fired
    assert last == now


async def test_a_single_moment_fires_for_real_and_then_is_gone(settings: Settings) -> None:
    ran = reset()
    async with console_service(settings, extra_routers=[jobs]) as (svc, _):
        row = await svc.ctx.scheduler.add(
            "test.tick", once(datetime.now(UTC) + timedelta(milliseconds=300))
        )
        await asyncio.wait_for(ran.wait(), 5)
        await asyncio.sleep(0.1)
        assert await svc.ctx.repo.schedules.get(row.id) is None
    assert fired == [row.id]


async def test_quiet_hours_defer_to_their_end_and_survive_a_restart(settings: Settings) -> None:
    ran = reset()
    clock = SettableClock(datetime(2026, 6, 11, 6, 0, tzinfo=UTC))  # 23:00 in Vancouver
    async with console_service(settings, clock=clock, extra_routers=[jobs]) as (svc, _):
        pid = await person(svc.ctx, "2", VANCOUVER)
        await svc.ctx.repo.people.set_quiet_hours(pid, QuietHours(time(22), time(7)))
        row = await svc.ctx.scheduler.add(
            "test.tick", cron(hour=23, minute=0), timezone=VANCOUVER, person_id=pid
        )
        assert await svc.ctx.scheduler.fire(row.id) is False
        stored = await svc.ctx.repo.schedules.get(row.id)
        assert stored is not None
        assert stored.deferred_to == datetime(2026, 6, 11, 14, 0, tzinfo=UTC)  # 07:00 PDT
        clock.set(datetime(2026, 6, 11, 13, 0, tzinfo=UTC))  # 06:00: still quiet, coalesced
        assert await svc.ctx.scheduler.fire(row.id) is False
    assert fired == []

    clock.set(datetime(2026, 6, 11, 14, 0, tzinfo=UTC))
    async with console_service(settings, clock=clock, extra_routers=[jobs]) as (svc, _):
        # The stored deferral is in the past for this clock, so it runs at start.
        await asyncio.wait_for(ran.wait(), 5)
        await asyncio.sleep(0.1)
        stored = await svc.ctx.repo.schedules.get(row.id)
    assert fired == [row.id]
    assert stored is not None and stored.deferred_to is None


async def test_a_paused_schedule_skips_until_the_date(settings: Settings) -> None:
    reset()
    clock = SettableClock(datetime(2026, 6, 1, 18, 0, tzinfo=UTC))
    async with console_service(settings, clock=clock, extra_routers=[jobs]) as (svc, _):
        row = await svc.ctx.scheduler.add("test.tick", cron(hour=11))
        await svc.ctx.scheduler.pause(row.id, datetime(2026, 6, 8, tzinfo=UTC))
        assert await svc.ctx.scheduler.fire(row.id) is False
        clock.set(datetime(2026, 6, 8, 18, 0, tzinfo=UTC))
        assert await svc.ctx.scheduler.fire(row.id) is True
    assert fired == [row.id]


async def test_a_schedule_for_an_erased_person_removes_itself(settings: Settings) -> None:
    reset()
    async with console_service(settings, extra_routers=[jobs]) as (svc, _):
        pid = await person(svc.ctx, "3")
        row = await svc.ctx.scheduler.add("test.tick", cron(hour=9), person_id=pid)
        await svc.ctx.repo.people.erase_person(pid)
        assert await svc.ctx.scheduler.fire(row.id) is False
        assert svc.ctx.scheduler.next_fire(row.id) is None
    assert fired == []


async def test_nothing_scheduled_reaches_someone_who_has_left(settings: Settings) -> None:
    reset()
    async with console_service(settings, extra_routers=[jobs]) as (svc, _):
        pid = await person(svc.ctx, "4")
        row = await svc.ctx.scheduler.add("test.tick", cron(hour=9), person_id=pid)
        await svc.ctx.repo.people.revoke(pid, Role.PEER)
        assert await svc.ctx.scheduler.fire(row.id) is False
        assert await svc.ctx.repo.schedules.get(row.id) is None
    assert fired == []


async def test_a_persons_schedules_are_exported_with_their_details(settings: Settings) -> None:
    async with console_service(settings, extra_routers=[jobs]) as (svc, _):
        pid = await person(svc.ctx, "5")
        await svc.ctx.scheduler.add(
            "test.tick", cron(hour=9), person_id=pid, payload={"themes": ["rest"]}
        )
        exported = await svc.ctx.scheduler.export_person(pid)
    (schedule,) = exported["schedules"]
    assert schedule["details"] == {"themes": ["rest"]}
    assert schedule["when"] == {"cron": {"hour": "9"}}
