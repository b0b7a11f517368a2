"""/selfcare now: one prompt straight away, by theme, with rotation, saving and "not now".

Driven through the real console, dispatcher, SQLite and content. Helpers here are shared
with the schedule and space tests.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.clock import SettableClock
from bot.config import Settings
from bot.content.schema.prompts import PromptsFile, Theme
from bot.content.sources import PROMPTS
from bot.core.events import Actor, AutocompleteEvent, Conversation
from bot.core.model import Person
from bot.platforms.console import CONSOLE_ACCOUNT, PRIVATE
from bot.service import Service
from tests.helpers import CONTENT, console_service

MONDAY_8AM_VANCOUVER = datetime(2025, 6, 2, 15, 0, tzinfo=UTC)
PROMPTS_FILE: PromptsFile = PROMPTS.load(CONTENT)


def theme(theme_id: str) -> Theme:
    found = PROMPTS_FILE.theme(theme_id)
    assert found is not None
    return found


def prompts_shown(output: str, theme_id: str | None = None) -> list[str]:
    """Ids of the prompts in ``output``, in the order they were printed."""
    themes = [theme(theme_id)] if theme_id else PROMPTS_FILE.themes
    at = [(output.find(p.text), p.id) for t in themes for p in t.prompts if p.text in output]
    return [prompt_id for _, prompt_id in sorted(at)]


async def me(svc: Service) -> Person:
    person = await svc.ctx.repo.people.by_account(CONSOLE_ACCOUNT)
    assert person is not None
    return person


async def table_rows(svc: Service, *skip: str) -> dict[str, list[Any]]:
    """Every row of every table (the whole store), to check what a tap did or did not keep."""
    rows = {}
    for table in await svc.ctx.repo.db.tables():
        if table not in skip:
            found = await svc.ctx.repo.db.fetchall(f"SELECT * FROM {table}")
            rows[table] = [tuple(r) for r in found]
    return rows


def clock() -> SettableClock:
    return SettableClock(MONDAY_8AM_VANCOUVER)


async def test_selfcare_gives_a_prompt_now_with_theme_buttons(settings: Settings) -> None:
    async with console_service(settings, clock=clock()) as (_, console):
        out = await console.say("/selfcare")
    assert len(prompts_shown(out)) == 1
    assert "[2] Save for later" in out or "[1] Save for later" in out
    assert "Another one, on a theme you choose:" in out
    assert "Grief & loss" in out and "After a hard shift" in out
    assert "/selfcare schedule" in out  # offered, never imposed


async def test_a_theme_by_word_or_by_button(settings: Settings) -> None:
    async with console_service(settings, clock=clock()) as (_, console):
        typed = await console.say("/selfcare grief")
        await console.say("/selfcare")
        pressed = await console.say("5")  # the fifth theme button: Connection
    assert len(prompts_shown(typed, "grief-and-loss")) == 1
    assert len(prompts_shown(pressed, "connection")) == 1


async def test_an_unknown_theme_gets_a_kind_list(settings: Settings) -> None:
    async with console_service(settings, clock=clock()) as (_, console):
        out = await console.say("/selfcare astrology")
    assert "I don't have a theme called 'astrology'" in out
    assert "grounding" in out and "small-wins" in out
    assert prompts_shown(out) == []


async def test_no_prompt_repeats_until_the_whole_theme_is_seen(settings: Settings) -> None:
    rest = theme("rest")
    size = len(rest.prompts)
    async with console_service(settings, clock=clock()) as (svc, console):
        shown = [prompts_shown(await console.say("/selfcare rest"), "rest") for _ in range(size)]
        first_round = [ids[0] for ids in shown]
        stored = await svc.ctx.repo.db.fetchall("SELECT * FROM selfcare_seen")
        after = [prompts_shown(await console.say("/selfcare rest"), "rest")[0] for _ in range(3)]
    assert sorted(first_round) == sorted(p.id for p in rest.prompts)  # each exactly once
    assert after[0] != first_round[-1]  # a new round never opens with the last one
    assert len(set(after)) == 3
    # Only what rotation needs: who, which theme, which prompt id. No times, no reactions.
    assert {tuple(r.keys()) for r in stored} == {("person_id", "space", "theme", "prompt_id")}


async def test_intro_quote_names_its_seed_at_the_start_of_a_round(settings: Settings) -> None:
    grief = theme("grief-and-loss")
    assert grief.intro is not None
    async with console_service(settings, clock=clock()) as (_, console):
        first = await console.say("/selfcare grief")
        second = await console.say("/selfcare grief")
    assert "— Peer worker roles in harm reduction, interviews with BC peer workers" in first
    assert "Peer worker roles in harm reduction" not in second


async def test_not_now_records_nothing(settings: Settings) -> None:
    async with console_service(settings, clock=clock()) as (svc, console):
        out = await console.say("/selfcare grounding")
        assert "Not now" in out
        before = await table_rows(svc, "outbox")
        number = out.split("] Not now")[0].rsplit("[", 1)[1]
        put_away = await console.say(number)
        after = await table_rows(svc, "outbox")
    assert "(updated)" in put_away and "Okay, not now" in put_away
    assert before == after  # no table anywhere changed
    assert after["selfcare_saved"] == []


async def test_trying_an_exercise_shows_it_and_records_nothing(settings: Settings) -> None:
    async with console_service(settings, clock=clock()) as (svc, console):
        out = await console.say("/selfcare after a hard shift")
        while "[1] Try" not in out:  # all but one prompt here offer one
            out = await console.say("/selfcare after a hard shift")
        before = await table_rows(svc, "outbox")
        steps = await console.say("1")
        after = await table_rows(svc, "outbox")
    assert "1. " in steps and "2. " in steps
    assert before == after


async def test_saving_keeps_only_the_prompt_id_and_can_be_undone(settings: Settings) -> None:
    async with console_service(settings, clock=clock()) as (svc, console):
        out = await console.say("/selfcare rest")
        [prompt_id] = prompts_shown(out, "rest")
        number = out.split("] Save for later")[0].rsplit("[", 1)[1]
        assert "Saved." in await console.say(number)
        listed = await console.say("/selfcare saved")
        stored = await svc.ctx.repo.db.fetchall("SELECT * FROM selfcare_saved")
        exported = await svc.ctx.repo.selfcare.export_person((await me(svc)).id)
        removed = await console.say("1")  # Remove 1
        person = await me(svc)
        left = await svc.ctx.repo.selfcare.saved(person.id)
    found = PROMPTS_FILE.prompt(prompt_id)
    assert found is not None
    assert found[1].text in listed and "[1] Remove 1" in listed
    assert [tuple(r) for r in stored] == [(person.id, prompt_id)]  # nothing more than that
    assert exported["selfcare_prompts_saved"] == [prompt_id]
    assert "Removed." in removed and "Nothing saved yet" in removed
    assert left == []


async def test_forgetting_a_person_erases_their_selfcare_rows(settings: Settings) -> None:
    async with console_service(settings, clock=clock()) as (svc, console):
        await console.say("/selfcare rest")
        person = await me(svc)
        await svc.ctx.repo.selfcare.save(person.id, "rest-eat")
        assert svc.ctx.repo.selfcare in svc.ctx.personal_data  # so /mydata and /forgetme see it
        exported = json.dumps(await svc.ctx.repo.selfcare.export_person(person.id))
        for part in svc.ctx.personal_data:
            await part.erase_person(person.id)
        seen = await svc.ctx.repo.db.fetchall("SELECT * FROM selfcare_seen")
        saved = await svc.ctx.repo.db.fetchall("SELECT * FROM selfcare_saved")
    assert "rest-eat" in exported and '"rest"' in exported
    assert seen == [] and saved == []


async def test_theme_autocomplete_for_discord(settings: Settings) -> None:
    actor = Actor(CONSOLE_ACCOUNT)
    here = Conversation(PRIVATE.platform, PRIVATE.chat_id, True)

    def typing(option: str, sub: str, partial: str) -> AutocompleteEvent:
        return AutocompleteEvent(actor, here, "selfcare", option, partial, subcommand=sub)

    async with console_service(settings, clock=clock()) as (svc, _):
        one = await svc.dispatcher.autocomplete(typing("theme", "now", "gri"))
        listed = await svc.dispatcher.autocomplete(typing("themes", "schedule", "grounding,re"))
    assert one == ["grief-and-loss"]
    assert "grounding,rest" in listed and all(s.startswith("grounding,") for s in listed)
