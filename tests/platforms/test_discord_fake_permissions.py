"""The fake Discord applies Discord's permission rules to the bot, and the real discord.py gets
Discord's own refusals: 403 50001 Missing Access where the bot cannot see a channel, 403 50013
Missing Permissions where it can but may not, the role hierarchy for giving roles, and "only
what the bot has itself in that channel" for overwrites. Message events come only from
channels the bot can view."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import discord
import pytest

from bot.platforms.discord import DiscordPlatform
from tests.fakes.discord_harness import discord_service, discord_settings
from tests.fakes.discord_model import (
    ADMINISTRATOR,
    MANAGE_CHANNELS,
    MANAGE_ROLES,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    Role,
    snowflake,
)
from tests.fakes.discord_permissions import in_channel
from tests.fakes.discord_server import FakeDiscord

CHECKED = VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY | MANAGE_ROLES


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.running() as server:
        yield server


def client_of(adapter: DiscordPlatform) -> discord.Client:
    assert adapter.client is not None
    return adapter.client


def guild_of(adapter: DiscordPlatform, fake: FakeDiscord) -> discord.Guild:
    guild = client_of(adapter).get_guild(int(fake.world.guild.id))
    assert guild is not None
    return guild


def text_channel(guild: discord.Guild, name: str) -> discord.TextChannel:
    found = discord.utils.get(guild.text_channels, name=name)
    assert found is not None
    return found


def add_role(fake: FakeDiscord, name: str, position: int, permissions: int = 0) -> Role:
    role = Role(snowflake(), name, position, permissions)
    fake.world.guild.roles[role.id] = role
    return role


async def test_overwrites_apply_in_discords_order_as_discord_py_computes_them(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    """The fake's answer for each member matches discord.py's own calculation: @everyone,
    then roles together (an allow on any role wins over a deny on another), then the member;
    Administrator and the owner see everything."""
    ana, ben, cy = fake.add_user("ana"), fake.add_user("ben"), fake.add_user("cy")
    hides, shows = add_role(fake, "Hides", 1), add_role(fake, "Shows", 1)
    admin = add_role(fake, "Admin", 1, ADMINISTRATOR)
    guild = fake.world.guild
    guild.members[ana.id].roles = [hides.id, shows.id]
    guild.members[ben.id].roles = [shows.id]
    guild.members[cy.id].roles = [admin.id]
    space = fake.channel("peer-space")
    await fake.set_overwrite(space, hides.id, deny=VIEW_CHANNEL)
    await fake.set_overwrite(space, shows.id, allow=VIEW_CHANNEL, deny=SEND_MESSAGES)
    await fake.set_overwrite(space, ben.id, allow=SEND_MESSAGES, member=True)
    general = fake.channel("general")
    await fake.set_overwrite(general, cy.id, deny=VIEW_CHANNEL, member=True)
    async with discord_service(discord_settings(tmp_path, fake)) as (_, adapter):
        dguild = guild_of(adapter, fake)
        seen = {}
        for user in (ana, ben, cy, fake.owner, fake.bot):
            member = dguild.get_member(int(user.id))
            assert member is not None
            for channel in (space, general):
                ours = in_channel(guild, guild.members[user.id], channel) & CHECKED
                theirs = text_channel(dguild, channel.name).permissions_for(member).value
                assert ours == theirs & CHECKED, (user.name, channel.name)
                seen[user.name, channel.name] = ours
    assert seen["ana", "peer-space"] & VIEW_CHANNEL  # Shows allows what Hides denies
    assert not seen["ana", "peer-space"] & SEND_MESSAGES
    assert seen["ben", "peer-space"] & SEND_MESSAGES  # his own overwrite comes last
    assert seen["cy", "general"] & VIEW_CHANNEL  # Administrator ignores overwrites
    assert seen["owner", "peer-space"] == CHECKED


async def test_a_channel_the_bot_cannot_see_answers_missing_access(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    space = fake.channel("peer-space")
    del space.overwrites[fake.bot_role.id]
    async with discord_service(discord_settings(tmp_path, fake)) as (_, adapter):
        channel = client_of(adapter).get_partial_messageable(int(space.id))
        with pytest.raises(discord.Forbidden) as refused:
            await channel.send("hello")
        headers = {"Authorization": f"Bot {fake.token}"}
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{fake.api_url}/channels/{space.id}/messages",
                json={"content": "hi"},
                headers=headers,
            ) as raw,
        ):
            body = await raw.json()
    assert (refused.value.status, refused.value.code) == (403, 50001)
    assert refused.value.text == "Missing Access"
    assert body == {"message": "Missing Access", "code": 50001}
    assert not fake.messages_in(space)


async def test_a_channel_the_bot_sees_but_may_not_post_in_answers_missing_permissions(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    space = fake.channel("peer-space")
    space.overwrites[fake.bot_role.id].allow &= ~SEND_MESSAGES
    space.overwrites[fake.bot_role.id].deny |= SEND_MESSAGES
    async with discord_service(discord_settings(tmp_path, fake)) as (_, adapter):
        channel = client_of(adapter).get_partial_messageable(int(space.id))
        with pytest.raises(discord.Forbidden) as refused:
            await channel.send("hello")
    assert (refused.value.status, refused.value.code) == (403, 50013)
    assert refused.value.text == "Missing Permissions"


async def test_the_bot_gives_only_roles_below_its_own_highest_role(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    sam = fake.add_user("sam")
    above = add_role(fake, "Steward", fake.bot_role.position + 1)
    async with discord_service(discord_settings(tmp_path, fake)) as (_, adapter):
        guild = guild_of(adapter, fake)
        member = guild.get_member(int(sam.id))
        steward, peer = guild.get_role(int(above.id)), discord.utils.get(guild.roles, name="Peer")
        assert member is not None and steward is not None and peer is not None
        with pytest.raises(discord.Forbidden) as too_high:
            await member.add_roles(steward)
        with pytest.raises(discord.Forbidden) as own_role:
            await member.add_roles(guild.get_role(int(fake.bot_role.id)))  # type: ignore[arg-type]
        await member.add_roles(peer)
        fake.bot_role.permissions &= ~MANAGE_ROLES  # someone takes Manage Roles away
        with pytest.raises(discord.Forbidden) as no_right:
            await member.remove_roles(peer)
    assert too_high.value.code == own_role.value.code == no_right.value.code == 50013
    assert fake.world.guild.members[sam.id].roles == [peer_id(fake)]


def peer_id(fake: FakeDiscord) -> str:
    return fake.world.guild.role_named("Peer").id


async def test_the_bot_may_only_allow_or_deny_what_it_has_in_that_channel(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    space = fake.channel("peer-space")
    async with discord_service(discord_settings(tmp_path, fake)) as (_, adapter):
        guild = guild_of(adapter, fake)
        peer = discord.utils.get(guild.roles, name="Peer")
        assert peer is not None
        channel = text_channel(guild, "peer-space")
        with pytest.raises(discord.Forbidden) as more_than_it_has:
            await channel.set_permissions(peer, view_channel=True, manage_channels=True)
        await channel.set_permissions(peer, view_channel=True, read_message_history=True)
        fake.bot_role.permissions |= ADMINISTRATOR  # an Administrator may set anything
        await channel.set_permissions(peer, view_channel=True, manage_channels=True)
    assert more_than_it_has.value.code == 50013
    assert space.overwrites[str(peer.id)].allow & MANAGE_CHANNELS


async def test_message_events_come_only_from_channels_the_bot_can_view(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    sam = fake.add_user("sam")
    space, general = fake.channel("peer-space"), fake.channel("general")
    del space.overwrites[fake.bot_role.id]
    async with discord_service(discord_settings(tmp_path, fake)):
        hidden = await fake.post(sam, space)
        shown = await fake.post(sam, general)
        await fake.set_overwrite(space, fake.bot_role.id, allow=VIEW_CHANNEL)
        visible_now = await fake.post(sam, space)
    sent = [
        payload["id"]
        for session in fake.gateway.sessions.values()
        for _, event, payload in session.history
        if event == "MESSAGE_CREATE"
    ]
    assert sent == [shown.id, visible_now.id]
    assert hidden.id not in sent
