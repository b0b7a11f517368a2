"""Buddy rounds through Telegram and the fake Bot API: joining, introductions, the check-back
(reported to no one), two missed introductions, the do-not-pair list, erasure."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.model import QuietHours
from handlers.buddies.common import INTRO_KIND
from tests.handlers.buddies.world import (
    fire_check_backs,
    fire_round,
    join,
    members,
    one_other_joins,
)
from tests.handlers.checkins.world import World, world

MONDAY = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)


def numbers_in(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"member #(\d+)", text)}


def calls_since(w: World, start: int) -> list[str]:
    """Every call the fake recorded after ``start``, as method and parameters."""
    return [f"{c.method} {c.params!r}" for c in w.fake.calls[start:]]


async def test_joining_with_a_region_and_interests_and_plain_answers_to_mistakes(
    tmp_path: Path,
) -> None:
    async with world(tmp_path, MONDAY) as w:
        joined = await join(w, w.peer, "north, harm reduction, youth")
        mistake = (await w.say(w.peer, "/buddy join moonbase")).plain
        again = (await w.say(w.peer, "/buddy join")).plain  # a bare join keeps the choices
        status = (await w.say(w.peer, "/buddy")).plain
        paused = (await w.say(w.peer, "/buddy pause until 3 weeks")).plain
        no_date = (await w.say(w.peer, "/buddy pause until someday")).plain
        row = await w.svc.ctx.repo.buddies.get(w.peer_id)
        left = (await w.say(w.peer, "/buddy leave")).plain
        gone = await w.svc.ctx.repo.buddies.get(w.peer_id)
    assert "You're in the buddy rounds" in joined and "Harm reduction" in joined
    assert "moonbase" in mistake and "harm-reduction" in mistake  # says what would work
    assert "Northern BC" in status and "Next round" in status
    assert "Northern BC" in again
    assert "paused until" in paused.lower()
    assert no_date and "paused" not in no_date.lower()
    assert row is not None and row.region == "northern-bc"
    assert row.interests == ("harm-reduction", "youth")
    assert row.paused_until is not None
    assert "left the buddy rounds" in left and gone is None


async def test_each_pair_gets_a_private_introduction_and_an_odd_one_makes_a_trio(
    tmp_path: Path,
) -> None:
    async with world(tmp_path, MONDAY) as w:
        people = await members(w, 4)
        everyone = [(w.peer, w.peer_id), *people]  # five people
        for user, _ in everyone:
            await join(w, user, "harm reduction")
        before = {user.id: w.count(user) for user, _ in everyone}
        await fire_round(w)
        intros = {pid: await w.next_message(user, before[user.id]) for user, pid in everyone}
        pairings = await w.svc.ctx.repo.buddies.pairings_in(1)
    assert sorted(len(p.members) for p in pairings) == [2, 3]
    for pairing in pairings:
        for pid in pairing.members:
            intro = intros[pid]
            assert numbers_in(intro.plain) == set(pairing.others(pid))  # names each other only
            assert "Telegram" in intro.plain and "Harm reduction" in intro.plain
            # No one here set a Telegram username: Say hi is the way to reach each of them.
            assert intro.plain.count("use Say hi below") == len(pairing.others(pid))
            labels = {b["text"] for b in intro.buttons}
            assert labels == {f"Say hi to member #{o}" for o in pairing.others(pid)}
    assert "no pressure" in intros[w.peer_id].plain.lower()


async def test_say_hi_relays_one_message_and_keeps_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The service's own logging: its code at any level, libraries at INFO (bot/logs.py
    # never lets them print whole payloads at DEBUG).
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    caplog.set_level(logging.DEBUG, logger="handlers")
    marker = "hello-from-a-buddy-7Q2X"
    async with world(tmp_path, MONDAY) as w:
        other, other_id = await one_other_joins(w)
        await fire_round(w)
        await w.button(w.peer, f"Say hi to member #{other_id}")
        await w.press(w.peer, f"Say hi to member #{other_id}")
        before = w.count(other)
        await w.say(w.peer, marker)
        relayed = await w.next_message(other, before)
        after = (await w.say(w.peer, "one more message")).plain
        assert await w.svc.ctx.outbox.drain(timeout=20)
        await w.svc.ctx.repo.db.scrub()
        db = w.svc.ctx.settings.database_path
        later = w.count(other)
    assert marker in relayed.plain and "Peer Pat" in relayed.plain
    assert {b["text"] for b in relayed.buttons} == {"Say hi back"}
    assert "one more message" not in "".join(m.plain for m in w.shown(other))  # once only
    assert later == before + 1 and after
    assert marker not in caplog.text  # in no log
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        if path.exists():
            assert marker.encode() not in path.read_bytes()


async def test_the_check_back_answer_is_reported_to_no_one(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY) as w:
        other, other_id = await one_other_joins(w)
        await fire_round(w)
        await w.wait_shown(other, 2)  # "you're in", then the introduction
        await w.wait_shown(w.peer, 2)
        peer_before, other_before = w.count(w.peer), w.count(other)
        assert await fire_check_backs(w) == 2
        asked = await w.next_message(w.peer, peer_before)
        asked_text, asked_buttons = asked.plain, {b["text"] for b in asked.buttons}
        await w.next_message(other, other_before)
        start = len(w.fake.calls)
        said = await w.press(w.peer, "Yes")
        assert await w.svc.ctx.outbox.drain(timeout=20)
        after = calls_since(w, start)
        exported = await w.svc.ctx.repo.buddies.export_person(w.peer_id)
        to_other = [m.plain for m in w.shown(other)]
    assert "Did you connect?" in asked_text and f"member #{other_id}" in asked_text
    assert asked_buttons == {"Yes", "Not yet", "Skip"}
    assert "Glad" in said.plain
    # Every call after the tap concerns only the person who tapped (or no chat at all).
    for call in after:
        assert f"'chat_id': {other.id}" not in call and str(w.mentor.id) not in call
    assert len(to_other) == other_before + 1  # the other saw only their own check-back
    assert exported["buddy_pairings"][0]["you_tapped_on_it"] is True
    assert "yes" not in repr(exported).lower().replace("you_tapped", "")


async def test_two_missed_introductions_ask_to_stay_in_without_removing(
    tmp_path: Path,
) -> None:
    async with world(tmp_path, MONDAY) as w:
        other, other_id = await one_other_joins(w)
        await fire_round(w)  # round 1: no one taps
        await fire_round(w)  # round 2: no one taps
        assert not [m for m in w.shown(w.peer) if "stay in" in m.plain.lower()]
        await fire_round(w)  # round 3: both let two pass, so both are asked
        asked = (await w.button(w.peer, "Stay in")).plain
        still_in = await w.svc.ctx.repo.buddies.get(w.peer_id)
        third = await w.svc.ctx.repo.buddies.pairings_in(3)
        await w.press(w.peer, "Stay in")
        await w.press(other, "Stay in")
        await fire_round(w)
        fourth = await w.svc.ctx.repo.buddies.pairings_in(4)
    assert "two buddy introductions" in asked
    assert still_in is not None  # asked, not removed
    assert third == []  # left out only until they answer
    assert [p.members for p in fourth] == [tuple(sorted((w.peer_id, other_id)))]


async def test_do_not_pair_is_private_and_honoured(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY) as w:
        (a, a_id), (b, b_id), (c, c_id) = await members(w, 3)
        for user in (w.peer, a, b, c):
            await join(w, user)
        b_before = w.count(b)
        start = len(w.fake.calls)
        said = (await w.say(w.peer, f"/buddy avoid #{b_id}")).plain
        told = calls_since(w, start)
        for _ in range(2):  # (many rounds are in test_matching; a third would ask to stay in)
            await fire_round(w)
        rounds = [await w.svc.ctx.repo.buddies.pairings_in(n) for n in (1, 2)]
        status = (await w.say(w.peer, "/buddy")).plain
        await w.wait_shown(b, b_before + 2)
        assert await w.svc.ctx.outbox.drain(timeout=20)
        b_after = w.count(b)
    assert "won't be paired" in said and "No one is told" in said
    assert all(str(b.id) not in call for call in told)  # nothing at all to the avoided person
    assert b_after == b_before + 2  # only their two introductions
    for pairings in rounds:
        assert all({w.peer_id, b_id} - set(p.members) for p in pairings)
        assert sorted(m for p in pairings for m in p.members) == sorted(
            [w.peer_id, a_id, b_id, c_id]
        )
    assert f"#{b_id}" not in status  # the list is shown nowhere


async def test_forgetme_ends_the_pairing_and_tells_the_buddy_only_that(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY) as w:
        ((other, other_id),) = await members(w, 1)
        await join(w, w.peer, "island, grief")
        await join(w, other)
        await w.say(w.peer, f"/buddy avoid #{w.mentor_id}")
        await fire_round(w)
        await w.wait_shown(w.peer, 3)  # joined, avoided, introduced
        await w.wait_shown(other, 2)
        data = await w.say(w.peer, "/mydata")
        before = w.count(other)
        w.fake.say(w.peer, "/forgetme")
        w.fake.press(w.peer, await w.button(w.peer, "Erase everything"), "Erase everything")
        told = await w.next_message(other, before)
        await w.fake.wait_for(lambda: "is erased" in w.last(w.peer).plain)
        left = await w.svc.ctx.repo.buddies.export_person(w.peer_id)
        theirs = await w.svc.ctx.repo.buddies.export_person(other_id)
        schedules = await w.svc.ctx.repo.schedules.for_person(w.peer_id)
    assert "buddy" in data.plain.lower() and "grief" in data.plain.lower()
    assert "do not pair" in data.plain.lower()
    assert told.plain == f"Your buddy pairing with member #{w.peer_id} has ended."
    assert left == {"buddy_rounds": None, "buddy_do_not_pair_list": [], "buddy_pairings": []}
    assert theirs["buddy_pairings"][0]["paired_with_member_numbers"] == []
    assert schedules == []


async def test_quiet_hours_hold_an_introduction_back_until_they_end(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY) as w:
        ((other, _),) = await members(w, 1)
        await join(w, w.peer)
        await join(w, other)
        quiet = QuietHours(time(8), time(12))  # the round is at 10:00, their time
        await w.svc.ctx.repo.people.set_quiet_hours(w.peer_id, quiet)
        before = w.count(w.peer)
        await fire_round(w)
        await w.wait_shown(other, 2)  # the other, not in quiet hours, is introduced now
        assert await w.svc.ctx.outbox.drain(timeout=20)
        held = w.count(w.peer)
        (waiting,) = await w.svc.ctx.repo.schedules.for_person(w.peer_id, INTRO_KIND)
        assert waiting.deferred_to is not None
        w.clock.set(waiting.deferred_to)
        ran = await w.svc.ctx.scheduler.fire(waiting.id)
        intro = await w.next_message(w.peer, before)
        local = waiting.deferred_to.astimezone(ZoneInfo("America/Vancouver"))
        left = await w.svc.ctx.repo.schedules.for_person(w.peer_id, INTRO_KIND)
    assert held == before and ran
    assert f"{local:%H:%M}" == "12:00"
    assert "Meet your buddy" in intro.plain
    assert left == []  # delivered once, then gone


async def test_a_paused_person_is_left_out_until_their_date(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY) as w:
        (a, a_id), (b, b_id) = await members(w, 2)
        for user in (w.peer, a, b):
            await join(w, user)
        await w.say(w.peer, "/buddy pause until 10 days")
        await fire_round(w)  # today, 10:00 their time: paused
        first_at = w.clock.now()
        first = await w.svc.ctx.repo.buddies.pairings_in(1)
        await fire_round(w)  # two weeks on: back in
        second = await w.svc.ctx.repo.buddies.pairings_in(2)
    assert w.clock.now() - first_at == timedelta(weeks=2)
    assert [p.members for p in first] == [tuple(sorted((a_id, b_id)))]
    assert [sorted(p.members) for p in second] == [sorted((w.peer_id, a_id, b_id))]


async def test_a_steward_sets_the_round_day_and_others_may_not(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY) as w:
        refused = (await w.say(w.peer, "/buddy rounds thursday")).plain
        unclear = (await w.say(w.mentor, "/buddy rounds someday")).plain
        said = (await w.say(w.mentor, "/buddy rounds thursday")).plain
        await join(w, w.peer)  # joining keeps the day a steward chose
        await fire_round(w)
        local = w.clock.now().astimezone(ZoneInfo(w.svc.ctx.settings.default_timezone))
    assert "Thursday" not in refused
    assert "Which weekday?" in unclear
    assert "every other Thursday at 10:00" in said
    assert f"{local:%A %H:%M}" == "Thursday 10:00"


async def test_the_do_not_pair_list_can_be_seen_and_emptied_by_its_owner_alone(
    tmp_path: Path,
) -> None:
    async with world(tmp_path, MONDAY) as w:
        other, other_id = await one_other_joins(w)
        empty = await w.say(w.peer, "/buddy avoid")
        await w.say(w.peer, f"/buddy avoid #{other_id}")
        listed = (await w.say(w.peer, "/buddy avoid")).plain  # before the tap edits it
        other_before = w.count(other)
        removed = await w.press(w.peer, f"Remove member #{other_id}")
        again = await w.say(w.peer, f"/buddy unavoid #{other_id}")
        await w.say(w.peer, f"/buddy avoid #{other_id}")
        by_command = await w.say(w.peer, f"/buddy unavoid #{other_id}")
        left = await w.svc.ctx.repo.buddies.avoided_pairs()
        assert await w.svc.ctx.outbox.drain(timeout=20)
        other_after = w.count(other)
        await fire_round(w)
        pairings = await w.svc.ctx.repo.buddies.pairings_in(1)
    assert "empty" in empty.plain
    assert f"member #{other_id}" in listed and "Only you" in listed
    assert "off your list" in removed.plain and "isn't on" in again.plain
    assert "off your list" in by_command.plain
    assert left == set()
    assert other_after == other_before  # no one is told
    assert [set(p.members) for p in pairings] == [{w.peer_id, other_id}]
