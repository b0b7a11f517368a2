"""The console platform, driven through its input and output streams."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from bot.config import Settings
from bot.core.commands import Router
from bot.core.context import Context, Request
from bot.core.model import Role
from bot.core.replies import Reply
from bot.platforms.console import CONSOLE_ACCOUNT
from bot.scheduler import once
from tests.helpers import CONTENT, REPO, console_service


async def test_help_lists_commands_one_line_each(settings: Settings) -> None:
    async with console_service(settings) as (_, console):
        out = await console.say("/help")
    assert "/crisis — Crisis and support lines" in out
    assert "/settings — Your timezone and quiet hours" in out


async def test_unknown_command_gets_the_closest_match(settings: Settings) -> None:
    async with console_service(settings) as (_, console):
        out = await console.say("/crisiss")
    assert "Did you mean /crisis?" in out


async def test_first_run_makes_the_local_person_a_steward(settings: Settings) -> None:
    async with console_service(settings) as (svc, _):
        person = await svc.ctx.repo.people.by_account(CONSOLE_ACCOUNT)
    assert person is not None and person.has(Role.STEWARD) and person.is_member


async def test_choices_are_numbered_and_a_number_presses_one(settings: Settings) -> None:
    async with console_service(settings) as (_, console):
        out = await console.say("/crisis")
        assert "[1] Indigenous-led" in out
        pressed = await console.say("1")
    assert "Hope for Wellness Helpline" in pressed
    assert "9-8-8" not in pressed


async def test_an_older_messages_choices_stay_reachable_by_its_number(settings: Settings) -> None:
    async with console_service(settings) as (_, console):
        crisis = await console.say("/crisis")
        [number] = re.findall(r"\(message (\d+)\)", crisis)
        await console.say("/settings")  # a newer message with its own choices
        out_of_range = await console.say("99")
        pressed = await console.say(f"{number}.1")  # /crisis's first choice
        gone = await console.say("999.1")
    assert "(message" in out_of_range and "choose a number from 1 to" in out_of_range
    assert "Hope for Wellness Helpline" in pressed
    assert "message 999 has no choices" in gone


async def test_first_greeting_does_not_say_welcome_back(settings: Settings) -> None:
    async with console_service(settings) as (_, console):
        first = await console.say("/start")
    assert "Welcome back" not in first
    assert "welcome to Peer Circle" in first


async def test_scheduled_message_arrives_while_typing(settings: Settings) -> None:
    ping = Router("test")

    @ping.job("test.ping")
    async def job(ctx: Context, req: Request) -> None:
        assert req.schedule is not None and req.schedule.person_id is not None
        await ctx.messenger.to_person(req.schedule.person_id, Reply("Time for a stretch."))

    async with console_service(settings, extra_routers=[ping]) as (svc, console):
        person = await svc.ctx.repo.people.by_account(CONSOLE_ACCOUNT)
        assert person is not None
        at = svc.ctx.clock.now() + timedelta(seconds=0.3)
        await svc.ctx.scheduler.add("test.ping", once(at), person_id=person.id)
        typed = asyncio.create_task(console.say("/help"))
        for _ in range(100):
            if "Time for a stretch." in "".join(console.output):
                break
            await asyncio.sleep(0.05)
        await typed
    assert "Time for a stretch." in "".join(console.output)


def test_piped_standard_input_runs_commands_and_exits(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
        "CONTENT_DIR": str(CONTENT),
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("DISCORD_BOT_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        input="/help\n/crisis\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "/settings — Your timezone" in done.stdout
    assert "9-8-8 Suicide Crisis Helpline" in done.stdout
    assert REPO.exists()


def test_a_closed_output_stops_the_console_quietly(tmp_path: Path) -> None:
    """Regression: with its output piped into a program that stopped reading (``| head``),
    the console retried printing for ever and ended in a traceback."""
    env = {
        **os.environ,
        "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
        "CONTENT_DIR": str(CONTENT),
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("DISCORD_BOT_TOKEN", None)
    done = subprocess.run(
        f"printf '/help\\n/crisis\\n/help\\n' | {sys.executable} -m bot | head -1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=env,
    )
    assert done.stdout.startswith("Here's what you can use:")
    assert "Traceback" not in done.stderr
