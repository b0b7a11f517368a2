"""A message whose answer is lost (a timeout, or the bot stopped while the request was in
flight) and is sent again is shown once: every part goes with a nonce made from its outbox
rows and ``enforce_nonce``, and Discord (here the fake, as documented) returns the message it
already made. The fake also refuses a nonce Discord refuses.

The lost answer is held by the fake until the test lets it go, so nothing depends on how fast
the machine is: the bot's own request timeout ends the first try however long it takes."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest

from bot.config import Settings
from bot.core.model import Platform
from bot.outbox import Destination, OutgoingMessage
from tests.conformance.recorder import expect_violations
from tests.fakes.discord_harness import FAST, discord_service, discord_settings
from tests.fakes.discord_http import Call
from tests.fakes.discord_model import Channel
from tests.fakes.discord_server import FakeDiscord
from tests.platforms.test_discord_fake_validation import post_to

LOST = dataclasses.replace(FAST, request_timeout=0.3)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.running() as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, fake: FakeDiscord) -> Settings:
    return discord_settings(tmp_path, fake)


def chat(channel: Channel) -> Destination:
    return Destination(Platform.DISCORD, "chat", channel.id)


def posts(fake: FakeDiscord, channel: Channel) -> list[Call]:
    return fake.calls_to("POST", rf"/channels/{channel.id}/messages")


async def test_a_message_whose_answer_was_lost_is_shown_once(
    fake: FakeDiscord, settings: Settings
) -> None:
    general = fake.channel("general")
    answer = asyncio.Event()
    fake.fail("POST", rf"/channels/{general.id}/messages", None, held=answer)
    async with discord_service(settings, timing=LOST) as (svc, _):
        outbox = svc.ctx.outbox
        (report,) = await outbox.settled([await outbox.enqueue(chat(general), msg())], 30)
        answer.set()
    assert report.delivered
    assert [m.content for m in fake.messages_in(general)] == ["Are you okay?"]
    first, again = posts(fake, general)[:2]
    assert first.json["nonce"] == again.json["nonce"] and first.json["enforce_nonce"] is True
    assert report.message_ids == (fake.messages_in(general)[0].id,)


async def test_a_message_in_flight_when_the_bot_stopped_is_shown_once_after_the_restart(
    fake: FakeDiscord, settings: Settings
) -> None:
    general = fake.channel("general")
    answer = asyncio.Event()
    fake.fail("POST", rf"/channels/{general.id}/messages", None, held=answer)
    async with discord_service(settings) as (svc, _):
        await svc.ctx.outbox.enqueue(chat(general), msg())
        await fake.until(lambda: fake.messages_in(general))  # made; its answer is held
    # Stopped with the request in flight: the row stays queued and goes again at the start.
    async with discord_service(settings) as (svc, _):
        assert await svc.ctx.outbox.drain(timeout=30)
    answer.set()
    assert [m.content for m in fake.messages_in(general)] == ["Are you okay?"]
    assert len(posts(fake, general)) == 2


async def test_each_part_of_a_long_message_has_its_own_nonce(
    fake: FakeDiscord, settings: Settings
) -> None:
    general = fake.channel("general")
    text = "\n".join(f"line {n} " + "x" * 60 for n in range(60))  # about 4,000 characters
    async with discord_service(settings) as (svc, _):
        outbox = svc.ctx.outbox
        (report,) = await outbox.settled([await outbox.enqueue(chat(general), msg(text))], 30)
    nonces = [call.json["nonce"] for call in posts(fake, general)]
    assert len(report.message_ids) == len(nonces) >= 2
    assert len(set(nonces)) == len(nonces) and all(len(n) <= 25 for n in nonces)


async def test_the_fake_follows_enforce_nonce_as_documented(
    fake: FakeDiscord, settings: Settings
) -> None:
    """Same nonce with enforce_nonce: the earlier message comes back, within the window;
    without enforce_nonce, or after the window, a new one is made."""
    general = fake.channel("general")
    async with discord_service(settings) as (_, adapter):
        assert adapter.client is not None
        http = adapter.client.http
        route = post_to(general.id)
        first = await http.request(
            route, json={"content": "a", "nonce": "n1", "enforce_nonce": True}
        )
        same = await http.request(
            route, json={"content": "b", "nonce": "n1", "enforce_nonce": True}
        )
        loose = await http.request(route, json={"content": "c", "nonce": "n1"})
        fake.clock.advance(fake.nonce_window)
        later = await http.request(
            route, json={"content": "d", "nonce": "n1", "enforce_nonce": True}
        )
    assert same["id"] == first["id"] and same["content"] == "a" and same["nonce"] == "n1"
    assert loose["id"] != first["id"] and later["id"] != first["id"]
    assert [m.content for m in fake.messages_in(general)] == ["a", "c", "d"]


async def test_the_fake_refuses_a_nonce_longer_than_25_characters(
    fake: FakeDiscord, settings: Settings
) -> None:
    general = fake.channel("general")
    async with discord_service(settings) as (_, adapter):
        assert adapter.client is not None
        body = {"content": "hi", "nonce": "n" * 26, "enforce_nonce": True}
        with expect_violations(), pytest.raises(discord.HTTPException) as caught:
            await adapter.client.http.request(post_to(general.id), json=body)
    assert (caught.value.status, caught.value.code) == (400, 50035)
    assert "In nonce: Must be 25 or fewer in length." in caught.value.text
    assert fake.messages_in(general) == []


def msg(text: str = "Are you okay?") -> OutgoingMessage:
    return OutgoingMessage(text)
