"""Slash commands, autocomplete and buttons on the real discord.py, against the fake Discord."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.core.commands import Command, OptionType, Scope
from bot.core.replies import Privacy
from bot.messenger import Prepared
from bot.platforms.discord.render import render
from handlers import ROUTERS
from tests.fakes.discord_harness import FAST, discord_service, discord_settings
from tests.fakes.discord_model import User
from tests.fakes.discord_probe import probe
from tests.fakes.discord_server import FakeDiscord

EPHEMERAL = 64


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.running() as server:
        yield server


@pytest.fixture
def steward(fake: FakeDiscord) -> User:
    return fake.add_user("sam")


def _sample(cmd: Command, person: User | None = None) -> dict[str, Any]:
    """A value for every required option, as a person would pick it (``person`` for a user
    option)."""
    values: dict[str, Any] = {}
    for opt in cmd.options:
        if not opt.required:
            continue
        if opt.choices:
            values[opt.name] = opt.choices[0]
        else:
            values[opt.name] = {
                OptionType.STRING: "north",
                OptionType.INTEGER: 1,
                OptionType.BOOLEAN: True,
                OptionType.TIME: "09:00",
                OptionType.PERSON: person,
            }[opt.type]
    return values


def _every_command() -> list[tuple[Command, Command]]:
    """(command, what runs): each command, or each subcommand of a group."""
    found = []
    for router in ROUTERS:
        for cmd in router.commands:
            found += [(cmd, sub) for sub in cmd.subcommands] or [(cmd, cmd)]
    return found


def _expected_flags(prepared: list[Prepared]) -> list[bool]:
    """One entry per Discord message: True where it must be ephemeral."""
    flags = []
    for p in prepared:
        chunks = render(p.message.text, p.message.buttons, p.message.attachment).chunks
        flags += [p.privacy is not Privacy.SPACE] * len(chunks)
    return flags


async def test_every_registered_command_is_synced_with_its_subcommands(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    async with discord_service(discord_settings(tmp_path, fake)):
        synced = {c["name"]: c for c in fake.world.commands[None]}
    declared = {cmd.name: cmd for router in ROUTERS for cmd in router.commands}
    assert set(synced) == set(declared)
    for name, cmd in declared.items():
        options = synced[name].get("options", [])
        if cmd.subcommands:
            assert [o["name"] for o in options] == [s.name for s in cmd.subcommands]
            assert all(o["type"] == 1 for o in options)
        else:
            # A person can also be named by member number (someone on another app), so each
            # person option has a ``_number`` partner and both are optional on Discord.
            numbers = [f"{o.name}_number" for o in cmd.options if o.type is OptionType.PERSON]
            assert {o["name"] for o in options} == {o.name for o in cmd.options} | set(numbers)


async def test_every_command_answers_a_steward_on_its_interaction(
    tmp_path: Path, fake: FakeDiscord, steward: User
) -> None:
    settings = discord_settings(tmp_path, fake, stewards=f"discord:{steward.id}")
    async with discord_service(settings) as (svc, _):
        seen: list[list[Prepared]] = []
        real = svc.dispatcher.command

        async def watch(event: Any) -> list[Prepared]:
            seen.append(await real(event))
            return seen[-1]

        svc.dispatcher.command = watch  # type: ignore[method-assign]
        for cmd, target in _every_command():
            in_dm = target.scope is Scope.PRIVATE or cmd.scope is Scope.PRIVATE
            sub = target.name if target is not cmd else None
            ix = await fake.slash(
                steward, cmd.name, options=_sample(target, steward), subcommand=sub, dm=in_dm
            )
            expected = _expected_flags(seen[-1]) or [True]  # nothing to say: a private note
            wanted = len(expected)
            await fake.until(lambda ix=ix, wanted=wanted: len(ix.shown) >= wanted)
            shown = [m.ephemeral for m in ix.shown]
            assert shown == expected, f"/{cmd.name} {sub or ''}: {ix.text[:80]!r}"


async def test_private_and_discreet_answers_are_ephemeral_space_answers_public(
    tmp_path: Path, fake: FakeDiscord, steward: User
) -> None:
    settings = discord_settings(tmp_path, fake, stewards=f"discord:{steward.id}")
    async with discord_service(settings, routers=(*ROUTERS, probe)):
        help_ = await fake.slash(steward, "help")
        crisis = await fake.slash(steward, "crisis")
        hello = await fake.slash(steward, "announce")
    assert help_.messages[0].flags & EPHEMERAL  # PERSONAL
    assert "/crisis" in help_.text
    assert crisis.messages[0].flags & EPHEMERAL  # DISCREET
    assert "9-8-8" in crisis.text
    assert not hello.messages[0].flags & EPHEMERAL  # SPACE
    assert hello.text == "Hello, space"


async def test_options_are_registered_typed_and_arrive_typed(
    tmp_path: Path, fake: FakeDiscord, steward: User
) -> None:
    async with discord_service(discord_settings(tmp_path, fake), routers=(*ROUTERS, probe)):
        definition = {o["name"]: o for o in fake.command("probe")["options"]}
        ix = await fake.slash(
            steward,
            "probe",
            options={"count": 3, "at": "9:30pm", "loud": True, "size": "large", "from": "north"},
        )
    assert {n: (o["type"], o.get("required", False)) for n, o in definition.items()} == {
        "count": (4, True),
        "at": (3, True),
        "loud": (5, False),
        "size": (3, False),
        "colour": (3, False),
        "from": (3, False),
    }
    assert [c["value"] for c in definition["size"]["choices"]] == ["small", "large"]
    assert definition["colour"]["autocomplete"] is True  # 30 choices: more than Discord lists
    assert definition["count"]["description"] == "A number"
    assert ix.text.startswith(
        "got at=datetime.time(21, 30), count=3, from='north', loud=True, size='large'"
    )


async def test_autocomplete_answers_come_back(
    tmp_path: Path, fake: FakeDiscord, steward: User
) -> None:
    settings = discord_settings(tmp_path, fake, stewards=f"discord:{steward.id}")
    async with discord_service(settings, routers=(*ROUTERS, probe)):
        zones = await fake.autocomplete(steward, "settings", "zone", "toron", subcommand="timezone")
        colours = await fake.autocomplete(steward, "probe", "colour", "colour1")
    assert {"name": "America/Toronto", "value": "America/Toronto"} in zones
    assert [c["value"] for c in colours] == [f"colour1{n}" for n in range(10)]


async def test_scopes_decide_where_discord_offers_a_command_and_dispatch_explains(
    tmp_path: Path, fake: FakeDiscord, steward: User
) -> None:
    async with discord_service(discord_settings(tmp_path, fake), routers=(*ROUTERS, probe)):
        contexts = {n: fake.command(n)["contexts"] for n in ("secret", "announce", "group")}
        in_guild = await fake.slash(steward, "secret")
        in_dm = await fake.slash(steward, "secret", dm=True)
        sub = await fake.slash(steward, "group", subcommand="here")
    assert contexts == {"secret": [1], "announce": [0], "group": [0, 1]}
    assert fake.command("secret")["integration_types"] == [0]
    assert "private chat" in in_guild.text and in_guild.messages[0].ephemeral
    assert in_dm.text.startswith("got")
    assert sub.text == "Hello, space"


async def test_a_button_that_replaces_edits_the_message_it_was_on(
    tmp_path: Path, fake: FakeDiscord, steward: User
) -> None:
    async with discord_service(discord_settings(tmp_path, fake), routers=(*ROUTERS, probe)):
        asked = await fake.slash(steward, "probe", options={"count": 1, "at": "7"})
        card = asked.messages[0]
        pressed = await fake.press(steward, card, "Swap")
    assert pressed.callbacks[0]["type"] == 7  # UPDATE_MESSAGE
    assert pressed.edited == [card] and not pressed.messages
    assert card.content == "Swapped in place" and card.components == []


async def test_a_button_can_answer_the_space_and_the_person(
    tmp_path: Path, fake: FakeDiscord, steward: User
) -> None:
    async with discord_service(discord_settings(tmp_path, fake), routers=(*ROUTERS, probe)):
        asked = await fake.slash(steward, "probe", options={"count": 1, "at": "7"})
        pressed = await fake.press(steward, asked.messages[0], "Toast")
        await fake.until(lambda: len(pressed.shown) == 2)
    public, private = pressed.shown
    assert (public.content, public.ephemeral) == ("A toast for the space", False)
    assert (private.content, private.ephemeral) == ("Noted, just for you", True)


async def test_slow_answers_are_deferred_within_three_seconds_then_delivered(
    tmp_path: Path, fake: FakeDiscord, steward: User
) -> None:
    timing = dataclasses.replace(FAST, defer_after=0.1)
    settings = discord_settings(tmp_path, fake)
    async with discord_service(settings, timing=timing, routers=(*ROUTERS, probe)):
        personal = await fake.slash(steward, "slow")
        assert [(m.content, m.ephemeral) for m in personal.shown] == [("Took a while", True)]
        public = await fake.slash(steward, "slow", options={"public": True})
        slow_button = await fake.press(steward, personal.shown[0], "Swap")
        asked = await fake.slash(steward, "probe", options={"count": 1, "at": "7"})
        pressed = await fake.press(steward, asked.messages[0], "Slow")
    assert personal.callbacks[0] == {"type": 5, "data": {"flags": EPHEMERAL}}
    assert public.messages[0].deleted  # the private "thinking…" made way for a public answer
    assert [(m.content, m.ephemeral) for m in public.shown] == [("Took a while", False)]
    assert slow_button.edited and personal.shown[0].content == "Swapped in place"
    assert pressed.callbacks[0]["type"] == 6  # acknowledged, then edited in place
    assert pressed.edited[0].content == "Slow swap"
    assert not any(ix.late for ix in fake.interactions.values())


async def test_a_long_answer_is_split_with_buttons_on_the_last_part(
    tmp_path: Path, fake: FakeDiscord, steward: User
) -> None:
    async with discord_service(discord_settings(tmp_path, fake), routers=(*ROUTERS, probe)):
        ix = await fake.slash(steward, "long")
        await fake.until(lambda: len(ix.shown) == 3)
    assert all(len(m.content) <= 2000 for m in ix.shown)
    assert [bool(m.components) for m in ix.shown] == [False, False, True]
    assert "Line 000" in ix.shown[0].content and "Line 079" in ix.shown[2].content


async def test_files_and_empty_answers(tmp_path: Path, fake: FakeDiscord, steward: User) -> None:
    async with discord_service(discord_settings(tmp_path, fake), routers=(*ROUTERS, probe)):
        sent = await fake.slash(steward, "file")
        nothing = await fake.slash(steward, "nothing")
    assert sent.messages[0].attachments == ["plan.ics"]
    assert sent.messages[0].content == "Your calendar"
    assert nothing.messages[0].ephemeral and "Nothing to show for /nothing" in nothing.text


async def test_an_expired_interaction_is_answered_through_the_outbox(
    tmp_path: Path, fake: FakeDiscord, steward: User
) -> None:
    async with discord_service(discord_settings(tmp_path, fake)):
        ix = await fake.slash(steward, "help", wait=False, age=4)  # already past 3 seconds
        await fake.until(lambda: fake.dm_messages(steward))
    assert ix.late and not ix.shown
    assert "/crisis" in fake.dm_messages(steward)[0].content  # a personal answer, kept private


async def test_commands_can_be_synced_to_one_server(
    tmp_path: Path, fake: FakeDiscord, steward: User
) -> None:
    guild = fake.world.guild.id
    settings = discord_settings(tmp_path, fake, discord_command_guild=guild)
    async with discord_service(settings):
        ix = await fake.slash(steward, "crisis")
    assert fake.calls_to("PUT", rf"/applications/\d+/guilds/{guild}/commands")
    assert not fake.calls_to("PUT", r"/applications/\d+/commands")
    assert "9-8-8" in ix.text


async def test_a_personal_answer_never_overwrites_a_public_message(
    tmp_path: Path, fake: FakeDiscord, steward: User
) -> None:
    """Regression: a button on a message everyone sees, answered with a personal reply that
    asks to replace, edited the public message in place."""
    async with discord_service(discord_settings(tmp_path, fake), routers=(*ROUTERS, probe)):
        public = await fake.slash(steward, "slow", options={"public": True})
        card = public.shown[0]
        assert not card.ephemeral
        pressed = await fake.press(steward, card, "Swap")
        await fake.until(lambda: len(pressed.shown) == 1)
    assert card.content == "Took a while"
    assert [(m.content, m.ephemeral) for m in pressed.shown] == [("Swapped in place", True)]
