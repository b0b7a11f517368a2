"""The bot's own access to peer channels on Discord (issue 9, section 2): under the setup the
guide used to describe (@everyone denied View Channel, the peer role allowed, nothing for the
bot's role) the bot could not see the channel, so posts into the space failed and nobody who
posted there was ever flagged. /space add and /audit now say plainly what the bot is missing,
and the audit's Fix never takes the bot's own access away."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.model import Platform
from bot.outbox import Destination, OutgoingMessage
from bot.storage.outbox import NewItem
from tests.fakes.discord_harness import discord_service, discord_settings
from tests.fakes.discord_interactions import FakeInteraction
from tests.fakes.discord_model import (
    BOT_SPACE_PERMISSIONS,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    User,
)
from tests.fakes.discord_permissions import can_view
from tests.fakes.discord_server import FakeDiscord

CODE = re.compile(r"\b([A-Z2-9]{5}-[A-Z2-9]{5})\b")
LACKS_ALL = "I don't have View Channel, Send Messages, Read Message History there"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.running() as server:
        yield server


def set_up_as_the_old_guide_said(fake: FakeDiscord) -> None:
    """#peer-space with nothing allowed to the bot's role (the fault)."""
    del fake.channel("peer-space").overwrites[fake.bot_role.id]


def flags(fake: FakeDiscord, steward: User) -> list[str]:
    return [m.shown for m in fake.dm_messages(steward) if "isn't a verified member" in m.shown]


async def test_bot_cannot_see_peer_channels_space_add_says_what_is_missing(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    set_up_as_the_old_guide_said(fake)
    steward, stray = fake.add_user("sam"), fake.add_user("stray")
    space = fake.channel("peer-space")
    settings = discord_settings(tmp_path, fake, stewards=f"discord:{steward.id}")
    async with discord_service(settings) as (svc, _):
        added = await fake.slash(steward, "space", subcommand="add", channel=space)
        hidden = await fake.post(stray, space)  # Discord sends the bot nothing from there
        queued = await svc.ctx.outbox.enqueue_many(
            [NewItem(Destination(Platform.DISCORD, "chat", space.id), OutgoingMessage("Hi"))]
        )
        [report] = await svc.ctx.outbox.settled(queued, 10)
        await fake.set_overwrite(space, fake.bot_role.id, allow=BOT_SPACE_PERMISSIONS)
        audit = await fake.slash(steward, "audit", dm=True)
        await fake.post(stray, space)
        await fake.until(lambda: bool(flags(fake, steward)))
    assert "#peer-space (Discord) is now a peer space" in added.text
    assert f"#peer-space (Discord): {LACKS_ALL}" in added.text
    assert "allow these to my own role" in added.text
    assert not added.shown[0].buttons()  # only Discord's own settings can give the bot access
    history = [event for s in fake.gateway.sessions.values() for _, event, _ in s.history]
    assert "MESSAGE_CREATE" in history  # the second post, once the bot could see the channel
    assert all(
        hidden.id not in str(payload)
        for s in fake.gateway.sessions.values()
        for _, _, payload in s.history
    )
    assert not report.delivered and report.error == "the bot cannot see this channel [50001]"
    assert "only verified members can read them" in audit.text
    assert len(flags(fake, steward)) == 1


async def test_audit_names_what_the_bot_lacks_in_a_peer_channel(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    steward = fake.add_user("sam")
    space = fake.channel("peer-space")
    settings = discord_settings(tmp_path, fake, stewards=f"discord:{steward.id}")
    async with discord_service(settings):
        await fake.slash(steward, "space", subcommand="add", channel=space)
        # Someone takes Send Messages away from the bot's role in the channel.
        view_and_history = BOT_SPACE_PERMISSIONS & ~(1 << 11)
        await fake.set_overwrite(space, fake.bot_role.id, allow=view_and_history, deny=1 << 11)
        audit = await fake.slash(steward, "audit", dm=True)
    assert "1. #peer-space (Discord): I don't have Send Messages there" in audit.text
    assert "View Channel" not in audit.text
    assert "These need fixing by hand" in audit.text


async def test_audit_fix_never_takes_the_bots_own_access_away(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    steward, stray = fake.add_user("sam"), fake.add_user("stray")
    general = fake.channel("general")  # open to @everyone: the bot sees it only through that
    settings = discord_settings(tmp_path, fake, stewards=f"discord:{steward.id}")
    async with discord_service(settings) as (svc, _):
        await fake.slash(steward, "space", subcommand="add", channel=general)
        audit = await fake.slash(steward, "audit", dm=True)
        fixed: FakeInteraction = await fake.press(steward, audit.shown[0], "Fix 1")
        await fake.until(lambda: general.overwrites.get(fake.world.guild.id) is not None)
        again = await fake.slash(steward, "audit", dm=True)
        queued = await svc.ctx.outbox.enqueue_many(
            [NewItem(Destination(Platform.DISCORD, "chat", general.id), OutgoingMessage("Hi"))]
        )
        [report] = await svc.ctx.outbox.settled(queued, 10)
        await fake.post(stray, general)
        await fake.until(lambda: bool(flags(fake, steward)))
    guild = fake.world.guild
    assert "can be opened by everyone on the server" in audit.text
    assert "now closed to everyone but members" in fixed.text
    assert not can_view(guild, stray.id, general.id)
    assert can_view(guild, fake.bot.id, general.id)
    assert general.overwrites[fake.bot_role.id].allow & BOT_SPACE_PERMISSIONS == (
        BOT_SPACE_PERMISSIONS
    )
    assert "only verified members can read them" in again.text
    assert report.delivered and [m.content for m in fake.messages_in(general)] == ["Hi"]
    assert len(flags(fake, steward)) == 1


async def test_a_reply_where_the_bot_cannot_read_history_fails_with_a_plain_reason(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    space = fake.channel("peer-space")
    own = space.overwrites[fake.bot_role.id]
    own.allow, own.deny = VIEW_CHANNEL | SEND_MESSAGES, READ_MESSAGE_HISTORY
    where = Destination(Platform.DISCORD, "chat", space.id)
    async with discord_service(discord_settings(tmp_path, fake)) as (svc, _):
        queued = await svc.ctx.outbox.enqueue_many(
            [
                NewItem(where, OutgoingMessage("A reply", reply_to="1234")),
                NewItem(where, OutgoingMessage("Not a reply")),
            ]
        )
        reply, plain = await svc.ctx.outbox.settled(queued, 10)
    assert not reply.delivered and reply.error == (
        "the bot cannot read message history in this channel, which replies need [160002]"
    )
    assert plain.delivered and [m.content for m in fake.messages_in(space)] == ["Not a reply"]
