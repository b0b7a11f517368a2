"""The outbox delivering through the real discord.py to the fake Discord: rendering, DMs,
edits and deletions, and what happens under 429s, 5xx, refusals and hanging requests; a message
whose answer was lost (a timeout, or a stop mid-request) is shown once, by its nonce. A lost
answer is held by the fake until the test lets it go, so nothing depends on the machine's
speed: the bot's own request timeout ends the first try however long that takes."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core.model import Platform
from bot.core.replies import Attachment, Choice, Reply
from bot.outbox import Destination, Op, OutgoingMessage
from bot.service import Service
from bot.storage.outbox import NewItem
from handlers import ROUTERS
from tests.fakes.discord_harness import FAST, discord_service, discord_settings
from tests.fakes.discord_http import Call
from tests.fakes.discord_model import Channel, User
from tests.fakes.discord_probe import probe
from tests.fakes.discord_server import FakeDiscord


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.running() as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, fake: FakeDiscord) -> Settings:
    return discord_settings(tmp_path, fake)


def chat(channel: Channel) -> Destination:
    return Destination(Platform.DISCORD, "chat", channel.id)


def dm(user: User) -> Destination:
    return Destination(Platform.DISCORD, "user", user.id)


async def send(svc: Service, dest: Destination, *texts: str) -> list[int]:
    """Queue in one go, so ``settled`` right after sees every message still in flight."""
    items = [NewItem(dest, OutgoingMessage(t)) for t in texts]
    return await svc.ctx.outbox.enqueue_many(items)


def texts(fake: FakeDiscord, channel: Channel) -> list[str]:
    return [m.content for m in fake.messages_in(channel)]


async def test_messages_reach_channels_and_dms_and_never_mention_anyone(
    fake: FakeDiscord, settings: Settings
) -> None:
    sam = fake.add_user("sam")
    general = fake.channel("general")
    async with discord_service(settings) as (svc, _):
        await send(svc, chat(general), "Hello **all** @everyone")
        await send(svc, dm(sam), "Just for you", "And again")
        assert await svc.ctx.outbox.drain(timeout=10)
        first = fake.messages_in(general)[0]
        reply = OutgoingMessage("A reply", reply_to=first.id)
        (report,) = await svc.ctx.outbox.settled(
            [await svc.ctx.outbox.enqueue(chat(general), reply)], 10
        )
    sent = fake.messages_in(general)
    assert sent[0].content == "Hello **all** @\u200beveryone"
    assert [m.content for m in fake.dm_messages(sam)] == ["Just for you", "And again"]
    assert len(fake.calls_to("POST", "/users/@me/channels")) == 1  # the DM channel, remembered
    posts = fake.calls_to("POST", r"/channels/\d+/messages")
    assert len(posts) == 4
    assert all(call.json["allowed_mentions"] == {"parse": []} for call in posts)
    assert sent[1].reply_to == sent[0].id and report.message_ids == (sent[1].id,)


async def test_long_messages_split_with_buttons_and_file_on_the_last_part(
    fake: FakeDiscord, settings: Settings
) -> None:
    sam = fake.add_user("sam")
    general = fake.channel("general")
    long_text = "\n".join(
        f"Paragraph {n:03d}, written to fill a Discord message." for n in range(90)
    )
    reply = Reply(
        long_text,
        choices=((Choice("Swap", "probe.swap", anyone=True), Choice("Site", url="https://a.ca")),),
        attachment=Attachment("plan.ics", b"BEGIN:VCALENDAR", "text/calendar"),
    )
    async with discord_service(settings, routers=(*ROUTERS, probe)) as (svc, _):
        outbox_id = await svc.ctx.messenger.to_destination(chat(general), reply)
        await svc.ctx.outbox.settled([outbox_id], timeout=10)
        parts = fake.messages_in(general)
        assert len(parts) == 3 and all(len(p.content) <= 2000 for p in parts)
        assert "Paragraph 000" in parts[0].content and "Paragraph 089" in parts[2].content
        assert [bool(p.components) for p in parts] == [False, False, True]
        assert [p.attachments for p in parts] == [[], [], ["plan.ics"]]
        swap, site = parts[-1].buttons()
        assert swap["custom_id"].startswith("pc:") and len(swap["custom_id"]) == 15
        assert (site["style"], site["url"]) == (5, "https://a.ca")
        pressed = await fake.press(sam, parts[-1], "Swap")  # buttons sent via the outbox work
        await fake.until(lambda: len(pressed.shown) == 1)
    # A personal answer to a button on a public message comes only to the presser; the
    # message everyone sees stays as it was.
    assert [(m.content, m.ephemeral) for m in pressed.shown] == [("Swapped in place", True)]
    assert not pressed.edited and "Paragraph 089" in parts[-1].content


async def test_edits_and_deletions_act_on_the_message_id(
    fake: FakeDiscord, settings: Settings
) -> None:
    general = fake.channel("general")
    async with discord_service(settings) as (svc, _):
        outbox = svc.ctx.outbox
        (sent,) = await outbox.settled(await send(svc, chat(general), "First words"), 10)
        target = sent.message_ids[0]
        edit = OutgoingMessage("Better words", op=Op.EDIT, target_id=target)
        await outbox.settled([await outbox.enqueue(chat(general), edit)], 10)
        edited = fake.world.messages[target].content
        delete = OutgoingMessage("", op=Op.DELETE, target_id=target)
        first = await outbox.settled([await outbox.enqueue(chat(general), delete)], 10)
        again = await outbox.settled([await outbox.enqueue(chat(general), delete)], 10)
    assert edited == "Better words"
    assert fake.world.messages[target].deleted
    assert first[0].delivered and again[0].delivered  # deleting what is gone is done, not failed


async def test_a_short_429_is_waited_out_and_order_is_kept(
    fake: FakeDiscord, settings: Settings
) -> None:
    general = fake.channel("general")
    fake.fail("POST", rf"/channels/{general.id}/messages", 429, retry_after=0.3)
    async with discord_service(settings) as (svc, _):
        reports = await svc.ctx.outbox.settled(await send(svc, chat(general), "a", "b", "c"), 10)
    assert all(r.delivered for r in reports)
    assert texts(fake, general) == ["a", "b", "c"]
    posts = fake.calls_to("POST", rf"/channels/{general.id}/messages")
    assert [c.status for c in posts] == [429, 200, 200, 200]


async def test_a_long_429_keeps_messages_queued_others_flow_and_a_restart_delivers(
    fake: FakeDiscord, settings: Settings
) -> None:
    general, space = fake.channel("general"), fake.channel("peer-space")
    fake.fail("POST", rf"/channels/{general.id}/messages", 429, retry_after=60)
    async with discord_service(settings) as (svc, _):
        await send(svc, chat(general), "one", "two")
        others = await svc.ctx.outbox.settled(await send(svc, chat(space), "x", "y"), 10)
        await fake.until(lambda: fake.faults[0].hits == 1)
        waiting = svc.ctx.outbox.pending()
    assert all(r.delivered for r in others) and texts(fake, space) == ["x", "y"]
    assert waiting == 2 and texts(fake, general) == []
    async with discord_service(settings) as (svc, _):
        await fake.until(lambda: texts(fake, general) == ["one", "two"], timeout=10)
        assert await svc.ctx.outbox.drain(timeout=5)


async def test_a_global_429_pauses_every_destination(fake: FakeDiscord, settings: Settings) -> None:
    general, space = fake.channel("general"), fake.channel("peer-space")
    fake.fail("POST", rf"/channels/{general.id}/messages", 429, retry_after=60, is_global=True)
    async with discord_service(settings) as (svc, _):
        await send(svc, chat(general), "first")
        await fake.until(lambda: fake.faults[0].hits == 1)
        await send(svc, chat(space), "second")
        with pytest.raises(TimeoutError):
            await fake.until(lambda: texts(fake, space), timeout=0.5)
    async with discord_service(settings):
        await fake.until(lambda: texts(fake, general) and texts(fake, space), timeout=10)


async def test_server_errors_are_retried_without_holding_up_other_channels(
    fake: FakeDiscord, settings: Settings
) -> None:
    general, space = fake.channel("general"), fake.channel("peer-space")
    fake.fail("POST", rf"/channels/{general.id}/messages", 503)
    async with discord_service(settings) as (svc, _):
        slow = await send(svc, chat(general), "a1", "a2")
        fast = await send(svc, chat(space), "b1")
        reports = await svc.ctx.outbox.settled([*slow, *fast], timeout=10)
    assert all(r.delivered for r in reports)
    assert texts(fake, general) == ["a1", "a2"] and texts(fake, space) == ["b1"]
    delivered = [c.path for c in fake.calls if c.status == 200 and c.path.endswith("/messages")]
    assert delivered.index(f"/channels/{space.id}/messages") == 0  # b1 did not wait for a1


async def test_a_dm_to_someone_who_blocks_dms_fails_with_a_reason_and_nothing_stalls(
    fake: FakeDiscord, settings: Settings
) -> None:
    closed, open_ = fake.add_user("closed", blocks_dms=True), fake.add_user("open")
    async with discord_service(settings) as (svc, _):
        refused = await svc.ctx.outbox.settled(await send(svc, dm(closed), "hi", "hi again"), 10)
        fine = await svc.ctx.outbox.settled(await send(svc, dm(open_), "hello"), 10)
        failed = await svc.ctx.repo.outbox.failed()
    assert [r.delivered for r in refused] == [False, False]
    assert refused[0].error == (
        "cannot send messages to this user (DMs closed or the bot is blocked) [50007]"
    )
    assert [row["error"] for row in failed] == [refused[0].error] * 2
    assert fine[0].delivered and [m.content for m in fake.dm_messages(open_)] == ["hello"]


async def test_an_unknown_channel_fails_for_good(fake: FakeDiscord, settings: Settings) -> None:
    gone = Destination(Platform.DISCORD, "chat", "4242424242")
    async with discord_service(settings) as (svc, _):
        (report,) = await svc.ctx.outbox.settled(await send(svc, gone, "anyone there?"), 10)
    assert not report.delivered and report.error == "unknown channel [10003]"


async def test_a_request_that_hangs_is_retried_and_delivered(
    fake: FakeDiscord, settings: Settings
) -> None:
    general = fake.channel("general")
    fake.fail("POST", rf"/channels/{general.id}/messages", None, delay=1.0)
    timing = dataclasses.replace(FAST, request_timeout=0.3)
    async with discord_service(settings, timing=timing) as (svc, _):
        (report,) = await svc.ctx.outbox.settled(await send(svc, chat(general), "patience"), 10)
        await asyncio.sleep(0)  # let the late first request finish on the fake's side
    assert report.delivered
    assert "patience" in texts(fake, general)  # at least once: a late copy may also land
    assert svc.ctx.outbox.stats["transient"] >= 1


async def test_a_message_whose_answer_was_lost_is_shown_once(
    fake: FakeDiscord, settings: Settings
) -> None:
    general = fake.channel("general")
    answer = answer_held(fake, general)
    timing = dataclasses.replace(FAST, request_timeout=0.3)
    async with discord_service(settings, timing=timing) as (svc, _):
        (report,) = await svc.ctx.outbox.settled(await send(svc, chat(general), "Are you ok?"), 30)
        answer.set()
    first, again = posts(fake, general)[:2]
    assert report.delivered and texts(fake, general) == ["Are you ok?"]
    assert first.json["nonce"] == again.json["nonce"] and first.json["enforce_nonce"] is True
    assert report.message_ids == (fake.messages_in(general)[0].id,)


async def test_a_lost_answer_during_a_burst_shows_each_message_once(
    fake: FakeDiscord, settings: Settings
) -> None:
    """The first message's answer is lost while a second one is queued behind it: the retry
    is the first message alone, with its nonce, so Discord returns the one it made; the
    second follows on its own."""
    general = fake.channel("general")
    answer = answer_held(fake, general)
    timing = dataclasses.replace(FAST, request_timeout=0.3)
    dest = chat(general)
    async with discord_service(settings, timing=timing) as (svc, _):
        outbox = svc.ctx.outbox
        (first,) = await outbox.enqueue_many([NewItem(dest, OutgoingMessage("one", coalesce=True))])
        await fake.until(lambda: fake.messages_in(general))  # made; its answer is held
        (second,) = await outbox.enqueue_many(
            [NewItem(dest, OutgoingMessage("two", coalesce=True))]
        )
        reports = await outbox.settled([first, second], 30)
        answer.set()
    assert all(r.delivered for r in reports)
    assert texts(fake, general) == ["one", "two"]


async def test_a_message_in_flight_when_the_bot_stopped_is_shown_once_after_the_restart(
    fake: FakeDiscord, settings: Settings
) -> None:
    general = fake.channel("general")
    answer = answer_held(fake, general)
    async with discord_service(settings) as (svc, _):
        await send(svc, chat(general), "Are you ok?")
        await fake.until(lambda: fake.messages_in(general))  # made; its answer is held
    # Stopped with the request in flight: the row stays queued and goes again at the start.
    async with discord_service(settings) as (svc, _):
        assert await svc.ctx.outbox.drain(timeout=30)
    answer.set()
    assert texts(fake, general) == ["Are you ok?"] and len(posts(fake, general)) == 2


async def test_each_part_of_a_long_message_has_its_own_nonce(
    fake: FakeDiscord, settings: Settings
) -> None:
    general = fake.channel("general")
    text = "\n".join(f"line {n} " + "x" * 60 for n in range(60))  # about 4,000 characters
    async with discord_service(settings) as (svc, _):
        (report,) = await svc.ctx.outbox.settled(await send(svc, chat(general), text), 30)
    nonces = [call.json["nonce"] for call in posts(fake, general)]
    assert len(report.message_ids) == len(nonces) >= 2
    assert len(set(nonces)) == len(nonces) and all(len(n) <= 25 for n in nonces)


def posts(fake: FakeDiscord, channel: Channel) -> list[Call]:
    return fake.calls_to("POST", rf"/channels/{channel.id}/messages")


def answer_held(fake: FakeDiscord, channel: Channel) -> asyncio.Event:
    """The next message to ``channel`` is made, but its answer waits until the event is set."""
    answer = asyncio.Event()
    fake.fail("POST", rf"/channels/{channel.id}/messages", None, held=answer)
    return answer
