"""/away until a date pauses everything scheduled for a person at once (self-care prompts,
check-ins, the digest, buddy rounds) and /back resumes it all: through Telegram, the real
scheduler and a settable clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from bot.core.model import QuietHours
from bot.storage.schedules import ScheduleRow
from handlers.buddies.common import ROUND_KIND
from handlers.checkins.common import AGAIN_KIND
from tests.handlers.buddies.world import add_member, fire_round, join
from tests.handlers.checkins.world import World, world

MONDAY = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)
KINDS = ("checkins.ask", "digest.weekly", "selfcare.prompt")


async def fire_each(w: World) -> dict[str, bool]:
    """Fire each of the peer's schedules at its next time, in time order."""
    rows = await w.svc.ctx.repo.schedules.for_person(w.peer_id)
    due = []
    for row in rows:
        when = w.svc.ctx.scheduler.following(row.id, None)
        assert when is not None
        due.append((when, row.id, row.kind))
    due.sort()
    ran = {}
    for when, schedule_id, kind in due:
        if when > w.clock.now():
            w.clock.set(when)
        ran[kind] = await w.svc.ctx.scheduler.fire(schedule_id)
    return ran


async def test_away_pauses_all_four_kinds_and_back_resumes_them(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY) as w:
        await w.agree("weekly tue 10:00")
        await w.say(w.peer, "/digest on")
        await w.say(w.peer, "/selfcare schedule daily 09:00")
        other, other_id = await add_member(w, "Buddy One")
        await join(w, w.peer)
        await join(w, other)
        kinds = sorted(r.kind for r in await w.svc.ctx.repo.schedules.for_person(w.peer_id))
        away = (await w.say(w.peer, "/away 4 weeks")).plain
        held = await w.svc.ctx.repo.people.export_person(w.peer_id)  # what /mydata lists
        assert await w.svc.ctx.outbox.drain(timeout=20)
        before = w.count(w.peer)
        while_away = await fire_each(w)
        await fire_round(w)
        assert await w.svc.ctx.outbox.drain(timeout=20)
        sent_while_away = w.count(w.peer) - before
        paired_while_away = await w.svc.ctx.repo.buddies.pairings_in(1)
        kept = sorted(r.kind for r in await w.svc.ctx.repo.schedules.for_person(w.peer_id))
        back = (await w.say(w.peer, "/back")).plain
        after_back = await fire_each(w)
        await fire_round(w)
        paired_after = await w.svc.ctx.repo.buddies.pairings_in(2)
        assert await w.svc.ctx.outbox.drain(timeout=20)
        w.fake.say(w.peer, "/back")
        again = await w.fake.wait_for(lambda: "weren't away" in w.last(w.peer).plain)
    assert kinds == sorted(KINDS)
    assert "away until" in away.lower() and "/back" in away
    assert held["away_until"] is not None
    assert while_away == dict.fromkeys(KINDS, False)
    assert sent_while_away == 0  # nothing at all reached them
    assert paired_while_away == []  # the round left them out
    assert kept == sorted(KINDS)  # paused, not removed
    assert "Welcome back" in back
    assert after_back == dict.fromkeys(KINDS, True)
    assert [p.members for p in paired_after] == [tuple(sorted((w.peer_id, other_id)))]
    assert again  # a second /back says plainly they weren't away


async def test_away_ends_by_itself_and_quiet_hours_still_win_after(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY) as w:
        await w.say(w.peer, "/selfcare schedule daily 09:00")
        await w.say(w.peer, "/away 2 days")
        first = await fire_each(w)  # tomorrow 09:00: still away
        w.clock.set(datetime(2026, 6, 4, 15, 0, tzinfo=UTC))  # the away date has passed
        second = await fire_each(w)
        await w.svc.ctx.repo.people.set_quiet_hours(w.peer_id, QuietHours(time(8), time(10)))
        third = await fire_each(w)  # 09:00 is now inside their quiet hours
    assert first == {"selfcare.prompt": False}
    assert second == {"selfcare.prompt": True}
    assert third == {"selfcare.prompt": False}


async def test_away_needs_a_date_and_says_so_plainly(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY) as w:
        asked = (await w.say(w.peer, "/away")).plain
        wrong = (await w.say(w.peer, "/away until whenever")).plain
        person = await w.svc.ctx.repo.people.get(w.peer_id)
        rounds = await w.svc.ctx.repo.schedules.for_target("network", ROUND_KIND)
    assert "Until when?" in asked
    assert wrong and "away until" not in wrong.lower()
    assert person is not None and person.away_until is None
    assert rounds == []  # no one joined buddies, so no round is scheduled


async def snoozed_then_away(w: World) -> ScheduleRow:
    """A check-in snoozed for an hour, then /away for two weeks, then the hour passes and
    the real sweeper runs: the snooze fell due while they were away."""
    await w.agree("daily 10:00")
    await w.fire_next()
    await w.button(w.peer, "Snooze 1 h")
    await w.press(w.peer, "Snooze 1 h")
    await w.say(w.peer, "/away 2 weeks")
    w.clock.set(w.clock.now() + timedelta(hours=2))
    await w.svc.ctx.scheduler.sweep()
    [held] = await w.svc.ctx.repo.schedules.for_person(w.peer_id, AGAIN_KIND)
    return held


def asked(w: World, since: int) -> int:
    return sum("How are you doing" in m.plain for m in w.shown(w.peer)[since:])


async def test_a_one_off_due_while_away_comes_once_on_back(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY) as w:
        before = w.count(w.peer)
        held = await snoozed_then_away(w)
        assert await w.svc.ctx.outbox.drain(timeout=20)
        while_away = asked(w, before)
        person = await w.svc.ctx.repo.people.get(w.peer_id)
        back = await w.say(w.peer, "/back")
        after_back = w.count(w.peer)
        await w.svc.ctx.scheduler.sweep()
        await w.wait_shown(w.peer, after_back + 1)
        w.clock.set(w.clock.now() + timedelta(minutes=5))
        await w.svc.ctx.scheduler.sweep()  # a second look sends nothing more
        assert await w.svc.ctx.outbox.drain(timeout=20)
        left = await w.svc.ctx.repo.schedules.for_person(w.peer_id, AGAIN_KIND)
    assert person is not None
    assert while_away == 0  # nothing reached them while away
    assert held.deferred_to == person.away_until  # kept for their return, not dropped
    assert "Welcome back" in back.plain
    assert asked(w, after_back) == 1  # the snoozed check-in, once
    assert left == []  # and then it is done


async def test_a_one_off_due_while_away_comes_once_when_the_away_date_passes(
    tmp_path: Path,
) -> None:
    async with world(tmp_path, MONDAY) as w:
        held = await snoozed_then_away(w)
        assert held.deferred_to is not None
        assert await w.svc.ctx.outbox.drain(timeout=20)
        before = w.count(w.peer)
        w.clock.set(held.deferred_to)  # the away date, with no /back
        await w.svc.ctx.scheduler.sweep()
        await w.wait_shown(w.peer, before + 1)
        await w.svc.ctx.scheduler.sweep()
        assert await w.svc.ctx.outbox.drain(timeout=20)
        left = await w.svc.ctx.repo.schedules.for_person(w.peer_id, AGAIN_KIND)
    assert asked(w, before) == 1
    assert left == []
