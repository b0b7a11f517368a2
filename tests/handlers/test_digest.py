"""/digest: opt-in, weekly in the person's own time, exactly what was added since the last
one, easy to stop; and nothing about what anyone read is kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import SettableClock
from bot.config import Settings
from bot.core.events import Actor, CommandEvent
from bot.platforms.console import CONSOLE_ACCOUNT, PRIVATE
from bot.service import Service
from tests.directory.fixtures import (
    NEW_OPPORTUNITY,
    NEW_RESOURCE,
    OPPORTUNITIES,
    RESOURCES,
    content_dir,
)
from tests.helpers import ConsoleDriver, console_service, make_settings

MONDAY = datetime(2037, 3, 2, 17, 0, tzinfo=UTC)  # 09:00 in Vancouver


async def me(svc: Service) -> int:
    person = await svc.ctx.repo.people.by_account(CONSOLE_ACCOUNT)
    assert person is not None
    return person.id


async def fire_and_read(svc: Service, console: ConsoleDriver, schedule_id: int) -> str:
    start = len(console.output)
    await svc.ctx.scheduler.fire(schedule_id)
    await svc.ctx.outbox.drain(timeout=5)
    return console.printed_since(start)


async def test_the_digest_lists_only_what_was_added_since_the_last_one(tmp_path: Path) -> None:
    folder = content_dir(tmp_path)
    clock = SettableClock(MONDAY - timedelta(days=7))
    settings = make_settings(tmp_path, content_dir=folder)
    async with console_service(settings, clock=clock) as (svc, console):
        person = await me(svc)
        await svc.ctx.repo.people.set_timezone(person, "America/Toronto")
        out = await console.say("/digest on")
        assert "Each Monday at 09:00 your time" in out
        row = await svc.ctx.repo.digests.get(person)
        assert row is not None
        schedule = await svc.ctx.repo.schedules.get(row.schedule_id)
        assert schedule is not None and schedule.person_id == person
        assert schedule.timezone == "America/Toronto"
        assert schedule.trigger == {"cron": {"day_of_week": "mon", "hour": "9", "minute": "0"}}

        # A steward adds a resource during the week and reloads.
        clock.advance(timedelta(days=2))
        (folder / "resources.yaml").write_text(RESOURCES + NEW_RESOURCE, "utf-8")
        assert "Reloaded" in await console.say("/reload")

        clock.set(MONDAY)
        first = await fire_and_read(svc, console, row.schedule_id)
        assert "New this week" in first and "Burnout circle for peers" in first
        assert "Naloxone kits near you" not in first  # there before the person subscribed
        assert "To stop it: /digest off" in first and "[1] Stop the digest" in first

        # Nothing new the next week: no message at all.
        clock.advance(timedelta(days=7))
        assert await fire_and_read(svc, console, row.schedule_id) == ""

        # Then an opportunity is added: only it is in the next digest.
        opportunities = OPPORTUNITIES + NEW_OPPORTUNITY
        (folder / "opportunities.yaml").write_text(opportunities, "utf-8")
        await console.say("/reload")
        clock.advance(timedelta(days=7))
        third = await fire_and_read(svc, console, row.schedule_id)
        assert "Call for peer speakers: Provincial conference" in third
        assert "Burnout circle" not in third


async def test_digest_off_stops_it(tmp_path: Path) -> None:
    folder = content_dir(tmp_path)
    clock = SettableClock(MONDAY - timedelta(days=7))
    async with console_service(make_settings(tmp_path, content_dir=folder), clock=clock) as (
        svc,
        console,
    ):
        person = await me(svc)
        await console.say("/digest on")
        row = await svc.ctx.repo.digests.get(person)
        assert row is not None
        (folder / "resources.yaml").write_text(RESOURCES + NEW_RESOURCE, "utf-8")
        clock.advance(timedelta(days=1))
        await console.say("/reload")
        out = await console.say("/digest off")
        assert "No more weekly digest" in out
        assert await svc.ctx.repo.digests.get(person) is None
        assert await svc.ctx.repo.schedules.get(row.schedule_id) is None
        clock.set(MONDAY)
        assert await fire_and_read(svc, console, row.schedule_id) == ""
        assert "The weekly digest is off" in await console.say("/digest")


async def test_the_digest_keeps_nothing_about_what_anyone_read(tmp_path: Path) -> None:
    folder = content_dir(tmp_path)
    async with console_service(make_settings(tmp_path, content_dir=folder)) as (svc, console):
        person = await me(svc)
        await console.say("/digest on")
        await console.say("/resources naloxone")
        db = svc.ctx.repo.db
        digest_columns = [r["name"] for r in await db.fetchall("PRAGMA table_info(digests)")]
        seen_columns = [r["name"] for r in await db.fetchall("PRAGMA table_info(content_seen)")]
        assert digest_columns == ["person_id", "schedule_id", "since", "created_at"]
        assert "person_id" not in seen_columns
        exported = await svc.ctx.repo.digests.export_person(person)
        assert exported["weekly_digest"] == "on"
        await svc.ctx.repo.digests.erase_person(person)
        assert await svc.ctx.repo.digests.get(person) is None
        assert (await svc.ctx.repo.digests.export_person(person))["weekly_digest"] == "off"


async def test_two_taps_at_once_make_one_digest(settings: Settings) -> None:
    """Regression: two "on" taps handled together left an orphan weekly schedule."""
    async with console_service(settings) as (svc, _):
        person = await svc.ctx.repo.people.by_account(CONSOLE_ACCOUNT)
        assert person is not None
        event = CommandEvent(Actor(CONSOLE_ACCOUNT), PRIVATE, "digest", raw="on")
        await asyncio.gather(svc.dispatcher.command(event), svc.dispatcher.command(event))
        rows = await svc.ctx.repo.schedules.for_person(person.id, "digest.weekly")
    assert len(rows) == 1
