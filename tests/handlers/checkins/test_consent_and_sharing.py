"""Check-ins through the real Telegram adapter and the fake Bot API: nothing runs before the
peer accepts; the mentor receives only what the peer shares; "need support now" offers and
sends nothing until a tap; erasure ends check-ins and tells the other person only that."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.handlers.checkins.world import World, world

MONDAY = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)  # 08:00 in Vancouver


def everything_sent_to(w: World, user_id: int) -> str:
    """Every parameter of every call the fake recorded for this chat, as one string."""
    return "\n".join(repr(c.params) for c in w.fake.calls if c.params.get("chat_id") == user_id)


async def said_never(w: World) -> str:
    """The mentor offers, the peer taps "Don't ask me again"; what the mentor was told."""
    await w.say(w.mentor, f"/checkin propose #{w.peer_id} daily 19:00")
    await w.wait_shown(w.peer, 1)
    await w.press(w.peer, "Don't ask me again")
    return (await w.wait_shown(w.mentor, 2))[1].plain


async def test_nothing_runs_before_the_peer_accepts(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY) as w:
        sent = await w.say(w.mentor, f"/checkin propose #{w.peer_id} weekly mon 10:00")
        offer = (await w.wait_shown(w.peer, 1))[0]
        assert await w.asks() == []  # proposed, not running
        assert "Mentor Mo" in offer.plain and "Mondays at 10:00" in offer.plain
        assert {b["text"] for b in offer.buttons} >= {
            "Accept",
            "Another time",
            "Decline",
            "Don't ask me again",
        }
        assert "13:00" in sent.plain  # the mentor sees the peer's 10:00 in their own time
        await w.press(w.peer, "Accept")
        told = await w.wait_shown(w.mentor, 2)
        assert "accepted" in told[1].plain
        assert len(await w.asks()) == 1


async def test_declining_and_dont_ask_again_tell_the_mentor_only_declined(
    tmp_path: Path,
) -> None:
    async with world(tmp_path, MONDAY) as w:
        told = await said_never(w)
        again = await w.say(w.mentor, f"/checkin propose #{w.peer_id} daily 19:00")
        peer_messages = w.count(w.peer)
        running = await w.asks()
    assert running == []
    assert "declined" in told and "ask" not in told.lower()
    assert "declined" in again.plain  # the same words: "don't ask again" is not revealed
    assert peer_messages == 2  # the offer and the answer to the tap: no second offer


async def test_the_mentor_never_receives_an_unshared_answer(tmp_path: Path) -> None:
    kept_note, shared_note = "MARKER-kept-4417", "MARKER-shared-9921"
    async with world(tmp_path, MONDAY) as w:
        await w.agree()
        ran, _ = await w.fire_next()
        assert ran
        question = await w.wait_shown(w.peer, 3)
        assert "How are you doing" in question[-1].plain
        mentor_before = w.count(w.mentor)
        await w.press(w.peer, "Struggling")
        await w.say(w.peer, kept_note)
        await w.press(w.peer, "Keep it to myself")
        ran, _ = await w.fire_next()
        assert ran
        await w.wait_shown(w.peer, w.count(w.peer) + 1)
        await w.press(w.peer, "Okay")
        await w.say(w.peer, shared_note)
        await w.press(w.peer, "Share with member #1")
        shared = await w.next_message(w.mentor, mentor_before)
        assert await w.svc.ctx.outbox.drain(timeout=20)
        await w.svc.ctx.repo.db.scrub()
        to_mentor = everything_sent_to(w, w.mentor.id)
        db = w.svc.ctx.settings.database_path
    assert "doing okay" in shared.plain and shared_note in shared.plain
    assert "Peer Pat" in shared.plain
    # Every call the fake recorded for the mentor's chat: the kept answer is in none of them.
    assert kept_note not in to_mentor
    assert "hard" not in to_mentor and "Struggling" not in to_mentor
    assert w.count(w.mentor) == mentor_before + 1
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        if path.exists():
            data = path.read_bytes()
            assert kept_note.encode() not in data and shared_note.encode() not in data


async def test_need_support_now_offers_and_sends_nothing_until_a_tap(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY) as w:
        await w.agree()
        await w.fire_next()
        await w.wait_shown(w.peer, 3)
        mentor_before = w.count(w.mentor)
        before = w.count(w.peer)
        w.fake.press(w.peer, w.last(w.peer, "Need support now"), "Need support now")
        shown = await w.wait_shown(w.peer, before + 3)
        assert w.count(w.mentor) == mentor_before  # offered, nothing sent
        lines = "\n".join(m.plain for m in shown[before:])
        assert "9-8-8" in lines
        labels = {b["text"] for m in shown[before:] for b in m.buttons}
        assert {"Ask member #1 to reach out now", "I'm okay for now"} <= labels
        await w.press(w.peer, "Ask member #1 to reach out now")
        asked = await w.next_message(w.mentor, mentor_before)
        to_mentor = everything_sent_to(w, w.mentor.id)
        buttons = await w.svc.ctx.repo.db.fetchall(
            "SELECT payload, person_id FROM buttons WHERE action IN"
            " ('checkins.reach_mentor', 'checkins.share', 'checkins.keep')"
        )
    # No row ties the check-in (or anyone) to having asked for support or answered at all.
    assert buttons and all(b["payload"] == "{}" and b["person_id"] is None for b in buttons)
    assert "Peer Pat" in asked.plain and "would like you to reach out" in asked.plain
    assert "support" not in asked.plain.lower()  # never the answer
    assert "Need support" not in to_mentor


async def test_forgetme_ends_check_ins_and_tells_the_mentor_only_that(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY) as w:
        await w.agree()
        await w.say(w.peer, "/checkin history on")
        data = await w.say(w.peer, "/mydata")
        assert "checkins with your mentors" in data.plain
        mentor_before = w.count(w.mentor)
        w.fake.say(w.peer, "/forgetme")
        w.fake.press(w.peer, await w.button(w.peer, "Erase everything"), "Erase everything")
        told = await w.next_message(w.mentor, mentor_before)
        await w.fake.wait_for(lambda: "is erased" in w.last(w.peer).plain)
        left = await w.svc.ctx.repo.checkins.export_person(w.peer_id)
        schedules = await w.svc.ctx.repo.schedules.all()
    assert "ended" in told.plain and "#2" in told.plain
    assert all(not v for v in left.values())
    assert schedules == []


async def test_dont_ask_me_again_can_be_undone_and_the_mentor_is_never_told(
    tmp_path: Path,
) -> None:
    async with world(tmp_path, MONDAY) as w:
        await said_never(w)
        mentor_before = w.count(w.mentor)
        listed = await w.say(w.peer, "/checkin")
        assert "You asked member #1 not to offer" in listed.plain
        allowed = await w.press(w.peer, "Let member #1 offer again")
        assert "can offer you check-ins again" in allowed.plain
        again = await w.say(w.peer, f"/checkin allow #{w.mentor_id}")
        assert "nothing to undo" in again.plain
        peer_before = w.count(w.peer)
        offered = await w.say(w.mentor, f"/checkin propose #{w.peer_id} daily 19:00")
        offer = await w.next_message(w.peer, peer_before)
        offer_buttons = {b["text"] for b in offer.buttons}  # before the tap below edits it
        # And by command, after a second "don't ask me again".
        await w.press(w.peer, "Don't ask me again")
        await w.say(w.peer, f"/checkin allow #{w.mentor_id}")
        empty = await w.say(w.peer, "/checkin")
        assert await w.svc.ctx.outbox.drain(timeout=20)
        to_mentor = everything_sent_to(w, w.mentor.id)
        mentor_after = w.count(w.mentor)
    assert "Sent to member #2" in offered.plain and "Accept" in offer_buttons
    assert "not to offer" not in empty.plain
    # The mentor saw their own two offers' answers ("declined" once more), nothing about undo.
    assert mentor_after == mentor_before + 2
    assert "again" not in to_mentor.split("Sent to member #2")[-1].lower()
