"""The fake Discord refuses the bodies Discord refuses, with Discord's answers, and the real
discord.py turns them into its own exceptions: 400 50035 Invalid Form Body with the nested
``errors`` tree, 50006 for an empty message, command definitions Discord would not register,
a webhook that tries to reply, an interaction answered late (10062), twice (40060) or after
its 15 minutes (50027), a nonce over 25 characters; and a repeated nonce with ``enforce_nonce``
gives back the earlier message. Times come from the fake's settable clock, never the machine's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
from discord.http import Route

from bot.platforms.discord import DiscordPlatform
from handlers import ROUTERS
from tests.conformance.recorder import expect_violations
from tests.fakes import discord_probe
from tests.fakes.discord_harness import discord_service, discord_settings
from tests.fakes.discord_probe import probe
from tests.fakes.discord_server import FakeDiscord


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.running() as server:
        yield server


@pytest.fixture
async def adapter(tmp_path: Path, fake: FakeDiscord) -> AsyncIterator[DiscordPlatform]:
    settings = discord_settings(tmp_path, fake)
    async with discord_service(settings, routers=(*ROUTERS, probe)) as (_, platform):
        yield platform


def http(adapter: DiscordPlatform) -> discord.http.HTTPClient:
    assert adapter.client is not None
    return adapter.client.http


async def refused(adapter: DiscordPlatform, route: Route, body: Any) -> discord.HTTPException:
    """Send ``body`` (bad on purpose, so exempt from the conformance check) through
    discord.py's own HTTP client and return what it raised."""
    with expect_violations(), pytest.raises(discord.HTTPException) as caught:
        await http(adapter).request(route, json=body)
    return caught.value


def post_to(channel_id: str) -> Route:
    return Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)


def leaf(code: str, message: str) -> dict[str, Any]:
    return {"_errors": [{"code": code, "message": message}]}


def too_long(limit: int) -> dict[str, Any]:
    return leaf("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def button(label: str = "Ok", custom_id: str = "x") -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": label, "custom_id": custom_id}


def row(*buttons: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(buttons)}


async def raw(fake: FakeDiscord, method: str, path: str, body: Any) -> tuple[int, Any]:
    """The exact status and JSON the fake answers to a bad request, without discord.py."""
    headers = {"Authorization": f"Bot {fake.token}"}
    with expect_violations():
        return await _raw(fake, method, path, body, headers)


async def _raw(
    fake: FakeDiscord, method: str, path: str, body: Any, headers: dict[str, str]
) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, fake.api_url + path, json=body, headers=headers) as answer,
    ):
        return answer.status, await answer.json()


async def test_content_over_2000_characters_is_an_invalid_form_body(
    fake: FakeDiscord, adapter: DiscordPlatform
) -> None:
    general = fake.channel("general")
    channel = adapter.client.get_partial_messageable(int(general.id))  # type: ignore[union-attr]
    with pytest.raises(discord.HTTPException) as caught:
        await channel.send("x" * 2001)
    status, body = await raw(
        fake, "POST", f"/channels/{general.id}/messages", {"content": "x" * 2001}
    )
    await channel.send("x" * 2000)
    assert (caught.value.status, caught.value.code) == (400, 50035)
    assert "In content: Must be 2000 or fewer in length." in caught.value.text
    assert (status, body) == (
        400,
        {"message": "Invalid Form Body", "code": 50035, "errors": {"content": too_long(2000)}},
    )
    assert [len(m.content) for m in fake.messages_in(general)] == [2000]


async def test_an_empty_message_cannot_be_sent(fake: FakeDiscord, adapter: DiscordPlatform) -> None:
    general = fake.channel("general")
    failure = await refused(adapter, post_to(general.id), {"content": ""})
    assert (failure.status, failure.code, failure.text) == (
        400,
        50006,
        "Cannot send an empty message",
    )
    assert not fake.messages_in(general)


async def test_components_beyond_discords_limits_are_refused(
    fake: FakeDiscord, adapter: DiscordPlatform
) -> None:
    general = fake.channel("general")
    six_rows = await refused(
        adapter, post_to(general.id), {"content": "hi", "components": [row(button())] * 6}
    )
    six_buttons = await refused(
        adapter, post_to(general.id), {"content": "hi", "components": [row(*[button()] * 6)]}
    )
    long_label = await refused(
        adapter,
        post_to(general.id),
        {"content": "hi", "components": [row(button(), button(label="L" * 81))]},
    )
    long_id = await refused(
        adapter,
        post_to(general.id),
        {"content": "hi", "components": [row(button("ok", "i" * 101))]},
    )
    assert {e.code for e in (six_rows, six_buttons, long_label, long_id)} == {50035}
    assert "In components: Must be 5 or fewer in length." in six_rows.text
    assert "In components.0.components: Must be 5 or fewer in length." in six_buttons.text
    assert "In components.0.components.1.label: Must be 80 or fewer" in long_label.text
    assert "In components.0.components.0.custom_id: Must be 100 or fewer" in long_id.text
    fine = {"content": "hi", "components": [row(*[button("L" * 80, "i" * 100)] * 5)] * 5}
    await http(adapter).request(post_to(general.id), json=fine)
    assert len(fake.messages_in(general)) == 1


async def test_command_definitions_discord_would_not_register_are_refused(
    fake: FakeDiscord, adapter: DiscordPlatform
) -> None:
    app = fake.world.app_id
    option = {"type": 3, "name": "when", "description": "A time"}
    bad = [
        {"name": "Space", "description": "Capital letters"},
        {"name": "two words", "description": "A space in the name"},
        {"name": "quiet", "description": ""},
        {"name": "loud", "description": "d" * 101},
        {
            "name": "order",
            "description": "Optional first",
            "options": [option, {**option, "name": "where", "required": True}],
        },
        {"name": "pick", "description": "x", "options": [{**option, "choices": [{"name": ""}]}]},
    ]
    with expect_violations(), pytest.raises(discord.HTTPException) as caught:
        await http(adapter).bulk_upsert_global_commands(app, bad)
    status, body = await raw(fake, "PUT", f"/applications/{app}/commands", bad)
    good = [
        {"name": "नमस्ते", "description": "Devanagari is allowed"},
        {"name": "a-b_c1", "description": "x"},
    ]
    await http(adapter).bulk_upsert_global_commands(app, good)
    assert (caught.value.status, caught.value.code) == (400, 50035)
    name = leaf("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    length = leaf("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    order = leaf(
        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
        "Required options must be placed before non-required options",
    )
    assert status == 400
    assert body["errors"] == {
        "0": {"name": name},
        "1": {"name": name},
        "2": {"description": length},
        "3": {"description": length},
        "4": {"options": {"1": order}},
        "5": {"options": {"0": {"choices": {"0": {"name": length}}}}},
    }
    assert [c["name"] for c in fake.world.commands[None]] == ["नमस्ते", "a-b_c1"]


def callback(ix_id: str, token: str) -> Route:
    return Route(
        "POST",
        "/interactions/{interaction_id}/{interaction_token}/callback",
        interaction_id=ix_id,
        interaction_token=token,
    )


def followup(app: str, token: str) -> Route:
    return Route(
        "POST", "/webhooks/{webhook_id}/{webhook_token}", webhook_id=app, webhook_token=token
    )


async def test_interaction_answers_are_checked_like_messages(
    fake: FakeDiscord, adapter: DiscordPlatform
) -> None:
    sam = fake.add_user("sam")
    ix = fake.unseen_interaction(sam)
    route = callback(ix.id, ix.token)
    too_long = await refused(adapter, route, {"type": 4, "data": {"content": "x" * 2001}})
    empty = await refused(adapter, route, {"type": 4, "data": {"content": ""}})
    await http(adapter).request(route, json={"type": 4, "data": {"content": "fine"}})
    long_followup = await refused(
        adapter, followup(fake.world.app_id, ix.token), {"content": "x" * 2001}
    )
    assert (too_long.status, too_long.code) == (400, 50035)
    assert "In data.content: Must be 2000 or fewer in length." in too_long.text
    assert (empty.status, empty.code) == (400, 50006)
    assert (long_followup.status, long_followup.code) == (400, 50035)
    assert [m.content for m in ix.messages] == ["fine"]


async def test_an_interaction_answered_twice_is_refused(
    fake: FakeDiscord, adapter: DiscordPlatform
) -> None:
    sam = fake.add_user("sam")
    ix = await fake.slash(sam, "crisis", dm=True)
    again = await refused(adapter, callback(ix.id, ix.token), {"type": 4, "data": {"content": "x"}})
    assert (again.status, again.code) == (400, 40060)
    assert again.text == "Interaction has already been acknowledged."
    assert len(ix.callbacks) == 1


async def test_a_webhook_cannot_reply_to_a_message(
    fake: FakeDiscord, adapter: DiscordPlatform
) -> None:
    sam = fake.add_user("sam")
    ix = await fake.slash(sam, "crisis", dm=True)
    target = ix.messages[0].id
    body = {"content": "a reply", "message_reference": {"message_id": target}}
    failure = await refused(adapter, followup(fake.world.app_id, ix.token), body)
    assert (failure.status, failure.code) == (400, 50035)
    assert "In message_reference:" in failure.text
    assert len(ix.messages) == 1


async def test_a_first_answer_after_three_seconds_finds_the_interaction_gone(
    fake: FakeDiscord, adapter: DiscordPlatform
) -> None:
    sam = fake.add_user("sam")
    on_time = await fake.slash(sam, "crisis", dm=True, age=2.9)
    ix = await fake.slash(sam, "crisis", dm=True, age=3.5, wait=False)
    await fake.until(lambda: bool(fake.dm_messages(sam)))  # the bot falls back to a DM
    late = await refused(adapter, callback(ix.id, ix.token), {"type": 5})
    assert (late.status, late.code, late.text) == (404, 10062, "Unknown interaction")
    assert isinstance(late, discord.NotFound)
    assert ix.late and not ix.shown and on_time.shown
    assert "9-8-8" in fake.dm_messages(sam)[0].shown


async def test_a_followup_after_fifteen_minutes_has_an_invalid_token(
    fake: FakeDiscord, adapter: DiscordPlatform
) -> None:
    """Through the bot: it defers /hold, the fake's clock moves past 15 minutes, and the
    answer that finally comes is refused (50027) and reaches the person by DM instead."""
    sam = fake.add_user("sam")
    discord_probe.held.clear()
    ix = await fake.slash(sam, "hold", dm=True, wait=False)
    await fake.until(lambda: ix.acknowledged and bool(discord_probe.held))
    fake.clock.advance(timedelta(minutes=15, seconds=1))
    discord_probe.held[-1].set()
    await fake.until(lambda: bool(fake.dm_messages(sam)))
    expired = await refused(adapter, followup(fake.world.app_id, ix.token), {"content": "x"})
    webhook_calls = [c.status for c in fake.calls if c.path.startswith("/webhooks/")]
    assert (expired.status, expired.code) == (401, 50027)
    assert expired.text == "Invalid Webhook Token"
    assert webhook_calls and set(webhook_calls) == {401}
    assert fake.dm_messages(sam)[0].content == "Held, then answered"
    assert not ix.shown


async def test_every_answer_names_its_rate_limit_bucket(
    fake: FakeDiscord, adapter: DiscordPlatform
) -> None:
    general = fake.channel("general")
    fake.fail("POST", rf"/channels/{general.id}/messages", 429, retry_after=0.1)
    headers = {"Authorization": f"Bot {fake.token}"}
    url = f"{fake.api_url}/channels/{general.id}/messages"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json={"content": "a"}, headers=headers) as limited:
            limited_headers = dict(limited.headers)
        async with session.post(url, json={"content": "b"}, headers=headers) as fine:
            fine_headers = dict(fine.headers)
        async with session.get(f"{fake.api_url}/users/@me", headers=headers) as other:
            other_headers = dict(other.headers)
    assert limited.status == 429 and fine.status == 200
    for found in (limited_headers, fine_headers, other_headers):
        assert {
            "X-RateLimit-Bucket",
            "X-RateLimit-Limit",
            "X-RateLimit-Remaining",
            "X-RateLimit-Reset",
            "X-RateLimit-Reset-After",
        } <= set(found)
    assert limited_headers["X-RateLimit-Bucket"] == fine_headers["X-RateLimit-Bucket"]
    assert fine_headers["X-RateLimit-Bucket"] != other_headers["X-RateLimit-Bucket"]
    assert limited_headers["X-RateLimit-Remaining"] == "0"
    await asyncio.sleep(0)


async def test_a_repeated_nonce_with_enforce_nonce_returns_the_earlier_message(
    fake: FakeDiscord, adapter: DiscordPlatform
) -> None:
    """ "If another message was created by the same author with the same nonce" in the past
    few minutes, "that message will be returned and no new message will be created". Without
    enforce_nonce, or once the window has passed (on the fake's clock), a new one is made."""
    general = fake.channel("general")
    route = post_to(general.id)

    async def post(content: str, **extra: Any) -> Any:
        return await http(adapter).request(route, json={"content": content, **extra})

    first = await post("a", nonce="n1", enforce_nonce=True)
    same = await post("b", nonce="n1", enforce_nonce=True)
    loose = await post("c", nonce="n1")
    fake.clock.advance(fake.nonce_window)
    later = await post("d", nonce="n1", enforce_nonce=True)
    assert same["id"] == first["id"] and same["content"] == "a" and same["nonce"] == "n1"
    assert loose["id"] != first["id"] and later["id"] != first["id"]
    assert [m.content for m in fake.messages_in(general)] == ["a", "c", "d"]


async def test_an_enforced_nonce_finds_a_message_made_without_enforcing_it(
    fake: FakeDiscord, adapter: DiscordPlatform
) -> None:
    """Discord checks for "another message created by the same author with the same nonce",
    however that one was sent: the earlier message is returned here too."""
    general = fake.channel("general")
    route = post_to(general.id)
    first = await http(adapter).request(route, json={"content": "a", "nonce": "n2"})
    again = await http(adapter).request(
        route, json={"content": "b", "nonce": "n2", "enforce_nonce": True}
    )
    assert again["id"] == first["id"] and again["content"] == "a"
    assert [m.content for m in fake.messages_in(general)] == ["a"]


async def test_a_nonce_longer_than_25_characters_is_refused(
    fake: FakeDiscord, adapter: DiscordPlatform
) -> None:
    general = fake.channel("general")
    body = {"content": "hi", "nonce": "n" * 26, "enforce_nonce": True}
    failure = await refused(adapter, post_to(general.id), body)
    status, answer = await raw(fake, "POST", f"/channels/{general.id}/messages", body)
    await http(adapter).request(post_to(general.id), json={**body, "nonce": "n" * 25})
    assert (failure.status, failure.code) == (400, 50035)
    assert "In nonce: Must be 25 or fewer in length." in failure.text
    assert (status, answer["errors"]) == (400, {"nonce": too_long(25)})
    assert [m.content for m in fake.messages_in(general)] == ["hi"]
