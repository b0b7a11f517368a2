"""A restart in the middle of a long message: the parts the platform already has are not sent
again, the rest follow in order (issue 14, "never lost or doubled").

A long message goes as several parts, a second or more apart (the chat's pace). The fake fails
every part after the first until the bot has stopped, so the stop always falls between two
parts whatever the machine's speed; the bot is then started again on the same data folder (a
clean stop), or on a copy of its files taken while it ran (a crash)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.core.model import Platform
from bot.core.replies import Reply
from bot.outbox import Destination
from bot.platforms.telegram import sending
from tests.fakes import discord_relay, telegram_relay
from tests.fakes.bridge_harness import Net, bridge, fakes, member, on_discord, running
from tests.fakes.telegram_harness import fake_telegram, telegram_service, telegram_settings
from tests.fakes.telegram_server import FakeTelegram
from tests.fakes.telegram_world import BotMessage

#: About 13,400 characters: four parts at Telegram's 4,096 each.
LINE = "breathe in for four, hold, out for four. "
LONG = "\n\n".join(f"Paragraph {n:02d}: {LINE * 16}" for n in range(20))


def words(messages: list[BotMessage]) -> str:
    return " ".join(" ".join(m.plain for m in messages).split())


async def parts_sent_once(fake: FakeTelegram, chat_id: int, parts: int) -> list[BotMessage]:
    """Every part there, then nothing more queued: the messages the chat got."""
    await fake.wait_for(lambda: len(fake.messages_to(chat_id)) >= parts, 60)
    return fake.messages_to(chat_id)


async def test_a_restart_between_the_parts_of_a_long_message_sends_each_part_once(
    tmp_path: Path,
) -> None:
    async with fake_telegram() as fake:
        group = fake.group()
        dest = Destination(Platform.TELEGRAM, "chat", str(group.id))
        settings = telegram_settings(tmp_path, fake)
        fake.fail("sendMessage", 500, chat_id=group.id, times=100_000, after=1)
        async with telegram_service(settings) as (svc, _):
            outbox_id = await svc.ctx.messenger.to_destination(dest, Reply(LONG))
            await fake.wait_for(lambda: fake.injected >= 1, 60)  # part 2 was tried: 1 is in
        first = fake.messages_to(group.id)
        fake.clear_failures()
        async with telegram_service(settings) as (svc, _):
            [report] = await svc.ctx.outbox.settled([outbox_id], timeout=120)
            assert await svc.ctx.outbox.drain(timeout=60)
            got = fake.messages_to(group.id)
            assert len(first) == 1
            assert len(got) == 4  # was 5: the first part again after the restart
            assert words(got) == " ".join(LONG.split())  # each part once, in order
            assert report.delivered
            assert list(report.message_ids) == [str(m.message_id) for m in got]
            left = await svc.ctx.repo.db.fetchall("SELECT * FROM outbox_parts")
    assert left == []  # gone with the delivered row


async def test_a_crash_between_the_parts_of_a_long_message_sends_each_part_once(
    tmp_path: Path,
) -> None:
    """The files as a ``kill -9`` leaves them, copied while the next part keeps failing:
    whether the part sent was in the table yet or only noted beside it, it is not resent."""
    async with fake_telegram() as fake:
        person = fake.user("Rae")
        fake.world.started.add(person.id)
        dest = Destination(Platform.TELEGRAM, "user", str(person.id))
        live = telegram_settings(tmp_path / "live", fake)
        fake.fail("sendMessage", 500, chat_id=person.id, times=100_000, after=2)
        async with telegram_service(live) as (svc, _):
            await svc.ctx.messenger.to_destination(dest, Reply(LONG))
            await fake.wait_for(lambda: fake.injected >= 1, 60)  # part 3 was tried
            crashed = telegram_settings(tmp_path / "crashed", fake)
            crashed.database_path.parent.mkdir(parents=True, exist_ok=True)
            for path in live.database_path.parent.iterdir():  # the WAL first, then the rest
                if path.is_file() and path.name.endswith("-wal"):
                    shutil.copy(path, crashed.database_path.parent / path.name)
            for path in live.database_path.parent.iterdir():
                if path.is_file() and not path.name.endswith("-wal"):
                    shutil.copy(path, crashed.database_path.parent / path.name)
        before = len(fake.messages_to(person.id))
        fake.clear_failures()
        async with telegram_service(crashed) as (svc, _):
            got = await parts_sent_once(fake, person.id, 4)
            assert await svc.ctx.outbox.drain(timeout=60)
        got = fake.messages_to(person.id)
    assert before == 2
    assert len(got) == 4
    assert words(got) == " ".join(LONG.split())


# -- relayed across the bridge: the same, and an edit afterwards reaches every part -----------

#: About 3,900 characters from Telegram: two parts on Discord, whose limit is 2,000.
FROM_TELEGRAM = " ".join(f"shift-{n:03d} went fine, thanks all." for n in range(120))
EDITED = " ".join(f"moved-{n:03d} went fine, thanks all." for n in range(120))


def relayed(net: Net) -> list[str]:
    return [m.content for m in discord_relay.webhook_messages(net.dc, net.channel)]


def relayed_ids(net: Net) -> list[str]:
    return [m.id for m in discord_relay.webhook_messages(net.dc, net.channel)]


async def test_a_relayed_message_cut_short_by_a_restart_goes_on_and_edits_every_part(
    tmp_path: Path,
) -> None:
    async with fakes(tmp_path) as net:
        async with running(net):
            await bridge(net)
            alex, _ = await member(net, "Alex", Platform.TELEGRAM)
            # Discord takes the first part; every later one fails until the bot has stopped.
            fault = net.dc.fail("POST", r"/webhooks/\d+/[^/?]+", 500, times=100_000, after=1)
            posted = telegram_relay.post(net.tg, alex, net.group, FROM_TELEGRAM)
            await on_discord(net, lambda: fault.hits >= 1)
        before = relayed(net)
        net.dc.faults.remove(fault)
        async with running(net):
            await on_discord(net, lambda: len(relayed(net)) >= 2)
            assert await net.ctx.outbox.drain(timeout=60)
            after, ids = relayed(net), relayed_ids(net)
            telegram_relay.edit(net.tg, posted, EDITED)
            await on_discord(net, lambda: "moved-119" in "".join(relayed(net)))
            assert await net.ctx.outbox.drain(timeout=60)
            edited = relayed(net)
    assert len(before) == 1
    assert len(after) == 2  # was 3: the first part again after the restart
    assert " ".join(" ".join(after).split()) == FROM_TELEGRAM  # each part once, in order
    # The edit changed both parts in place (the part sent before the restart too).
    assert len(edited) == 2
    assert relayed_ids(net) == ids
    assert " ".join(" ".join(edited).split()) == EDITED


async def test_a_relayed_message_cut_short_on_telegram_goes_on_and_edits_every_part(
    tmp_path: Path,
) -> None:
    # 1,400 emoji and spaces: 2,800 characters on Discord, 4,200 UTF-16 units on Telegram,
    # so the copy there goes as two parts.
    long, edited = "🌱 " * 1399 + "🌱", "🌿 " * 1399 + "🌿"
    async with fakes(tmp_path) as net:
        async with running(net):
            await bridge(net)
            sam, _ = await member(net, "Sam", Platform.DISCORD)
            net.tg.fail("sendMessage", 500, chat_id=net.group.id, times=100_000, after=1)
            said = await discord_relay.say(net.dc, sam, net.channel, long)
            await net.tg.wait_for(lambda: net.tg.injected >= 1, 60)
        before = [m.message_id for m in net.in_group()]
        net.tg.clear_failures()
        async with running(net):
            await net.tg.wait_for(lambda: len(net.in_group()) >= 2, 60)
            assert await net.ctx.outbox.drain(timeout=60)
            after = [m.message_id for m in net.in_group()]
            shown = net.group_text()
            await discord_relay.edit(net.dc, said, edited)
            await net.tg.wait_for(lambda: net.group_text().count("🌿") == 1400, 60)
            assert await net.ctx.outbox.drain(timeout=60)
            now = [m.message_id for m in net.in_group()]
    assert len(before) == 1
    assert len(after) == 2 and after[0] == before[0]  # was 3: the first part again
    assert shown.count("🌱") == 1400
    assert now == after  # both parts edited in place, the one sent before the restart too
    assert "🌱" not in net.group_text()


async def test_a_long_message_split_as_many_parts_at_other_places_after_a_restart_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The version that stopped cut the message at 3,000 characters (one part of two shown);
    the one started cuts at 4,096: two parts again, the first now longer. Going on "from the
    second part" would leave out the paragraphs between the two cuts; it starts over."""
    text = "\n\n".join(f"Paragraph {n:02d}: {LINE * 16}" for n in range(7))  # about 4,700
    async with fake_telegram() as fake:
        group = fake.group()
        dest = Destination(Platform.TELEGRAM, "chat", str(group.id))
        settings = telegram_settings(tmp_path, fake)
        fake.fail("sendMessage", 500, chat_id=group.id, times=100_000, after=1)
        monkeypatch.setattr(sending, "TEXT_LIMIT", 3000)  # the version before a deploy
        async with telegram_service(settings) as (svc, _):
            await svc.ctx.messenger.to_destination(dest, Reply(text))
            await fake.wait_for(lambda: fake.injected >= 1, 60)  # part 2 was tried: 1 is in
        first = fake.messages_to(group.id)
        fake.clear_failures()
        monkeypatch.undo()  # the deploy: 4,096 again
        async with telegram_service(settings) as (svc, _):
            assert await svc.ctx.outbox.drain(timeout=60)
            got = fake.messages_to(group.id)[len(first) :]
    assert len(first) == 1 and len(first[0].plain) <= 3000
    assert len(got) == 2 and len(got[0].plain) > 3000  # the new split, from its start
    assert words(got) == " ".join(text.split())
