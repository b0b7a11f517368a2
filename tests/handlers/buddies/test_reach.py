"""Check-ins' "need support now" offers the person's buddy this round: nothing is sent
without the tap, and what is sent says only who would like them to reach out."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.handlers.buddies.world import add_member, fire_round, join
from tests.handlers.checkins.world import world

MONDAY = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)


async def test_ask_my_buddy_to_reach_out_only_on_the_tap(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY) as w:
        buddy, _ = await add_member(w, "Buddy Bo")
        await join(w, w.peer)
        await join(w, buddy)
        await fire_round(w)
        await w.wait_shown(buddy, 2)  # joined, introduced
        await w.agree("weekly tue 10:00")
        ran, _ = await w.fire_next()
        assert ran
        await w.button(w.peer, "Need support now")
        before = w.count(w.peer)
        buddy_before = w.count(buddy)
        w.fake.press(w.peer, w.last(w.peer, "Need support now"), "Need support now")
        offers = await w.button(w.peer, "Ask my buddy to reach out now")
        labels = {b["text"] for b in offers.buttons}
        assert await w.svc.ctx.outbox.drain(timeout=20)
        untouched = w.count(buddy)
        await w.press(w.peer, "Ask my buddy to reach out now")
        asked = await w.next_message(buddy, buddy_before)
        assert await w.svc.ctx.outbox.drain(timeout=20)
        to_buddy = [m.plain for m in w.shown(buddy)][buddy_before:]
        said = w.last(w.peer).plain
    assert untouched == buddy_before  # offered, nothing sent
    assert w.count(w.peer) > before
    assert {"Ask member #1 to reach out now", "I'm okay for now"} <= labels
    assert asked.plain == "Peer Pat would like you to reach out."
    assert to_buddy == [asked.plain]  # that one message, never the answer
    assert "asked member #" in said


async def test_no_buddy_means_no_buddy_offer(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY) as w:
        await w.agree("weekly tue 10:00")
        await w.fire_next()
        await w.button(w.peer, "Need support now")
        w.fake.press(w.peer, w.last(w.peer, "Need support now"), "Need support now")
        offers = await w.button(w.peer, "I'm okay for now")
    assert "Ask my buddy to reach out now" not in {b["text"] for b in offers.buttons}
