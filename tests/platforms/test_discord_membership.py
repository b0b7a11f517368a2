"""Membership on Discord through the real discord.py and the fake Discord: the peer role for
members only, the audit and its one-tap fixes, flags about accounts that are not members, and
pointing at a person with Discord's own user picker."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.model import AccountRef, Platform, Role
from tests.fakes.discord_harness import discord_service, discord_settings
from tests.fakes.discord_interactions import FakeInteraction
from tests.fakes.discord_model import VIEW_CHANNEL, User
from tests.fakes.discord_server import FakeDiscord

CODE = re.compile(r"\b([A-Z2-9]{5}-[A-Z2-9]{5})\b")


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.running() as server:
        yield server


def peer_role(fake: FakeDiscord) -> str:
    return fake.world.guild.role_named("Peer").id


async def join(fake: FakeDiscord, steward: User, newcomer: User) -> FakeInteraction:
    invite = await fake.slash(steward, "invite", dm=True)
    code = CODE.search(invite.text)
    assert code is not None
    shown = await fake.slash(newcomer, "join", options={"code": code.group(1)}, dm=True)
    return await fake.press(newcomer, shown.messages[-1], "I agree")


async def test_a_member_gets_the_peer_role_and_a_stranger_does_not(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    steward, newcomer, stranger = fake.add_user("sam"), fake.add_user("nia"), fake.add_user("x")
    settings = discord_settings(tmp_path, fake, stewards=f"discord:{steward.id}")
    async with discord_service(settings):
        added = await fake.slash(
            steward, "space", subcommand="add", channel=fake.channel("peer-space")
        )
        welcome = await join(fake, steward, newcomer)
        wrong = await fake.slash(stranger, "join", options={"code": "K7QP2-XWM9A"}, dm=True)
    members = fake.world.guild.members
    assert "#peer-space (Discord) is now a peer space" in added.text
    assert "Everything looks right here." in added.text
    assert "#peer-space (Discord): open to you now." in welcome.text
    assert peer_role(fake) in members[newcomer.id].roles
    assert "I don't recognise that code" in wrong.text
    assert peer_role(fake) not in members[stranger.id].roles
    puts = [c.path for c in fake.calls if c.method == "PUT" and "/roles/" in c.path]
    assert puts == [f"/guilds/{fake.world.guild.id}/members/{newcomer.id}/roles/{peer_role(fake)}"]


async def test_the_audit_finds_an_open_channel_and_a_stray_role_and_fixes_both(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    steward, stray = fake.add_user("sam"), fake.add_user("stray")
    fake.world.guild.members[stray.id].roles.append(peer_role(fake))  # given by hand
    settings = discord_settings(tmp_path, fake, stewards=f"discord:{steward.id}")
    general = fake.channel("general")
    async with discord_service(settings):
        await fake.slash(steward, "space", subcommand="add", channel=general)
        await fake.slash(steward, "space", subcommand="add", channel=fake.channel("peer-space"))
        audit = await fake.slash(steward, "audit", dm=True)
        [report] = audit.shown
        labels = [b["label"] for b in report.buttons()]
        opened = await fake.press(steward, report, "Fix 1")
        await fake.until(lambda: general.overwrites.get(fake.world.guild.id) is not None)
        pulled = await fake.press(steward, report, "Fix 2")
        await fake.until(lambda: peer_role(fake) not in fake.world.guild.members[stray.id].roles)
        again = await fake.slash(steward, "audit", dm=True)
    everyone = general.overwrites[fake.world.guild.id]
    peers = general.overwrites[peer_role(fake)]
    assert "1. #general (Discord) can be opened by everyone on the server" in audit.text
    assert f"2. [account {stray.id}](https://discord.com/users/{stray.id}) holds" in audit.text
    assert audit.text.count("holds the peer role") == 1  # one server, one role: said once
    assert "#peer-space" not in audit.text  # closed to @everyone, and only members hold the role
    assert labels == ["Fix 1", "Fix 2"]
    assert "now closed to everyone but members" in opened.text
    assert "no longer hold the peer role" in pulled.text
    assert everyone.deny & VIEW_CHANNEL and peers.allow & VIEW_CHANNEL
    assert "only verified members can read them" in again.text


async def test_an_unverified_account_posting_in_a_peer_channel_is_flagged(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    steward, member_, stray = fake.add_user("sam"), fake.add_user("ok"), fake.add_user("stray")
    settings = discord_settings(tmp_path, fake, stewards=f"discord:{steward.id}")
    space = fake.channel("peer-space")
    async with discord_service(settings) as (svc, _):
        await fake.slash(steward, "space", subcommand="add", channel=space)
        await join(fake, steward, member_)
        await fake.post(member_, space)
        await fake.post(stray, space)
        await fake.until(lambda: any("verified" in m.shown for m in fake.dm_messages(steward)))
        await fake.post(stray, space)
        await svc.ctx.outbox.drain(timeout=5)
        stray_ok = await svc.ctx.repo.spaces.is_verified_for_space(
            Platform.DISCORD, space.id, AccountRef(Platform.DISCORD, stray.id)
        )
        member_ok = await svc.ctx.repo.spaces.is_verified_for_space(
            Platform.DISCORD, space.id, AccountRef(Platform.DISCORD, member_.id)
        )
    flags = [m for m in fake.dm_messages(steward) if "isn't a verified member" in m.shown]
    assert len(flags) == 1
    assert f"https://discord.com/users/{stray.id}" in flags[0].content
    assert "#peer-space (Discord)" in flags[0].shown
    assert [b["label"] for b in flags[0].buttons()] == ["Remove from the space"]
    assert not stray_ok and member_ok


async def test_a_steward_picks_a_person_with_discords_user_option(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    steward, ivy = fake.add_user("sam"), fake.add_user("ivy")
    settings = discord_settings(tmp_path, fake, stewards=f"discord:{steward.id}")
    async with discord_service(settings) as (svc, _):
        await join(fake, steward, ivy)
        made = await fake.slash(steward, "role", options={"person": ivy, "role": "mentor"}, dm=True)
        unknown = await fake.slash(
            steward, "role", options={"person": fake.owner, "role": "mentor"}, dm=True
        )
        person = await svc.ctx.repo.people.by_account(AccountRef(Platform.DISCORD, ivy.id))
    assert person is not None and person.has(Role.MENTOR)
    assert f"Member #{person.id} is now a mentor." in made.text
    assert "I can't find a member by that" in unknown.text


async def test_a_member_who_arrives_on_the_server_later_gets_the_role(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    steward, late = fake.add_user("sam"), fake.add_user("late", member=False)
    settings = discord_settings(tmp_path, fake, stewards=f"discord:{steward.id}")
    async with discord_service(settings):
        await fake.slash(steward, "space", subcommand="add", channel=fake.channel("peer-space"))
        welcome = await join(fake, steward, late)
        await fake.join(late)
        await fake.until(lambda: peer_role(fake) in fake.world.guild.members[late.id].roles)
    assert "join the server first; it opens to you as soon as you arrive" in welcome.text
