"""Inside a debrief room and how it ends: guided steps, a break, /leave leaving only the room,
/close, a quiet room warned then closed, a removed member taken out, a restart."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.clock import SettableClock
from bot.service import running
from handlers import ROUTERS
from handlers.debrief.closing import QUIET_KIND
from tests.fakes.telegram_harness import adapter, fake_telegram, telegram_settings
from tests.handlers.debrief.network import START, Net, invite_and_join, network, open_room


async def fire_quiet_check(net: Net) -> None:
    [row] = [r for r in await net.svc.ctx.repo.schedules.all() if r.kind == QUIET_KIND]
    await net.svc.ctx.scheduler.fire(row.id)


async def test_guided_steps_come_up_for_everyone_one_button_at_a_time(tmp_path: Path) -> None:
    async with network(tmp_path) as net:
        ada, kim = await net.member("Ada"), await net.member("Kim")
        await open_room(net, ada)
        banner, _ = await invite_and_join(net, ada, kim)
        await net.press(kim, banner, "Guided steps")
        first_ada = await net.said(ada, "Step 1 of 4: What happened")
        first_kim = await net.said(kim, "Step 1 of 4: What happened")
        await net.press(ada, first_ada, "Next step")
        second = await net.said(kim, "Step 2 of 4: What's staying with you")
    assert "Go at your own pace" in first_kim.plain
    assert {b["text"] for b in first_kim.buttons} == {"Next step", "Crisis lines"}
    assert "Go at your own pace" not in second.plain


async def test_a_break_tells_the_room_without_a_reason_and_crisis_lines_are_one_tap_away(
    tmp_path: Path,
) -> None:
    async with network(tmp_path) as net:
        ada, kim = await net.member("Ada"), await net.member("Kim")
        await open_room(net, ada)
        banner, _ = await invite_and_join(net, ada, kim)
        await net.press(kim, banner, "I need a break")
        told = await net.said(ada, "stepped away")
        yours = await net.said(kim, "Take the time you need")
        await net.press(kim, yours, "Crisis lines")
        lines = await net.said(kim, "988")
    assert told.plain == "Kim stepped away for a bit."
    assert "Crisis lines" in {b["text"] for b in banner.buttons}
    assert lines


async def test_leave_in_a_room_leaves_only_the_room_and_the_last_to_leave_closes_it(
    tmp_path: Path,
) -> None:
    async with network(tmp_path) as net:
        ada, kim = await net.member("Ada"), await net.member("Kim")
        await open_room(net, ada)
        await invite_and_join(net, ada, kim)
        net.say(kim, "/leave")
        left = await net.said(kim, "You left the debrief room")
        await net.said(ada, "Kim left the room.")
        still = await net.svc.ctx.repo.people.get(net.numbers[kim.id])
        net.say(kim, "/leave")
        network_leave = await net.said(kim, "Leave")
        net.say(ada, "/leave")
        closed = await net.said(ada, "The debrief room is closed")
        await net.settle()
        held = await net.svc.ctx.repo.debrief.rooms_held()
        rooms = await net.svc.ctx.repo.debrief.rooms()
    assert "You're still a member of the network" in left.plain
    assert still is not None and still.is_member
    assert "Peer Circle" in network_leave.plain  # the second /leave is the network's
    assert {b["text"] for b in closed.buttons} == {"A self-care prompt", "Crisis lines"}
    assert held == 1 and rooms == []


async def test_only_the_opener_closes_and_everyone_is_offered_care(tmp_path: Path) -> None:
    async with network(tmp_path) as net:
        ada, kim = await net.member("Ada"), await net.member("Kim")
        await open_room(net, ada)
        await invite_and_join(net, ada, kim)
        net.say(kim, "/close")
        refused = await net.said(kim, "Only the person who opened the room can close it")
        net.say(ada, "/close")
        closed = await net.said(kim, "The debrief room is closed")
        await net.press(kim, closed, "A self-care prompt")
        await net.tg.wait_for(lambda: len(net.tg.messages_to(kim.id)) > 0)
        await net.settle()
        seats = await net.svc.ctx.repo.debrief.seats(1)
    assert refused and seats == []


async def test_a_quiet_room_is_warned_then_closed_and_talk_keeps_it_open(tmp_path: Path) -> None:
    async with network(tmp_path) as net:
        ada, kim = await net.member("Ada"), await net.member("Kim")
        await open_room(net, ada)
        banner, _ = await invite_and_join(net, ada, kim)
        net.clock.set(START + timedelta(minutes=100))
        await net.press(kim, banner, "Guided steps")  # someone does something: not quiet
        await net.said(ada, "Step 1 of 4")
        net.clock.set(START + timedelta(minutes=111))
        await fire_quiet_check(net)  # due when the room would have been quiet for 110 minutes
        early = net.texts(ada)
        net.clock.set(START + timedelta(minutes=100 + 110))
        await fire_quiet_check(net)
        warning = await net.said(ada, "It closes in 10 minutes unless someone writes")
        net.clock.set(START + timedelta(minutes=100 + 120))
        await fire_quiet_check(net)
        closed = await net.said(kim, "closed after a quiet while")
        await net.settle()
        held = await net.svc.ctx.repo.debrief.rooms_held()
        left = [r for r in await net.svc.ctx.repo.schedules.all() if r.kind == QUIET_KIND]
    assert "It closes in" not in early
    assert warning and closed and held == 1 and left == []


async def test_quiet_minutes_come_from_the_settings(tmp_path: Path) -> None:
    async with network(tmp_path, debrief_idle_minutes=30, debrief_warning_minutes=5) as net:
        ada = await net.member("Ada")
        await open_room(net, ada)
        [row] = [r for r in await net.svc.ctx.repo.schedules.all() if r.kind == QUIET_KIND]
    assert row.trigger["at"] == (START + timedelta(minutes=25)).isoformat()


async def test_a_removed_member_is_taken_out_of_the_room_at_once(tmp_path: Path) -> None:
    async with network(tmp_path) as net:
        ada, kim, lou = await net.member("Ada"), await net.member("Kim"), await net.member("Lou")
        await open_room(net, ada)
        await invite_and_join(net, ada, kim)
        await invite_and_join(net, ada, lou)
        steward = await net.svc.ctx.repo.people.get(net.numbers[ada.id])
        assert steward is not None
        from bot.core.model import Role

        await net.svc.ctx.repo.people.grant(steward.id, Role.STEWARD, net.clock.now())
        net.say(ada, f"/remove #{net.numbers[kim.id]}")
        confirm = await net.said(ada, f"Remove member #{net.numbers[kim.id]}")
        await net.press(ada, confirm, "Remove")
        told = await net.said(lou, "Kim left the room.")
        out = await net.said(kim, "You're out of the debrief room too")
        await net.settle()
        seats = await net.svc.ctx.repo.debrief.seats(1)
    assert told and out
    assert [s.person_id for s in seats] == [net.numbers[ada.id], net.numbers[lou.id]]


async def test_a_restart_ends_an_open_room_with_one_line_to_each_person(tmp_path: Path) -> None:
    async with fake_telegram() as tg:
        settings = telegram_settings(tmp_path, tg)
        clock = SettableClock(START)
        async with running(settings, adapters=[adapter(settings)], clock=clock) as svc:
            net = Net(svc, tg, clock)
            ada, kim = await net.member("Ada"), await net.member("Kim")
            await open_room(net, ada)
            await invite_and_join(net, ada, kim, pseudonym=True)
            await net.settle()
        before = {u.id: net.seen(u) for u in (ada, kim)}
        async with running(
            settings, adapters=[adapter(settings)], clock=clock, routers=ROUTERS
        ) as svc:
            net.svc = svc
            told = [
                await net.said(u, "ended because the bot restarted", after=before[u.id])
                for u in (ada, kim)
            ]
            await net.settle()
            held = await svc.ctx.repo.debrief.rooms_held()
            rooms = await svc.ctx.repo.debrief.rooms()
            quiet = [r for r in await svc.ctx.repo.schedules.all() if r.kind == QUIET_KIND]
    assert all("\n" not in m.plain for m in told)
    assert held == 1 and rooms == [] and quiet == []
