"""The fake Discord's guild (roles, members, permission overwrites) as the real discord.py sees
it: what the membership feature will build on (granting the peer role, auditing who can see a
peer space) works against the fake the same way it does against Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest

from tests.fakes.discord_harness import discord_service, discord_settings
from tests.fakes.discord_model import VIEW_CHANNEL
from tests.fakes.discord_server import FakeDiscord


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.running() as server:
        yield server


async def test_roles_members_and_overwrites_round_trip_through_discord_py(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    sam = fake.add_user("sam")
    async with discord_service(discord_settings(tmp_path, fake)) as (_, adapter):
        assert adapter.client is not None
        guild = adapter.client.get_guild(int(fake.world.guild.id))
        assert guild is not None
        peer = discord.utils.get(guild.roles, name="Peer")
        space = discord.utils.get(guild.text_channels, name="peer-space")
        assert peer is not None and space is not None
        assert space.overwrites_for(guild.default_role).view_channel is False
        assert space.overwrites_for(peer).view_channel is True

        member = await guild.fetch_member(int(sam.id))
        await member.add_roles(peer)
        await fake.until(lambda: peer in (guild.get_member(int(sam.id)) or member).roles)
        assert fake.world.guild.members[sam.id].roles == [str(peer.id)]
        await member.remove_roles(peer)
        await fake.until(lambda: peer not in (guild.get_member(int(sam.id)) or member).roles)

        await space.set_permissions(member, view_channel=False)
        await fake.until(lambda: space.overwrites_for(member).view_channel is False)
        assert fake.world.guild.channels[str(space.id)].overwrites[sam.id].deny == VIEW_CHANNEL

        everyone = [m.id async for m in guild.fetch_members(limit=None)]
        roles = await guild.fetch_roles()
        made = await guild.create_role(name="Mentor")
    assert int(sam.id) in everyone and len(everyone) == len(fake.world.guild.members)
    assert {r.name for r in roles} >= {"@everyone", "Peer"}
    assert made.name == "Mentor" and fake.world.guild.role_named("Mentor").id == str(made.id)
    calls = [(c.method, c.path) for c in fake.calls if "/roles/" in c.path]
    assert calls == [
        ("PUT", f"/guilds/{guild.id}/members/{sam.id}/roles/{peer.id}"),
        ("DELETE", f"/guilds/{guild.id}/members/{sam.id}/roles/{peer.id}"),
    ]
