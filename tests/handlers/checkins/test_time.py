"""Time is right: daylight-saving changes in both directions (Vancouver and Sydney), quiet
hours, restarts and make-up within the grace, snooze, pause and handover. Through the real
service, scheduler and Telegram adapter; the clock is set by the test."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.model import AccountRef, Platform, QuietHours, Role
from handlers.checkins.common import AGAIN_KIND
from tests.fakes.telegram_harness import fake_telegram
from tests.handlers.checkins.world import World, world

# (zone, the day the clocks change, the check-in time, where it lands that day)
TRANSITIONS = [
    ("America/Vancouver", "2026-03-08", "02:30", ["03:00"]),  # spring forward: once, at 03:00
    ("America/Vancouver", "2026-11-01", "01:30", ["01:30"]),  # fall back: once, not twice
    ("Australia/Sydney", "2026-10-04", "02:30", ["03:00"]),
    ("Australia/Sydney", "2026-04-05", "02:30", ["02:30"]),
]


async def walk(w: World, days: int) -> list[datetime]:
    """Fire the check-in at each moment its armed timer names, for ``days`` days."""
    row = await w.checkin()
    assert row.schedule_id is not None
    fired: list[datetime] = []
    previous = None
    end = w.clock.now() + timedelta(days=days)
    while True:
        due = w.svc.ctx.scheduler.following(row.schedule_id, previous)
        assert due is not None
        if due > end:
            return fired
        w.clock.set(due)
        if await w.svc.ctx.scheduler.fire(row.schedule_id):
            fired.append(due)
        assert await w.svc.ctx.outbox.drain(timeout=20)  # a day passes: it was delivered
        previous = due


@pytest.mark.parametrize(("zone", "day", "at", "expected"), TRANSITIONS)
async def test_a_change_of_clocks_never_moves_or_doubles_a_check_in(
    tmp_path: Path, zone: str, day: str, at: str, expected: list[str]
) -> None:
    tz = ZoneInfo(zone)
    start = datetime.fromisoformat(f"{day}T12:00").replace(tzinfo=tz) - timedelta(days=2)
    async with world(tmp_path, start.astimezone(UTC), peer_tz=zone) as w:
        await w.agree(f"daily {at}")
        fired = await walk(w, 4)
        questions = await w.wait_shown(w.peer, 1 + 1 + len(fired))
    local = [f.astimezone(tz) for f in fired]
    on_the_day = [f"{m:%H:%M}" for m in local if f"{m:%Y-%m-%d}" == day]
    assert on_the_day == expected
    others = {f"{m:%H:%M}" for m in local if f"{m:%Y-%m-%d}" != day}
    assert others == {at}  # every other day at the agreed local time
    assert len({f"{m:%Y-%m-%d}" for m in local}) == len(local) == 4  # one a day, no burst
    assert sum("How are you doing" in q.plain for q in questions) == len(fired)


async def test_quiet_hours_hold_a_check_in_until_they_end(tmp_path: Path) -> None:
    start = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    async with world(tmp_path, start) as w:
        await w.svc.ctx.repo.people.set_quiet_hours(w.peer_id, QuietHours(time(22), time(7)))
        await w.agree("daily 23:00")
        before = w.count(w.peer)
        ran, due = await w.fire_next()
        assert not ran
        row = await w.svc.ctx.repo.schedules.get((await w.checkin()).schedule_id or 0)
        assert row is not None and row.deferred_to is not None
        held_to = row.deferred_to.astimezone(ZoneInfo("America/Vancouver"))
        w.clock.set(row.deferred_to)
        assert await w.svc.ctx.scheduler.fire(row.id)
        await w.wait_shown(w.peer, before + 1)
    assert f"{held_to:%H:%M}" == "07:00"
    assert due.astimezone(ZoneInfo("America/Vancouver")).hour == 23


@pytest.mark.parametrize(("late", "expected"), [(20, 1), (180, 0)])
async def test_a_check_in_missed_while_stopped_comes_once_within_the_grace(
    tmp_path: Path, late: int, expected: int
) -> None:
    """Due 20 minutes before the restart: sent once on return. Due three hours before:
    past the one-hour grace, so not sent at all (never a 3 a.m. burst)."""
    now = datetime.now(UTC).replace(microsecond=0)
    due = (now - timedelta(minutes=late)).astimezone(ZoneInfo("America/Vancouver"))
    async with fake_telegram() as fake:
        async with world(tmp_path, now - timedelta(days=2), fake=fake) as w:
            await w.agree(f"daily {due:%H:%M}")
            shown = w.count(w.peer)
        async with world(tmp_path, now, fake=fake) as again:
            # Something else the peer will see, so the wait has an end either way.
            await again.say(again.peer, "/checkin")
            await again.wait_shown(again.peer, shown + 1 + expected)
            assert await again.svc.ctx.outbox.drain(timeout=20)
            got = again.shown(again.peer)[shown:]
    assert sum("How are you doing" in m.plain for m in got) == expected


async def test_snooze_asks_again_later_and_pause_holds_until_the_date(tmp_path: Path) -> None:
    async with world(tmp_path, datetime(2026, 6, 1, 12, 0, tzinfo=UTC)) as w:
        await w.agree("daily 10:00")
        await w.fire_next()
        await w.button(w.peer, "Snooze 1 h")
        snoozed = await w.press(w.peer, "Snooze 1 h")
        [again] = await w.svc.ctx.repo.schedules.for_person(w.peer_id, AGAIN_KIND)
        assert again.trigger["at"] == (w.clock.now() + timedelta(hours=1)).isoformat()
        w.clock.set(w.clock.now() + timedelta(hours=1))
        before = w.count(w.peer)
        assert await w.svc.ctx.scheduler.fire(again.id)
        asked = await w.next_message(w.peer, before)
        await w.press(w.peer, "Pause")
        paused = await w.press(w.peer, "7 days")
        ran, _ = await w.fire_next()
        w.clock.set(w.clock.now() + timedelta(days=7))
        ran_later, _ = await w.fire_next()
    assert "ask again" in snoozed.plain
    assert "How are you doing" in asked.plain
    assert "Paused until" in paused.plain
    assert not ran and ran_later


async def test_a_handover_moves_only_when_the_peer_accepts(tmp_path: Path) -> None:
    async with world(tmp_path, datetime(2026, 6, 1, 12, 0, tzinfo=UTC)) as w:
        await w.agree()
        other = w.fake.user("Mentor Two")
        w.fake.world.started.add(other.id)
        second = await w.svc.ctx.repo.people.create(
            AccountRef(Platform.TELEGRAM, str(other.id)), [Role.PEER, Role.MENTOR], w.clock.now()
        )
        await w.say(w.mentor, f"/checkin handover #{second.id}")
        offer = await w.button(w.peer, "Accept")
        assert (await w.checkin()).mentor_id == w.mentor_id  # nothing moved yet
        assert "Mentor Two" not in offer.plain and f"#{second.id}" in offer.plain
        await w.press(w.peer, "Accept")
        await w.fake.wait_for(lambda: w.fake.messages_to(other.id))
        [row] = await w.svc.ctx.repo.checkins.as_peer(w.peer_id)
    assert row.mentor_id == second.id


async def test_a_question_still_waiting_to_go_out_is_not_queued_twice(tmp_path: Path) -> None:
    """After a crash between queuing a question and the scheduler noting the run, the run
    made up at start finds the first still queued and leaves it to go out alone."""
    async with world(tmp_path, datetime(2026, 6, 1, 12, 0, tzinfo=UTC)) as w:
        await w.agree("daily 10:00")
        row = await w.checkin()
        assert row.schedule_id is not None
        # The peer's chat refuses for now, so the question waits in the outbox.
        w.fake.fail("sendMessage", status=502, times=1000, chat_id=w.peer.id)
        before = w.count(w.peer)
        assert await w.svc.ctx.scheduler.fire(row.schedule_id)
        assert await w.svc.ctx.scheduler.fire(row.schedule_id)  # as if made up after a crash
        w.fake.clear_failures()
        assert await w.svc.ctx.outbox.drain(timeout=30)
        got = w.shown(w.peer)[before:]
    assert sum("How are you doing" in m.plain for m in got) == 1
