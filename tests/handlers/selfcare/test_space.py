"""Prompts a steward schedules into a peer space, in the network's timezone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.clock import SettableClock
from bot.config import Settings
from bot.core.events import Actor, CommandEvent
from bot.core.model import AccountRef, Platform, Role
from bot.platforms.console import SPACE
from bot.service import Service
from bot.storage.schedules import ScheduleRow
from bot.storage.selfcare import Audience
from handlers.selfcare.prompts import SPACE_KIND
from tests.handlers.selfcare.test_now import prompts_shown, theme
from tests.helpers import ConsoleDriver, console_service

VANCOUVER = ZoneInfo("America/Vancouver")
TARGET = "console:chat:space"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 6, day, hour, minute, tzinfo=VANCOUVER)


async def space_rows(svc: Service) -> list[ScheduleRow]:
    return await svc.ctx.repo.schedules.for_target(TARGET, SPACE_KIND)


async def fired(svc: Service, console: ConsoleDriver, row: ScheduleRow) -> str:
    start = len(console.output)
    await svc.ctx.scheduler.fire(row.id)
    assert await svc.ctx.outbox.drain(timeout=5)
    return console.printed_since(start)


async def test_a_steward_schedules_prompts_that_post_in_the_space(settings: Settings) -> None:
    clock = SettableClock(at(2, 8))
    async with console_service(settings, clock=clock) as (svc, console):
        await console.say(":space")
        added = await console.say("/selfcare space 0 9 * * mon grounding")
        [row] = await space_rows(svc)
        nxt = svc.ctx.scheduler.next_fire(row.id)
        clock.set(at(2, 9))
        posted = await fired(svc, console, row)
    assert "Added: every Monday at 09:00, Grounding." in added
    assert row.timezone == settings.default_timezone and row.person_id is None
    assert nxt is not None and nxt.astimezone(VANCOUVER).strftime("%a %H:%M") == "Mon 09:00"
    assert posted.startswith("(in the space)")
    assert len(prompts_shown(posted, "grounding")) == 1
    assert "Save for later" in posted
    assert "Not now" not in posted and "Stop prompts" not in posted  # not a person's schedule


async def test_space_prompts_rotate_without_repeats(settings: Settings) -> None:
    rest = theme("rest")
    clock = SettableClock(at(2, 8))
    async with console_service(settings, clock=clock) as (svc, console):
        await console.say(":space")
        await console.say("/selfcare space weekdays 09:00 rest")
        [row] = await space_rows(svc)
        shown: list[str] = []
        for day in range(len(rest.prompts)):
            clock.set(at(2 + day, 9))
            shown += prompts_shown(await fired(svc, console, row), "rest")
        stored = await svc.ctx.repo.db.fetchall("SELECT person_id, space FROM selfcare_seen")
        await console.say("/selfcare space remove 1")
        after_removal = await svc.ctx.repo.db.fetchall("SELECT * FROM selfcare_seen")
    assert sorted(shown) == sorted(p.id for p in rest.prompts)
    assert {tuple(r) for r in stored} == {(None, TARGET)}  # the space's rotation, nobody's
    assert after_removal == []  # no schedules left: its rotation is not kept either


async def test_list_and_remove_by_button_or_by_number(settings: Settings) -> None:
    async with console_service(settings, clock=SettableClock(at(2, 8))) as (svc, console):
        await console.say(":space")
        listed = await console.say("/selfcare space")
        assert "None yet." in listed and "[1] Mondays 09:00" in listed
        await console.say("1")  # preset: Mondays 09:00
        both = await console.say("/selfcare space fri 16:00 small wins")
        assert (
            "1. Every Monday at 09:00" in both and "2. Every Friday at 16:00 · Small wins" in both
        )
        removed = await console.say("1")  # Remove 1
        left = await space_rows(svc)
        by_number = await console.say("/selfcare space remove 1")
        none_left = await space_rows(svc)
        no_such = await console.say("/selfcare space remove 4")
    assert "Removed." in removed and "1. Every Friday at 16:00" in removed
    assert [r.trigger["cron"]["day_of_week"] for r in left] == ["fri"]
    assert "Removed." in by_number and none_left == []
    assert "no number 4" in no_such


async def test_space_prompts_only_from_stewards_inside_a_space(settings: Settings) -> None:
    async with console_service(settings, clock=SettableClock(at(2, 8))) as (svc, console):
        private = await console.say("/selfcare space 0 9 * * mon")
        account = AccountRef(Platform.CONSOLE, "peer")
        await svc.ctx.repo.people.create(account, [Role.PEER], svc.ctx.clock.now())
        [peer_try] = await svc.dispatcher.command(
            CommandEvent(Actor(account), SPACE, "selfcare", raw="space 0 9 * * mon")
        )
        rows = await space_rows(svc)
    assert "works inside a peer space" in private
    assert "for a steward" in peer_try.message.text
    assert rows == []


async def test_crontab_mistakes_get_kind_answers(settings: Settings) -> None:
    async with console_service(settings, clock=SettableClock(at(2, 8))) as (svc, console):
        await console.say(":space")
        numbers = await console.say("/selfcare space 0 9 * * 1 grounding")
        broken = await console.say("/selfcare space 0 99 * * mon")
        rows = await space_rows(svc)
    assert "name the weekdays" in numbers
    assert "is not a crontab line" in broken
    assert rows == []


async def test_a_conversation_that_may_not_get_space_prompts_gets_none(settings: Settings) -> None:
    # may_receive_space_prompts is checked at fire time too: a schedule aimed at a private
    # chat (which that check refuses) posts nothing.
    async with console_service(settings, clock=SettableClock(at(2, 8))) as (svc, console):
        row = await svc.ctx.scheduler.add(
            SPACE_KIND, {"cron": {"hour": "9", "minute": "0"}}, target="console:user:local"
        )
        out = await fired(svc, console, row)
    assert out == ""


async def test_space_schedules_follow_a_group_that_moves(settings: Settings) -> None:
    """Regression: a Telegram group upgraded to a supergroup lost its space prompts."""
    from bot.core.events import ChatMoved

    clock = SettableClock(at(2, 8))
    async with console_service(settings, clock=clock) as (svc, console):
        await console.say(":space")
        await console.say("/selfcare space 0 9 * * mon grounding")
        [row] = await space_rows(svc)
        clock.set(at(2, 9))
        await fired(svc, console, row)
        seen_before = await svc.ctx.repo.selfcare.seen(Audience(space=TARGET), "grounding")
        await svc.dispatcher.chat_moved(ChatMoved(Platform.CONSOLE, "space", "space-2"))
        moved = await svc.ctx.repo.schedules.for_target("console:chat:space-2", SPACE_KIND)
        left_behind = await space_rows(svc)
        seen_after = await svc.ctx.repo.selfcare.seen(
            Audience(space="console:chat:space-2"), "grounding"
        )
    assert [r.id for r in moved] == [row.id] and left_behind == []
    assert len(seen_before) == 1 and seen_after == seen_before  # the rotation moved too
