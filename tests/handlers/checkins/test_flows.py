"""Another time, changing and stopping, the mentor's view, a peer's own history, group
check-ins and mistakes typed: through Telegram and the fake Bot API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from handlers.checkins.common import GROUP_KIND
from handlers.checkins.views import purge_history
from tests.handlers.checkins.world import world

MONDAY = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)


async def test_another_time_is_picked_by_the_peer_and_asked_of_the_mentor(
    tmp_path: Path,
) -> None:
    async with world(tmp_path, MONDAY) as w:
        await w.say(w.mentor, f"/checkin propose #{w.peer_id} weekly mon 10:00")
        await w.press(w.peer, "Another time")
        await w.press(w.peer, "Every two weeks")
        await w.press(w.peer, "Tue")
        mentor_before = w.count(w.mentor)
        await w.press(w.peer, "15:00")
        asked = (await w.next_message(w.mentor, mentor_before)).plain
        assert await w.asks() == []  # still nothing runs
        await w.press(w.mentor, "Accept")
        row = await w.checkin()
        await w.fake.wait_for(lambda: "accepted the new time" in w.last(w.peer).plain)
    assert "every other Tuesday at 15:00" in asked
    assert "18:00" in asked  # 15:00 in Vancouver, shown in the mentor's Toronto time
    assert row.status == "active" and row.plan == {
        "every": "fortnightly",
        "day": "tue",
        "time": "15:00",
    }


async def test_a_change_is_asked_and_stop_tells_the_other_kindly(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY) as w:
        await w.agree("weekly mon 10:00")
        view = (await w.say(w.mentor, "/checkin")).plain
        await w.press(w.mentor, "Change 1")
        await w.press(w.mentor, "Daily")
        before = w.count(w.peer)
        await w.press(w.mentor, "08:00")
        asked = (await w.next_message(w.peer, before)).plain
        await w.press(w.peer, "Keep the old time")
        await w.fake.wait_for(lambda: "keep the old time" in w.last(w.mentor).plain)
        kept = await w.checkin()
        mentor_before = w.count(w.mentor)
        await w.say(w.peer, "/checkin")
        await w.press(w.peer, "Stop check-ins")
        ended = await w.next_message(w.mentor, mentor_before)
        left = await w.svc.ctx.repo.schedules.all()
    assert "member #2" in view and "Mondays at 10:00" in view
    assert "every day at 08:00" in asked
    assert kept.plan["every"] == "weekly"
    assert "ended" in ended.plain and "reason" not in ended.plain.lower()
    assert left == []


async def test_the_mentor_view_shows_only_what_was_shared(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY) as w:
        await w.agree("daily 10:00")
        await w.fire_next()
        await w.press(w.peer, "Struggling")
        await w.press(w.peer, "Keep it to myself")
        quiet = await w.say(w.mentor, "/checkin")
        await w.fire_next()
        await w.press(w.peer, "Good")
        await w.press(w.peer, "Share with member #1")
        shared = await w.say(w.mentor, "/checkin")
    assert "last shared" not in quiet.plain and "Struggling" not in quiet.plain
    assert "last shared: Good" in shared.plain and "Struggling" not in shared.plain


async def test_a_peers_own_history_is_off_by_default_kept_90_days_and_erased(
    tmp_path: Path,
) -> None:
    async with world(tmp_path, MONDAY) as w:
        await w.agree("daily 10:00")
        await w.fire_next()
        await w.press(w.peer, "Okay")
        await w.press(w.peer, "Keep it to myself")
        assert await w.svc.ctx.repo.checkins.history(w.peer_id) == []  # off: nothing kept
        await w.say(w.peer, "/checkin history on")
        await w.fire_next()
        await w.press(w.peer, "Good")
        await w.press(w.peer, "Keep it to myself")
        mine = await w.say(w.peer, "/checkin history")
        w.clock.set(w.clock.now() + timedelta(days=91))
        purged = await purge_history(w.svc.ctx)
        after = await w.svc.ctx.repo.checkins.history(w.peer_id)
        await w.svc.ctx.repo.checkins.remember(w.peer_id, "okay", w.clock.now())
        await w.say(w.peer, "/checkin history off")
        off = await w.svc.ctx.repo.checkins.history(w.peer_id)
    assert "Good" in mine.plain
    assert purged == 1 and after == [] and off == []


async def test_a_group_check_in_posts_its_question_in_the_space(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY) as w:
        space = w.fake.group("Peer space")
        w.fake.say(w.mentor, '/checkin space mon 09:00 "How is your week starting?"', space)
        await w.fake.wait_for(lambda: w.fake.messages_to(space.id))
        [row] = await w.svc.ctx.repo.schedules.for_target(f"telegram:chat:{space.id}", GROUP_KIND)
        due = w.svc.ctx.scheduler.following(row.id, None)
        assert due is not None
        w.clock.set(due)
        assert await w.svc.ctx.scheduler.fire(row.id)
        posted = await w.fake.wait_for(
            lambda: [
                m
                for m in w.fake.messages_to(space.id)
                if "week starting" in m.plain and "Check-in questions" not in m.plain
            ]
        )
    assert posted[0].buttons == []  # nothing to collect
    assert f"{due.astimezone(ZoneInfo('America/Vancouver')):%a %H:%M}" == "Mon 09:00"


async def test_mistakes_get_a_plain_answer(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY) as w:
        incomplete = await w.say(w.mentor, f"/checkin propose #{w.peer_id} weekly")
        unknown = await w.say(w.mentor, f"/checkin propose #{w.peer_id} sometimes 10:00")
        myself = await w.say(w.mentor, f"/checkin propose #{w.mentor_id} daily 10:00")
        not_mentor = await w.say(w.peer, f"/checkin propose #{w.mentor_id} daily 10:00")
    assert "how often, a day" in incomplete.plain
    assert "sometimes" in unknown.plain
    assert "someone else" in myself.plain
    assert "mentor" in not_mentor.plain
