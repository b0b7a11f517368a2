"""An invitation the bot cannot deliver: the person never opened a private chat with the bot
(Telegram answers 403 "bot can't initiate conversation with a user"; Discord 50007 "Cannot send
messages to this user"). The one who asked hears the truth, kindly, instead of "I've asked them"
(or after it, should the app be slow to answer), and may ask again once they have started a
chat."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.model import AccountRef, Platform, Role
from handlers.debrief import opening
from tests.handlers.debrief.apps import dm_with, three
from tests.handlers.debrief.network import network, open_room

UNREACHABLE = "I couldn't reach them: they need to start a private chat with me first"


async def test_on_telegram_the_opener_hears_their_guest_has_no_private_chat_yet(
    tmp_path: Path,
) -> None:
    async with network(tmp_path) as net:
        ada = await net.member("Ada")
        bo = net.tg.user("Bo")  # a member who never opened a private chat with the bot
        person = await net.svc.ctx.repo.people.create(
            AccountRef(Platform.TELEGRAM, str(bo.id)), (Role.PEER,), net.clock.now()
        )
        await open_room(net, ada)
        start = net.seen(ada)
        net.say(ada, f"/debrief invite #{person.id}")
        told = await net.said(ada, UNREACHABLE, after=start)
        refused = [c for c in net.tg.calls_of("sendMessage") if c.params["chat_id"] == bo.id]
        # Bo starts a chat with the bot; Ada may ask again, and this time it reaches them
        net.tg.say(bo, "/start")
        await net.tg.wait_messages(bo.id)
        again = net.seen(ada)
        net.say(ada, f"/debrief invite #{person.id}")
        await net.said(ada, "I've asked them", after=again)
        invitation = await net.said(bo, "would like you to join a debrief room")
        await net.settle()
    assert [c.error for c in refused] == ["Forbidden: bot can't initiate conversation with a user"]
    assert "start a private chat with me first" in told.plain
    assert "Ada" in invitation.plain
    assert net.texts(ada).count(UNREACHABLE) == 1  # the second invitation reached Bo


async def test_on_discord_the_opener_hears_their_guest_cannot_be_messaged(
    tmp_path: Path,
) -> None:
    async with three(tmp_path) as t:
        dc = t.dc
        eli = dc.add_user("eli", blocks_dms=True)  # Discord answers 50007 to a DM
        await t.net.svc.ctx.repo.people.create(
            AccountRef(Platform.DISCORD, eli.id), (Role.PEER,), t.net.clock.now()
        )
        ask = await dc.slash(t.dee, "debrief", subcommand="open", dm=True)
        await dc.press(t.dee, ask.messages[-1], "As myself")
        invited = await dc.slash(
            t.dee, "debrief", subcommand="invite", options={"person": eli}, dm=True
        )
        if UNREACHABLE not in invited.text:  # Discord was slow: told in the room after
            told = await dm_with(dc, t.dee, UNREACHABLE)
            assert "I've asked them" in invited.text and told is not None
        refused = [(c.method, c.path) for c in dc.calls if c.status == 403]
    assert dc.dm_messages(eli) == []
    assert refused and all(m == "POST" and p.endswith("/messages") for m, p in refused)


async def test_when_the_app_answers_late_the_failure_is_still_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(opening, "ANSWER_WAIT", 0)  # the inviter is answered before the app
    async with network(tmp_path) as net:
        ada = await net.member("Ada")
        bo = net.tg.user("Bo")
        person = await net.svc.ctx.repo.people.create(
            AccountRef(Platform.TELEGRAM, str(bo.id)), (Role.PEER,), net.clock.now()
        )
        await open_room(net, ada)
        start = net.seen(ada)
        net.say(ada, f"/debrief invite #{person.id}")
        await net.said(ada, "I've asked them", after=start)
        told = await net.said(ada, UNREACHABLE, after=start)
        net.say(ada, f"/debrief invite #{person.id}")  # may be asked again: not "asked already"
        await net.settle()
    assert "start a private chat with me first" in told.plain
    assert "They're asked already" not in net.texts(ada)
