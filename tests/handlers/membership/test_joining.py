"""Joining, roles and leaving on the console: invitations, the agreements tap, codes that are
wrong, used or expired, throttling, the last steward, and what stewards can see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import SettableClock
from bot.config import Settings
from bot.core.model import Platform, Role
from bot.storage.codes import hash_code
from tests.handlers.guests import Guest, code_in
from tests.helpers import console_service

START = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


async def test_joining_needs_a_valid_code_and_the_agreements_tap(settings: Settings) -> None:
    async with console_service(settings, clock=SettableClock(START)) as (svc, console):
        await console.say(":space")
        await console.say("/space add")
        await console.say(":private")
        code = code_in(await console.say("/invite"))
        sam = Guest(svc, "sam")
        shown = await sam.say(f"/join {code.lower()}")  # case and dashes do not matter
        labels = sam.labels
        before = await svc.ctx.repo.people.by_account(sam.account)
        welcome = await sam.press("I agree")
        person = await svc.ctx.repo.people.by_account(sam.account)
        stored = await svc.ctx.repo.db.fetchall("SELECT code_hash FROM codes")
        inside = svc.ctx.platforms[sam.platform].spaces
    assert "Our community agreements" in shown and labels == ["I agree", "Not now"]
    assert "Tap I agree to join. Nothing happens until you do." in shown
    assert before is None  # nothing happened before the tap
    assert person is not None and person.is_member and not person.has(Role.MENTOR)
    assert "You're a member now" in welcome
    assert "the console space (Console): open to you now." in welcome
    assert [r["code_hash"] for r in stored] == [hash_code(code)]  # only the hash is kept
    assert code.replace("-", "") not in str([tuple(r) for r in stored])
    assert "sam" in inside.inside["space"]  # type: ignore[attr-defined]


async def test_wrong_used_and_expired_codes_are_refused_kindly(settings: Settings) -> None:
    clock = SettableClock(START)
    async with console_service(settings, clock=clock) as (svc, console):
        used = code_in(await console.say("/invite"))
        old = code_in(await console.say("/invite days:2"))
        first, second, third = Guest(svc, "a"), Guest(svc, "b"), Guest(svc, "c")
        wrong = await first.say("/join K7QP2-XWM9A")
        await second.say(f"/join {used}")
        await second.press("I agree")
        again = await third.say(f"/join {used}")
        clock.set(START + timedelta(days=3))
        expired = await third.say(f"/join {old}")
        nobody = [await svc.ctx.repo.people.by_account(g.account) for g in (first, third)]
    assert "I don't recognise that code" in wrong
    assert "already been used" in again
    assert "has run out" in expired
    assert nobody == [None, None]


async def test_a_second_tap_on_a_used_code_does_not_make_a_second_member(
    settings: Settings,
) -> None:
    async with console_service(settings) as (svc, console):
        code = code_in(await console.say("/invite"))
        ana, bo = Guest(svc, "ana"), Guest(svc, "bo")
        await ana.say(f"/join {code}")
        await bo.say(f"/join {code}")  # both saw the agreements before either tapped
        await ana.press("I agree")
        late = await bo.press("I agree")
        count = await svc.ctx.repo.people.count_with_role(Role.PEER)
    assert "already been used" in late
    assert count == 2  # the steward and Ana


async def test_repeated_wrong_codes_are_throttled_per_account(settings: Settings) -> None:
    clock = SettableClock(START)
    async with console_service(settings, clock=clock) as (svc, console):
        code = code_in(await console.say("/invite"))
        guesser, other = Guest(svc, "guesser"), Guest(svc, "other")
        for n in range(5):
            await guesser.say(f"/join AAAAA-BBBB{n + 2}")
        blocked = await guesser.say(f"/join {code}")  # even the right code waits
        elsewhere = await other.say(f"/join {code}")  # someone else is not held up
        clock.set(START + timedelta(minutes=16))
        later = await guesser.say(f"/join {code}")
    assert "Please wait about 15 min" in blocked
    assert "Tap I agree" in elsewhere
    assert "Tap I agree" in later


async def test_only_stewards_invite_mentors_and_mentors_can_invite_peers(
    settings: Settings,
) -> None:
    async with console_service(settings) as (svc, console):
        code = code_in(await console.say("/invite mentor"))
        mia = Guest(svc, "mia")
        await mia.say(f"/join {code}")
        welcome = await mia.press("I agree")
        mentor = await svc.ctx.repo.people.by_account(mia.account)
        refused = await mia.say("/invite mentor")
        allowed = await mia.say("/invite")
        peer = Guest(svc, "pat")
        await peer.say(f"/join {code_in(allowed)}")
        await peer.press("I agree")
        not_for_peers = await peer.say("/invite")
    assert mentor is not None and mentor.has(Role.MENTOR)
    assert "joined as a mentor" in welcome
    assert "Only stewards can invite someone as a mentor" in refused
    assert "/invite is for a mentor" in not_for_peers


async def test_roles_change_by_member_number_and_the_last_steward_stays(
    settings: Settings,
) -> None:
    async with console_service(settings) as (svc, console):
        code = code_in(await console.say("/invite"))
        kit = Guest(svc, "kit")
        await kit.say(f"/join {code}")
        await kit.press("I agree")
        kit_id = (await svc.ctx.repo.people.by_account(kit.account)).id  # type: ignore[union-attr]
        alone = await console.say("/role 1 peer")
        cannot_remove = await console.say("/remove #1")
        cannot_leave = await console.say("/leave")
        unknown = await console.say("/role #99 mentor")
        promoted = await console.say(f"/role #{kit_id} steward")
        stepped_down = await console.say("/role 1 peer")
        listing = await kit.say("/members")
        steward = await svc.ctx.repo.people.get(1)
    assert "That's the last steward" in alone and "That's the last steward" in cannot_remove
    assert "You're the last steward" in cannot_leave
    assert f"Member #{kit_id} is now a steward." in promoted
    assert "Member #1 is now a peer." in stepped_down
    assert steward is not None and not steward.has(Role.STEWARD) and steward.is_member
    assert "I can't find a member by that" in unknown
    assert f"#{kit_id} · steward · Console" in listing and "#1 · peer · Console" in listing


async def test_a_steward_removes_a_member_after_confirming(settings: Settings) -> None:
    async with console_service(settings) as (svc, console):
        await console.say(":space")
        await console.say("/space add")
        await console.say(":private")
        code = code_in(await console.say("/invite"))
        lee = Guest(svc, "lee")
        await lee.say(f"/join {code}")
        await lee.press("I agree")
        asked = await console.say("/remove 2")
        still = await svc.ctx.repo.people.get(2)
        done = await console.say("1")  # the Remove button
        gone = await svc.ctx.repo.people.get(2)
        inside = svc.ctx.platforms[lee.platform].spaces.inside["space"]  # type: ignore[attr-defined]
        back = await lee.say("/help")
        mydata = await lee.say("/mydata")  # a removed person still owns their data
    assert "Remove member #2 (Console) from the network?" in asked
    assert still is not None and still.is_member
    assert "Member #2 is no longer a member." in done
    assert "Taken out of: the console space (Console)." in done
    assert gone is not None and not gone.is_member and "lee" not in inside
    assert "/resources" not in back
    assert "member number" in mydata


async def test_members_see_the_spaces_and_get_fresh_ways_in(settings: Settings) -> None:
    async with console_service(settings) as (svc, console):
        await console.say(":space")
        await console.say("/space add")
        await console.say(":private")
        code = code_in(await console.say("/invite"))
        ray = Guest(svc, "ray")
        await ray.say(f"/join {code}")
        await ray.press("I agree")
        svc.ctx.platforms[ray.platform].spaces.inside["space"].clear()  # type: ignore[attr-defined]
        listed = await ray.say("/space")
        again = await ray.press("Let me in")
        add = await ray.say("/space add", space="space")
    assert "1. the console space (Console)" in listed and "Stop 1" not in ray.labels
    assert "the console space (Console): open to you now." in again
    assert "/space is for a steward" in add


async def test_linking_makes_one_person_and_never_merges_two(settings: Settings) -> None:
    clock = SettableClock(START)
    async with console_service(settings, clock=clock) as (svc, console):
        phone = Guest(svc, "555", Platform.TELEGRAM)
        code = code_in(await console.say("/link"))
        linked = await phone.say(f"/link {code}")
        again = await phone.say(f"/link {code}")
        mine = await console.say("/mydata")
        bo = Guest(svc, "bo")
        await bo.say(f"/join {code_in(await console.say('/invite'))}")
        await bo.press("I agree")
        refused = await bo.say(f"/link {code_in(await console.say('/link'))}")
        late = code_in(await console.say("/link"))
        clock.set(START + timedelta(minutes=20))
        expired = await Guest(svc, "777", Platform.TELEGRAM).say(f"/link {late}")
        stranger = await Guest(svc, "888", Platform.TELEGRAM).say("/link")
        steward = await svc.ctx.repo.people.by_account(phone.account)
    assert "Your Telegram account is now linked" in linked
    assert "already been used" in again
    assert steward is not None and steward.id == 1
    assert "console:local" in mine and "telegram:555" in mine
    assert "already has its own record" in refused
    assert "has run out" in expired
    assert "Only members can link accounts" in stranger


async def test_codes_are_deleted_a_month_after_they_run_out(settings: Settings) -> None:
    async with console_service(settings, clock=SettableClock(START)) as (svc, console):
        await console.say("/invite days:1")
        kept = await svc.ctx.repo.codes.purge(START + timedelta(days=30))
        purged = await svc.ctx.repo.codes.purge(START + timedelta(days=32))
        left = await svc.ctx.repo.db.fetchall("SELECT * FROM codes")
    assert (kept, purged, left) == (0, 1, [])


async def test_an_old_let_me_in_button_does_nothing_after_removal(settings: Settings) -> None:
    """Regression: buttons last 90 days, and "Let me in" from an old /space list opened every
    space again for someone who had been removed."""
    async with console_service(settings) as (svc, console):
        await console.say(":space")
        await console.say("/space add")
        await console.say(":private")
        code = code_in(await console.say("/invite"))
        ray = Guest(svc, "ray")
        await ray.say(f"/join {code}")
        await ray.press("I agree")
        await ray.say("/space")  # the list, with its "Let me in" button
        await console.say("/remove 2")
        await console.say("1")  # the Remove button
        pressed = await ray.press("Let me in")
        inside = svc.ctx.platforms[ray.platform].spaces.inside["space"]  # type: ignore[attr-defined]
    assert "That button is for members of the network." in pressed
    assert "ray" not in inside


async def test_a_removal_that_fails_keeps_the_account_in_the_audit(settings: Settings) -> None:
    """Regression: a removal forgot the accounts it had seen in every space, even where taking
    them out failed, so /audit on Telegram (which can only check who it has seen) could no
    longer find someone still inside."""
    from bot.core.events import MemberPosted
    from bot.core.spaces import SpaceError

    async with console_service(settings) as (svc, console):
        await console.say(":space")
        await console.say("/space add")
        await console.say(":private")
        code = code_in(await console.say("/invite"))
        kim = Guest(svc, "kim")
        await kim.say(f"/join {code}")
        await kim.press("I agree")
        await svc.dispatcher.space_event(MemberPosted("space", kim.account))
        spaces = svc.ctx.platforms[kim.platform].spaces

        async def refuse(space_id: str, user_id: str) -> None:
            raise SpaceError("the app said no")

        spaces.remove = refuse  # type: ignore[method-assign]  # the platform refuses
        await console.say("/remove 2")
        done = await console.say("1")  # the Remove button
        seen = await svc.ctx.repo.spaces.seen_in(kim.platform, "space")
    assert "Not yet out" in done
    assert "kim" in seen  # what Telegram's audit relies on: it cannot list a group's members
