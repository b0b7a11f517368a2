"""/away until a date pauses everything scheduled for a person at once (self-care prompts,
check-ins, the digest, buddy rounds) and /back resumes it all: through Telegram, the real
scheduler and a settable clock."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

from bot.core.model import QuietHours
from handlers.buddies.common import ROUND_KIND
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
