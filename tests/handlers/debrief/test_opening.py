"""Opening a debrief room and bringing peers in: invitations, "not now", any available peer,
pseudonyms, one room at a time, at most eight people."""

from __future__ import annotations

from pathlib import Path

from tests.handlers.debrief.network import invite_and_join, network, open_room


async def test_an_invited_member_joins_under_a_pseudonym_that_never_shows_who_they_are(
    tmp_path: Path,
) -> None:
    async with network(tmp_path) as net:
        ada, kim = await net.member("Ada"), await net.member("Kim")
        banner = await open_room(net, ada)
        joined, cedar = await invite_and_join(net, ada, kim, pseudonym=True)
        told = await net.said(ada, "joined the room")
        await net.settle()
        seats = await net.svc.ctx.repo.debrief.seats(1)
        mine = await net.svc.ctx.repo.debrief.export_person(net.numbers[ada.id])
    assert "/leave leaves only the room, not the network" in banner.plain
    assert "(2 here)" in joined.plain
    assert told.plain == f"{cedar} joined the room."
    assert "Kim" not in net.texts(ada)
    assert [s.pseudonym for s in seats] == [None, cedar]
    assert cedar not in str(mine)  # another person's pseudonym is never in your /mydata


async def test_not_now_tells_the_opener_nothing_about_who_or_why(tmp_path: Path) -> None:
    async with network(tmp_path) as net:
        ada, kim = await net.member("Ada"), await net.member("Kim")
        await open_room(net, ada)
        before = net.seen(ada)
        net.say(ada, f"/debrief invite #{net.numbers[kim.id]}")
        invitation = await net.said(kim, "would like you to join")
        asked = invitation.plain
        await net.press(kim, invitation, "Not now")
        note = await net.said(ada, "Not everyone could join right now", after=before)
        await net.said(kim, "Thank you for letting them know")
        await net.settle()
        seats = await net.svc.ctx.repo.debrief.seats(1)
    assert asked.startswith("Ada would like you to join a debrief room")
    assert note.plain == "Not everyone could join right now."
    assert "Kim" not in net.texts(ada) and f"#{net.numbers[kim.id]}" not in note.plain
    assert len(seats) == 1


async def test_any_available_peer_asks_every_free_companion_and_the_first_to_accept_joins(
    tmp_path: Path,
) -> None:
    async with network(tmp_path) as net:
        ada = await net.member("Ada")
        kim = await net.member("Kim", companion=True)
        lou = await net.member("Lou", companion=True)
        await net.member("Max")  # not a companion: never asked
        banner = await open_room(net, ada)
        await net.press(ada, banner, "Any available peer")
        await net.said(ada, "first who can will join you")
        to_kim = await net.said(kim, "is looking for a peer to debrief with")
        to_lou = await net.said(lou, "is looking for a peer to debrief with")
        await net.press(kim, to_kim, "I can join")
        choose = await net.said(kim, "How do you want to show up")
        await net.press(lou, to_lou, "I can join")
        await net.tg.wait_for(lambda: "Someone else is with them already" in to_lou.plain)
        await net.press(kim, choose, "As myself")
        await net.said(ada, "Kim joined the room.")
        await net.settle()
        seats = await net.svc.ctx.repo.debrief.seats(1)
    assert [s.person_id for s in seats] == [net.numbers[ada.id], net.numbers[kim.id]]


async def test_one_room_at_a_time_and_at_most_eight_people(tmp_path: Path) -> None:
    async with network(tmp_path) as net:
        ada, zed = await net.member("Ada"), await net.member("Zed")
        people = [await net.member(f"Peer{n}") for n in range(8)]
        await open_room(net, ada)
        for peer in people[:7]:
            await invite_and_join(net, ada, peer)
        before = net.seen(ada)
        net.say(ada, f"/debrief invite #{net.numbers[people[7].id]}")
        full = await net.said(ada, "8 people is the most", after=before)
        await open_room(net, zed)
        net.say(zed, f"/debrief invite #{net.numbers[people[0].id]}")
        busy = await net.said(zed, "They can't be asked right now")
        net.say(people[0], "/debrief")
        await net.said(people[0], "(8 here)")
        seats = await net.svc.ctx.repo.debrief.seats(1)
    assert len(seats) == 8
    assert "8 people is the most" in full.plain and busy
