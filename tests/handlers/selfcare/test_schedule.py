"""A person's prompt schedule: timezones, quiet hours, rotation, pause and stop.

Real scheduler, real SQLite, the console; the clock is set by hand and schedules are fired
with ``scheduler.fire`` (what the timer calls), so nothing waits on real time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import SettableClock
from bot.config import Settings
from bot.core.events import Actor, CommandEvent, Conversation
from bot.core.model import AccountRef, Platform, Role
from bot.service import Service
from bot.storage.schedules import ScheduleRow
from handlers.selfcare.prompts import PERSONAL_KIND
from tests.handlers.selfcare.test_now import (
    MONDAY_8AM_VANCOUVER,
    me,
    prompts_shown,
    table_rows,
    theme,
)
from tests.helpers import ConsoleDriver, console_service

VANCOUVER = ZoneInfo("America/Vancouver")
TORONTO = ZoneInfo("America/Toronto")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in June 2025, Vancouver time (2 June is a Monday)."""
    return datetime(2025, 6, day, hour, minute, tzinfo=VANCOUVER)


async def my_schedules(svc: Service) -> list[ScheduleRow]:
    return await svc.ctx.repo.schedules.for_person((await me(svc)).id, PERSONAL_KIND)


async def fired(svc: Service, console: ConsoleDriver, row: ScheduleRow) -> tuple[bool, str]:
    """Fire a schedule as its timer would; return whether it ran and what arrived."""
    start = len(console.output)
    ran = await svc.ctx.scheduler.fire(row.id)
    assert await svc.ctx.outbox.drain(timeout=5)
    return ran, console.printed_since(start)


async def test_a_0730_schedule_is_0730_local_in_each_timezone(settings: Settings) -> None:
    clock = SettableClock(MONDAY_8AM_VANCOUVER)
    async with console_service(settings, clock=clock) as (svc, console):
        await console.say("/selfcare schedule mon,wed,fri 07:30 grounding")
        account = AccountRef(Platform.TELEGRAM, "4242")
        other = await svc.ctx.repo.people.create(account, [Role.PEER], clock.now())
        await svc.ctx.repo.people.set_timezone(other.id, "America/Toronto")
        await svc.dispatcher.command(
            CommandEvent(
                Actor(account),
                Conversation(Platform.TELEGRAM, "4242", True),
                "selfcare",
                raw="schedule mon,wed,fri 07:30 grounding",
            )
        )
        [mine] = await my_schedules(svc)
        [theirs] = await svc.ctx.repo.schedules.for_person(other.id, PERSONAL_KIND)
        van = svc.ctx.scheduler.next_fire(mine.id)
        tor = svc.ctx.scheduler.next_fire(theirs.id)
        moved = await console.say("/settings timezone Toronto")
        after_move = svc.ctx.scheduler.next_fire(mine.id)
    assert van is not None and tor is not None and after_move is not None
    assert van.tzinfo == UTC and tor.tzinfo == UTC
    assert van.astimezone(VANCOUVER).strftime("%H:%M") == "07:30"
    assert tor.astimezone(TORONTO).strftime("%H:%M") == "07:30"
    assert van.astimezone(VANCOUVER).strftime("%a") in {"Mon", "Wed", "Fri"}
    assert van - tor == timedelta(hours=3)  # same local time, three hours apart in UTC
    assert "America/Toronto" in moved
    assert after_move == tor  # the person moved; their 07:30 moved with them


async def test_a_prompt_due_in_quiet_hours_waits_for_them_to_end(settings: Settings) -> None:
    clock = SettableClock(at(2, 12))
    async with console_service(settings, clock=clock) as (svc, console):
        await console.say("/settings quiet 22:00-07:00")
        confirm = await console.say("/selfcare schedule 06:30 grounding")
        [row] = await my_schedules(svc)
        clock.set(at(3, 6, 30))
        held, during = await fired(svc, console, row)
        deferred = await svc.ctx.repo.schedules.get(row.id)
        clock.set(at(3, 7, 0))
        ran, after = await fired(svc, console, row)
    assert "inside your quiet hours (22:00–07:00)" in confirm and "wait until 07:00" in confirm
    assert not held and prompts_shown(during) == []
    assert deferred is not None and deferred.deferred_to == at(3, 7).astimezone(UTC)
    assert ran and len(prompts_shown(after, "grounding")) == 1
    assert "Pause a week" in after and "Stop prompts" in after  # one tap to stop


async def test_scheduled_prompts_rotate_through_the_theme(settings: Settings) -> None:
    grounding = theme("grounding")
    clock = SettableClock(at(2, 7))
    async with console_service(settings, clock=clock) as (svc, console):
        await console.say("/selfcare schedule daily 07:30 grounding")
        [row] = await my_schedules(svc)
        shown = []
        for day in range(len(grounding.prompts) + 1):
            clock.set(at(2, 7, 30) + timedelta(days=day))
            _, out = await fired(svc, console, row)
            shown += prompts_shown(out, "grounding")
    whole_round = shown[: len(grounding.prompts)]
    assert sorted(whole_round) == sorted(p.id for p in grounding.prompts)
    assert shown[-1] != whole_round[-1]


async def test_pause_until_a_date_then_prompts_come_again(settings: Settings) -> None:
    clock = SettableClock(at(2, 8))
    async with console_service(settings, clock=clock) as (svc, console):
        await console.say("/selfcare schedule weekdays 07:30 rest")
        paused = await console.say("/selfcare pause 2025-06-10")
        [row] = await my_schedules(svc)
        quiet_days = []
        for day in (3, 4, 5, 6, 9):
            clock.set(at(day, 7, 30))
            quiet_days.append(await fired(svc, console, row))
        clock.set(at(10, 7, 30))
        back = await fired(svc, console, row)
        overview = await console.say("/selfcare schedule")
    assert "Nothing scheduled will come until Tue 10 Jun" in paused
    assert all(not ran and prompts_shown(out) == [] for ran, out in quiet_days)
    assert back[0] and len(prompts_shown(back[1], "rest")) == 1
    assert "Paused until" not in overview


async def test_pause_a_week_from_the_prompt_itself(settings: Settings) -> None:
    clock = SettableClock(at(2, 7))
    async with console_service(settings, clock=clock) as (svc, console):
        await console.say("/selfcare schedule daily 07:30 rest")
        [row] = await my_schedules(svc)
        clock.set(at(2, 7, 30))
        _, out = await fired(svc, console, row)
        number = out.split("] Pause a week")[0].rsplit("[", 1)[1]
        answer = await console.say(number)
        clock.set(at(8, 7, 30))
        during = await fired(svc, console, row)
        shown = await console.say("/selfcare")
        clock.set(at(9, 7, 30))
        after = await fired(svc, console, row)
    assert "until Mon 9 Jun" in answer and "Resume now" in answer
    assert not during[0]
    assert "Paused until Mon 9 Jun" in shown and "Resume now" in shown
    assert after[0] and len(prompts_shown(after[1], "rest")) == 1


async def test_stop_from_the_prompt_removes_every_schedule(settings: Settings) -> None:
    clock = SettableClock(at(2, 7))
    async with console_service(settings, clock=clock) as (svc, console):
        await console.say("/selfcare schedule weekdays 07:30 rest")
        await console.say("/selfcare schedule weekends 10:00")
        rows = await my_schedules(svc)
        clock.set(at(2, 7, 30))
        _, out = await fired(svc, console, rows[0])
        number = out.split("] Stop prompts")[0].rsplit("[", 1)[1]
        stopped = await console.say(number)
        left = await my_schedules(svc)
        clock.set(at(3, 7, 30))
        again = [await fired(svc, console, row) for row in rows]
        all_rows = await table_rows(svc, "outbox")
    assert len(rows) == 2
    assert "Stopped. No more scheduled prompts" in stopped
    assert left == [] and all_rows["schedules"] == []
    assert all(not ran and out == "" for ran, out in again)


async def test_stop_by_command(settings: Settings) -> None:
    async with console_service(settings, clock=SettableClock(at(2, 8))) as (svc, console):
        await console.say("/selfcare schedule daily 21:00")
        assert "Stopped" in await console.say("/selfcare stop")
        assert await my_schedules(svc) == []
        assert "no scheduled prompts" in await console.say("/selfcare stop")


async def test_presets_and_theme_ticks_by_button(settings: Settings) -> None:
    async with console_service(settings, clock=SettableClock(at(2, 8))) as (svc, console):
        menu = await console.say("/selfcare schedule")
        assert "[1] Weekday mornings 08:00" in menu
        added = await console.say("1")
        [row] = await my_schedules(svc)
        picker = await console.say("5")  # Choose themes
        assert "[1] Grounding" in picker and "All themes ✓" in picker
        ticked = await console.say("1")  # Grounding
        await console.say("4")  # Rest
        [with_themes] = await my_schedules(svc)
        done = await console.say("16")  # Done: back to the overview
    assert "Done. Prompts on weekdays at 08:00: a mix of all themes." in added
    assert row.trigger == {
        "cron": {"day_of_week": "mon,tue,wed,thu,fri", "hour": "8", "minute": "0"}
    }
    assert row.timezone == "America/Vancouver"
    assert "✓ Grounding" in ticked
    assert dict(with_themes.payload) == {"themes": ["grounding", "rest"]}
    assert "On weekdays at 08:00 · Grounding, Rest" in done


async def test_selfcare_with_a_schedule_shows_it_with_pause_and_stop(settings: Settings) -> None:
    async with console_service(settings, clock=SettableClock(at(2, 8))) as (_, console):
        await console.say("/selfcare schedule mon,wed,fri 7:30pm boundaries")
        out = await console.say("/selfcare")
    assert "Your scheduled prompts" in out
    assert "Every Monday, Wednesday and Friday at 19:30 · Boundaries" in out
    assert "[1] Pause" in out and "[2] Stop prompts" in out


async def test_the_same_time_again_changes_themes_instead_of_doubling(settings: Settings) -> None:
    async with console_service(settings, clock=SettableClock(at(2, 8))) as (svc, console):
        await console.say("/selfcare schedule weekdays 08:00 rest")
        await console.say("/selfcare schedule mon-fri 8am grief")
        rows = await my_schedules(svc)
    assert len(rows) == 1 and dict(rows[0].payload) == {"themes": ["grief-and-loss"]}


async def test_mistakes_get_kind_answers_and_change_nothing(settings: Settings) -> None:
    async with console_service(settings, clock=SettableClock(at(2, 8))) as (svc, console):
        no_time = await console.say("/selfcare schedule mon,wed grounding")
        bad_word = await console.say("/selfcare schedule mon 07:30 astrology")
        two_times = await console.say("/selfcare schedule 07:30 19:00")
        no_schedule = await console.say("/selfcare pause 7")
        await console.say("/selfcare schedule daily 07:30")
        past = await console.say("/selfcare pause 2020-01-01")
        far = await console.say("/selfcare pause 2027-01-01")
        nonsense = await console.say("/selfcare pause whenever")
        rows = await my_schedules(svc)
    assert "Add a time, like 07:30" in no_time
    assert "I didn't understand 'astrology'" in bad_word and "grounding" in bad_word
    assert "One time per schedule" in two_times
    assert "You have no scheduled prompts" in no_schedule
    assert "That date has passed" in past
    assert "up to a year" in far
    assert "Pause until when?" in nonsense
    assert len(rows) == 1 and rows[0].paused_until is None


async def test_a_former_member_gets_nothing_more(settings: Settings) -> None:
    clock = SettableClock(at(2, 7))
    async with console_service(settings, clock=clock) as (svc, console):
        await console.say("/selfcare schedule daily 07:30")
        [row] = await my_schedules(svc)
        person = await me(svc)
        for role in (Role.PEER, Role.STEWARD):
            await svc.ctx.repo.people.revoke(person.id, role)
        clock.set(at(2, 7, 30))
        _, out = await fired(svc, console, row)
        left = await svc.ctx.repo.schedules.get(row.id)
    assert prompts_shown(out) == [] and left is None
