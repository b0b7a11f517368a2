"""/rolecheck and /power: private reflections, end to end on the console and on Telegram.

What the person answers never touches disk unless they keep their own /power history, and no
one else is told anything (DESIGN rules 2 and 3)."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import SettableClock
from bot.config import Settings
from bot.content.problems import ContentError
from bot.content.sources import SOURCES
from bot.content.store import load_all
from bot.platforms.console import CONSOLE_ACCOUNT
from tests.fakes.telegram_harness import fake_telegram, telegram_service, telegram_settings
from tests.fakes.telegram_media import uploads
from tests.helpers import CONTENT, console_service

PNG = b"\x89PNG\r\n\x1a\n"


def on_disk(settings: Settings) -> bytes:
    """Every byte of the database: the main file, its write-ahead log and shared memory."""
    path = settings.database_path
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return b"".join(p.read_bytes() for p in files if p.exists())


def choice(printed: str, label: str) -> str:
    """The number the console shows for a choice."""
    found = re.search(rf"\[(\d+)\] {re.escape(label)}", printed)
    assert found is not None, f"no choice '{label}' in:\n{printed}"
    return found.group(1)


async def test_rolecheck_walks_through_a_task_and_keeps_nothing(settings: Settings) -> None:
    async with console_service(settings) as (svc, console):
        tasks = await console.say("/rolecheck")
        first = await console.say(choice(tasks, "Giving rides"))
        assert "Who asked you to do it?" in first
        second = await console.say(choice(first, "My boss or the team"))
        third = await console.say(choice(second, "Nobody else would do it"))
        fourth = await console.say(choice(third, "No"))
        done = await console.say(choice(fourth, "Routinely"))
        await svc.ctx.outbox.drain(timeout=30)
        rows = await svc.ctx.repo.db.fetchall("SELECT * FROM outbox")
        kept = await svc.ctx.repo.db.fetchall("SELECT * FROM power_history")
    assert "Being used as a taxi is a sign the role isn't valued" in done
    assert "Busy work" in done and "Agenda" in done and "Power imbalance" not in done
    assert "it is a sign the peer role isn't being valued" in done  # routinely
    assert "Words you could use" in done
    assert "From The Provider's Handbook on Developing & Implementing Peer Roles" in done
    assert "Rights, pay and fair work" in done  # a way into the directory
    assert rows == [] and kept == []
    assert b"taxi" not in on_disk(settings)  # the reflection went out in memory only


async def test_a_task_in_their_own_words_is_never_written_down(settings: Settings) -> None:
    marker = "zq-own-task-7731"
    async with console_service(settings) as (svc, console):
        asked = await console.say(f"/rolecheck driving {marker} to court")
        assert marker in asked and "Who asked you to do it?" in asked
        step = await console.say(choice(asked, "The person I support"))
        step = await console.say(choice(step, "Theirs: they want it"))
        step = await console.say(choice(step, "No"))
        done = await console.say(choice(step, "Once in a while"))
        await svc.ctx.outbox.drain(timeout=30)
    assert "this sounds like peer work" in done and marker in done
    assert marker.encode() not in on_disk(settings)


async def test_an_old_rolecheck_button_says_to_start_again(settings: Settings) -> None:
    async with console_service(settings) as (svc, console):
        tasks = await console.say("/rolecheck")
        first = await console.say(choice(tasks, "Filing"))
        svc.ctx.repo.reflections.in_progress.clear()  # as after a restart
        again = await console.say(choice(first, "I offered"))
    assert "That reflection has ended. Start again with /rolecheck." in again


async def answer_power(console: object, points: list[str]) -> str:
    say = console.say  # type: ignore[attr-defined]
    shown = await say("/power")
    assert "Financial security" in shown and "• No power:" in shown
    for label in points:
        shown = await say(choice(shown, label))
    return str(shown)


async def test_power_summary_names_little_power_with_a_picture_and_keeps_nothing(
    settings: Settings,
) -> None:
    files = settings.database_path.parent / "console-files"
    async with console_service(settings) as (svc, console):
        done = await answer_power(
            console, ["No power", "Some power", "Full power", "Full power", "No power"]
        )
        await svc.ctx.outbox.drain(timeout=30)
        kept = await svc.ctx.repo.db.fetchall("SELECT * FROM power_history")
    assert "• Financial security: No power" in done and "• Influence: No power" in done
    assert "Where you hold little power" in done
    assert "Know your pay rights" in done  # what might help with financial security
    assert "4C exemption" in done and "Income and disability assistance" in done  # buttons
    assert "one bar per indicator" in done  # the text equivalent of the picture
    assert "Nothing was kept" in done
    picture = (files / "power-at-work.png").read_bytes()
    assert picture.startswith(PNG)
    assert kept == []
    assert b"Where you hold little power" not in on_disk(settings)
    assert PNG not in on_disk(settings)


async def test_power_history_on_shows_then_and_now_and_off_erases_it(settings: Settings) -> None:
    clock = SettableClock(datetime(2026, 3, 2, 18, 0, tzinfo=UTC))
    async with console_service(settings, clock=clock) as (svc, console):
        assert "kept for you only" in await console.say("/power history on")
        await answer_power(console, ["No power"] * 5)
        clock.advance(timedelta(days=30))
        second = await answer_power(console, ["Some power"] * 5)
        listed = await console.say("/power history")
        person = await svc.ctx.repo.people.by_account(CONSOLE_ACCOUNT)
        assert person is not None
        exported = await svc.ctx.repo.reflections.export_person(person.id)
        await console.say("/power history off")
        after = await svc.ctx.repo.db.fetchall("SELECT * FROM power_history")
    assert "Lighter bars: your last check (2 Mar)" in second
    assert "Kept for you only, for 90 days" in second
    assert "2 Mar: Financial security no power" in listed
    assert "1 Apr: Financial security some power" in listed
    assert len(exported["power_history"]) == 2 and exported["power_history_kept"] is True
    assert after == []


async def test_kept_checks_are_forgotten_after_90_days(settings: Settings) -> None:
    clock = SettableClock(datetime(2026, 1, 5, 18, 0, tzinfo=UTC))
    async with console_service(settings, clock=clock) as (svc, console):
        await console.say("/power history on")
        await answer_power(console, ["Full power"] * 5)
        clock.advance(timedelta(days=91))
        await answer_power(console, ["Some power"] * 5)
        removed = await svc.ctx.repo.reflections.forget_older_than(clock.now() - timedelta(90))
        listed = await console.say("/power history")
    assert removed == 1
    assert "Jan" not in listed and "Apr" in listed


async def test_forgetme_erases_kept_checks(settings: Settings) -> None:
    async with console_service(settings) as (svc, console):
        await console.say("/power history on")
        await answer_power(console, ["Some power"] * 5)
        person = await svc.ctx.repo.people.by_account(CONSOLE_ACCOUNT)
        assert person is not None
        await svc.ctx.repo.reflections.erase_person(person.id)
        left = await svc.ctx.repo.db.fetchall("SELECT * FROM power_history")
        keep = await svc.ctx.repo.db.fetchall("SELECT * FROM power_keep")
    assert left == [] and keep == []


async def test_power_on_telegram_answers_in_the_private_chat_with_a_photo(
    tmp_path: Path,
) -> None:
    async with fake_telegram() as fake:
        user, group = fake.user("Sam"), fake.group()
        settings = telegram_settings(tmp_path, fake, stewards=f"telegram:{user.id}")
        async with telegram_service(settings) as (svc, _):
            fake.say(user, "hi")  # Sam has opened a private chat with the bot
            await fake.wait_messages(user.id)
            fake.say(user, "/power", group)  # asked in a group: answered privately
            [_, question] = await fake.wait_messages(user.id, 2)
            assert "1 of 5. Financial security" in question.plain
            for step in range(5):
                fake.press(user, fake.messages_to(user.id)[1], "No power")
                if step < 4:
                    await fake.wait_for(
                        lambda n=step + 2: f"{n} of 5." in fake.messages_to(user.id)[1].plain
                    )
            sent = await fake.wait_for(
                lambda: [m for m in fake.messages_to(user.id) if m.document] or None
            )
            await svc.ctx.outbox.drain(timeout=30)
    assert fake.messages_to(group.id) == []
    [picture] = sent
    assert picture.document_data.startswith(PNG)
    # a picture to look at, shown in the chat as a photo (not a file to open)
    assert [(u.method, u.name) for u in uploads(fake)] == [("photo", "power-at-work.png")]
    said = [m.plain for m in fake.messages_to(user.id)]
    assert any("Your power at work" in text and "Where you hold little" in text for text in said)
    assert b"Your power at work" not in on_disk(settings)


def test_a_broken_power_file_is_named_by_file_entry_and_field(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    broken = (
        (content / "power.yaml")
        .read_text("utf-8")
        .replace(
            "  - id: opportunity\n    name: Opportunity",
            "  - id: opportunity\n    nmae: Opportunity",
        )
    )
    (content / "power.yaml").write_text(broken, "utf-8")
    with pytest.raises(ContentError) as err:
        load_all(content, SOURCES)
    said = "\n".join(str(p) for p in err.value.problems)
    assert "power.yaml" in said and '"opportunity"' in said and "nmae" in said
