"""A long Discord message cut short by a restart, that has to start over from its first part
(its split changed meanwhile): every part of the new split is shown.

Each part goes with a nonce and ``enforce_nonce``, and Discord answers a nonce it saw in the
last few minutes with the message it made then, whatever the text sent now. A start-over that
kept the nonces of the parts shown before the restart would get those old parts back instead
of the new ones, and some text would never show. The fake keeps nonces on its settable clock,
which does not move here: well within Discord's window. The fake fails every part after the
first until the bot has stopped, so the stop always falls between two parts whatever the
machine's speed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.core.model import Platform
from bot.outbox import Destination, OutgoingMessage
from bot.platforms.discord import render
from bot.storage.database import Database
from bot.storage.outbox import NewItem
from tests.fakes.discord_harness import discord_service, discord_settings
from tests.fakes.discord_server import FakeDiscord

#: About 3,900 characters: two parts at Discord's 2,000, four at 1,000.
LONG = "\n".join(f"line {n:02d} " + "steady " * 8 for n in range(60))


def words(text: str) -> str:
    return " ".join(text.split())


async def test_a_long_message_that_splits_otherwise_after_a_restart_shows_all_its_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The version that stopped split at 1,000 characters (one part shown); the one started
    splits at 2,000: both parts of the new split are shown, the second line of text too."""
    async with FakeDiscord.running() as fake:
        general = fake.channel("general")
        dest = Destination(Platform.DISCORD, "chat", general.id)
        settings = discord_settings(tmp_path, fake)
        fault = fake.fail("POST", rf"/channels/{general.id}/messages", 500, times=10**6, after=1)
        monkeypatch.setattr(render, "MAX_TEXT", 1000)  # the version before a deploy
        async with discord_service(settings) as (svc, _):
            await svc.ctx.outbox.enqueue_many([NewItem(dest, OutgoingMessage(LONG))])
            await fake.until(lambda: fault.hits >= 1, 60)  # part 2 was tried: part 1 is in
        before = [m.content for m in fake.messages_in(general)]
        fake.faults.remove(fault)
        monkeypatch.undo()  # the deploy: 2,000 again
        async with discord_service(settings) as (svc, _):
            assert await svc.ctx.outbox.drain(timeout=60)
            failed = await svc.ctx.repo.db.fetchall("SELECT id FROM outbox WHERE status = 'failed'")
        new = fake.messages_in(general)[len(before) :]
    assert len(before) == 1 and len(before[0]) <= 1000
    assert failed == []
    assert len(new) == 2  # both parts of the new split made, not the old first one returned
    assert words(" ".join(m.content for m in new)) == words(LONG)


async def test_a_merged_message_erased_during_a_restart_shows_the_rest_in_full(
    tmp_path: Path,
) -> None:
    """Three messages merged into one (within Discord's 2,000 characters as written, but
    about 2,900 once its ``~`` are escaped: two parts); the first part was shown, then the
    bot stopped, and the middle message was erased (/forgetme) before it started again: what
    is left is one part now, which starts over, and the third message is shown too."""
    texts = [
        "\n".join(f"{who} {n:02d} " + "~~ " * 8 for n in range(20))
        for who in ("ash", "birch", "cedar")
    ]
    async with FakeDiscord.running() as fake:
        general = fake.channel("general")
        dest = Destination(Platform.DISCORD, "chat", general.id)
        settings = discord_settings(tmp_path, fake)
        fault = fake.fail("POST", rf"/channels/{general.id}/messages", 500, times=10**6, after=1)
        async with discord_service(settings) as (svc, _):
            ids = await svc.ctx.outbox.enqueue_many(
                [NewItem(dest, OutgoingMessage(t, coalesce=True)) for t in texts]
            )
            await fake.until(lambda: fault.hits >= 1, 60)
        [first] = [m.content for m in fake.messages_in(general)]
        assert "ash 00" in first and "birch 00" in first  # merged: all three in one message
        db = await Database.open(settings.database_path)
        try:
            await db.execute("DELETE FROM outbox WHERE id = ?", (ids[1],))  # as /forgetme does
        finally:
            await db.close()
        fake.faults.remove(fault)
        async with discord_service(settings) as (svc, _):
            assert await svc.ctx.outbox.drain(timeout=60)
            failed = await svc.ctx.repo.db.fetchall("SELECT id FROM outbox WHERE status = 'failed'")
        new = fake.messages_in(general)[1:]
    assert failed == []
    shown = " ".join(m.content for m in new).replace("\\~", "~")
    assert words(shown) == words(texts[0] + "\n" + texts[2])


#: About 1,900 characters: two parts at 1,000 characters, and two at 1,200 or 1,500 too,
#: each cut at another place.
MIDDLING = "\n".join(f"row {n:02d} " + "quiet " * 9 for n in range(30))


async def test_a_long_message_split_as_many_parts_at_other_places_after_a_restart_shows_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The version that stopped split at 1,000 characters (one part shown); the one started
    splits at 1,500: two parts again, but the first now ends further on. Going on "from the
    second part" would leave out the text between the two cuts; it starts over instead."""
    async with FakeDiscord.running() as fake:
        general = fake.channel("general")
        dest = Destination(Platform.DISCORD, "chat", general.id)
        settings = discord_settings(tmp_path, fake)
        fault = fake.fail("POST", rf"/channels/{general.id}/messages", 500, times=10**6, after=1)
        monkeypatch.setattr(render, "MAX_TEXT", 1000)
        async with discord_service(settings) as (svc, _):
            await svc.ctx.outbox.enqueue_many([NewItem(dest, OutgoingMessage(MIDDLING))])
            await fake.until(lambda: fault.hits >= 1, 60)  # part 2 was tried: part 1 is in
        before = [m.content for m in fake.messages_in(general)]
        fake.faults.remove(fault)
        monkeypatch.setattr(render, "MAX_TEXT", 1500)  # the deploy: as many parts, cut later
        async with discord_service(settings) as (svc, _):
            assert await svc.ctx.outbox.drain(timeout=60)
        new = fake.messages_in(general)[len(before) :]
    assert len(before) == 1 and len(before[0]) <= 1000
    assert len(new) == 2 and len(new[0].content) > 1000  # the new split, from its start
    assert words(" ".join(m.content for m in new)) == words(MIDDLING)


async def test_a_start_over_redone_with_yet_another_split_gets_no_part_made_for_other_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped after the first part at 1,000 characters; restarted at 1,200, which starts
    over: its first part is made, but the answer is lost as the bot stops again (so the
    start-over was never noted); restarted at 1,500, well within Discord's nonce window (the
    fake's clock does not move). That start-over's first part is other text than the one
    Discord made at 1,200: Discord makes it anew instead of handing back the shorter one, and
    no text is left out."""
    async with FakeDiscord.running() as fake:
        general = fake.channel("general")
        dest = Destination(Platform.DISCORD, "chat", general.id)
        settings = discord_settings(tmp_path, fake)
        route = rf"/channels/{general.id}/messages"
        fault = fake.fail("POST", route, 500, times=10**6, after=1)
        monkeypatch.setattr(render, "MAX_TEXT", 1000)
        async with discord_service(settings) as (svc, _):
            await svc.ctx.outbox.enqueue_many([NewItem(dest, OutgoingMessage(MIDDLING))])
            await fake.until(lambda: fault.hits >= 1, 60)
        fake.faults.remove(fault)
        answer = asyncio.Event()
        fake.fail("POST", route, None, held=answer)
        monkeypatch.setattr(render, "MAX_TEXT", 1200)
        async with discord_service(settings) as (svc, _):
            await fake.until(lambda: len(fake.messages_in(general)) == 2, 60)  # answer held
        made = len(fake.messages_in(general))
        monkeypatch.setattr(render, "MAX_TEXT", 1500)
        async with discord_service(settings) as (svc, _):
            assert await svc.ctx.outbox.drain(timeout=60)
            failed = await svc.ctx.repo.db.fetchall("SELECT id FROM outbox WHERE status = 'failed'")
        answer.set()
        last = fake.messages_in(general)[made:]
    assert failed == []
    assert len(last) == 2 and len(last[0].content) > 1200
    assert words(" ".join(m.content for m in last)) == words(MIDDLING)
