"""Steward tools are offered only to stewards in each app's command picker, and the bot still
checks every use itself: Discord registers them with ``default_member_permissions`` (Manage
Server); Telegram lists them in each steward's own private chat (from the moment it exists)
and, in groups, to the group's administrators, while the default menus list member commands
only."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

import handlers
from bot.core.commands import Command, Scope
from bot.core.model import AccountRef, Platform, Role
from bot.platforms.discord.slash import STEWARD_PERMISSIONS
from tests.conformance.recorder import expect_violations
from tests.fakes.discord_harness import discord_service, discord_settings
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.telegram_harness import fake_telegram, telegram_service, telegram_settings
from tests.fakes.telegram_server import FakeTelegram

MANAGE_GUILD = str(discord.Permissions(manage_guild=True).value)


def declared() -> dict[str, Command]:
    return {cmd.name: cmd for router in handlers.ROUTERS for cmd in router.commands}


def steward_tools() -> set[str]:
    return {name for name, cmd in declared().items() if cmd.steward_only}


def test_the_steward_tools_are_the_ones_only_stewards_may_use() -> None:
    tools = steward_tools()
    assert {"status", "audit", "members", "role", "remove", "reload"} <= tools
    assert not tools & {"help", "crisis", "space", "debrief", "invite", "selfcare", "checkin"}


async def test_discord_registers_steward_tools_for_server_managers_only(tmp_path: Path) -> None:
    async with FakeDiscord.running() as fake, discord_service(discord_settings(tmp_path, fake)):
        synced = {c["name"]: c for c in fake.world.commands[None]}
    assert STEWARD_PERMISSIONS.value == int(MANAGE_GUILD)
    for name in declared():
        wanted = MANAGE_GUILD if name in steward_tools() else None
        given = synced[name].get("default_member_permissions")
        assert (None if given is None else str(given)) == wanted, name


async def test_the_discord_fake_refuses_a_permission_set_that_is_not_a_number(
    tmp_path: Path,
) -> None:
    async with (
        FakeDiscord.running() as fake,
        discord_service(discord_settings(tmp_path, fake)) as (_, adapter),
    ):
        assert adapter.client is not None
        app_id = adapter.client.application_id
        route = discord.http.Route("PUT", "/applications/{a}/commands", a=app_id)
        body = [{"name": "x", "description": "y", "default_member_permissions": "admins"}]
        with expect_violations() as violations, pytest.raises(discord.HTTPException) as caught:
            await adapter.client.http.request(route, json=body)
    assert (caught.value.status, caught.value.code) == (400, 50035)
    assert 'Value "admins" is not int.' in str(caught.value)
    assert violations  # the specification refuses it too


async def test_telegram_lists_steward_tools_only_to_stewards(tmp_path: Path) -> None:
    async with fake_telegram() as fake:
        sam, kim, away = fake.user("Sam"), fake.user("Kim"), fake.user("Away")
        fake.say(sam, "hi")  # Sam has a private chat with the bot; Away (a steward) never did
        fake.say(kim, "hi")
        stewards = f"telegram:{sam.id},telegram:{away.id}"
        settings = telegram_settings(tmp_path, fake, stewards=stewards)
        async with telegram_service(settings):
            at_start = list(fake.calls_of("setMyCommands"))
            fake.say(away, "/start")  # Away opens a private chat: their menu follows
            scope = {"type": "chat", "chat_id": away.id}
            later = await fake.wait_for(
                lambda: [
                    c
                    for c in fake.calls_of("setMyCommands")[len(at_start) :]
                    if c.params["scope"] == scope and c.status == 200
                ]
            )
    menus = {
        (c.params["scope"]["type"], c.params["scope"].get("chat_id")): [
            m["command"] for m in c.params["commands"]
        ]
        for c in at_start
        if c.status == 200
    }
    tools = steward_tools()
    private, groups = menus[("all_private_chats", None)], menus[("all_group_chats", None)]
    admins, sams = menus[("all_chat_administrators", None)], menus[("chat", sam.id)]
    assert not tools & set(private + groups)
    assert {"status", "audit"} <= set(admins) and set(groups) < set(admins)
    in_private = {n for n in tools if declared()[n].scope is not Scope.SPACE}
    assert in_private <= set(sams) and set(private) < set(sams)
    assert ("chat", away.id) not in menus and ("chat", kim.id) not in menus
    refused = [c for c in at_start if c.status != 200]
    assert [c.error for c in refused] == ["Bad Request: chat not found"]  # Away: no chat yet
    assert [m["command"] for m in later[0].params["commands"]] == sams


async def test_a_new_steward_gets_the_tools_in_their_menu_and_loses_them_after(
    tmp_path: Path,
) -> None:
    async with fake_telegram() as fake:
        sam, kim = fake.user("Sam"), fake.user("Kim")
        fake.say(kim, "hi")
        settings = telegram_settings(tmp_path, fake, stewards=f"telegram:{sam.id}")
        async with telegram_service(settings) as (svc, _):
            person = await svc.ctx.repo.people.create(
                AccountRef(Platform.TELEGRAM, str(kim.id)), (Role.PEER,), svc.ctx.clock.now()
            )
            fake.say(sam, "/status")  # a member's own picker may be stale: the bot still checks
            fake.say(kim, "/status")
            refused = await fake.wait_for(
                lambda: next((m for m in fake.messages_to(kim.id) if "/status" in m.plain), None)
            )
            fake.say(sam, f"/role #{person.id} steward")
            scope = {"type": "chat", "chat_id": kim.id}
            given = await fake.wait_for(
                lambda: [c for c in fake.calls_of("setMyCommands") if c.params["scope"] == scope]
            )
            fake.say(sam, f"/role #{person.id} peer")
            taken = await fake.wait_for(
                lambda: [c for c in fake.calls_of("deleteMyCommands") if c.params["scope"] == scope]
            )
            menu = [m["command"] for m in given[0].params["commands"]]
    assert "I don't know /status" in refused.plain  # steward tools do nothing for others
    assert "status" in menu and "members" in menu
    assert taken[0].status == 200
    assert menu_gone(fake, kim.id)


def menu_gone(fake: FakeTelegram, chat_id: int) -> bool:
    return f"chat:{chat_id}:" not in fake.world.commands
