"""Bad numbers and names get a clear answer, never "something went wrong" or a traceback.

Regression: member numbers of 2^63 or more reached SQLite and raised OverflowError; a timezone
name over 255 bytes made ZoneInfo raise OSError (File name too long), in /settings, in
DEFAULT_TIMEZONE and in content files; ``/invite days:0`` silently became 7 days.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import Settings
from bot.content.problems import ContentError
from bot.content.sources import SOURCES
from bot.content.store import load_all
from bot.platforms.console import CONSOLE_ACCOUNT
from tests.helpers import CONTENT, console_service
from tests.test_cli import run_bot

HUGE = "99999999999999999999"  # more than 2^63
LONG_ZONE = "Europe/" + "Atlantis" * 40  # 327 bytes


def _clear(answer: str) -> None:
    assert "went wrong" not in answer and "Traceback" not in answer, answer


async def test_member_numbers_of_2_to_the_63_or_more_get_a_clear_answer(
    settings: Settings,
) -> None:
    async with console_service(settings) as (svc, console):
        shown = await console.say(f"/members {HUGE}")
        assert "number: that number is far too big" in shown
        shown = await console.say(f"/members {2**63}")  # the first one SQLite cannot hold
        assert "number: that number is far too big" in shown
        role = await console.say(f"/role #{HUGE} mentor")
        assert "person: no member has that number. /members lists them." in role
        removed = await console.say(f"/remove {HUGE}")
        assert "person: no member has that number" in removed
        for answer in (shown, role, removed):
            _clear(answer)
        # The steward who asked is untouched, and 2^63 - 1 is simply nobody.
        nobody = await console.say(f"/members {2**63 - 1}")
        assert "I can't find a member by that" in nobody
        me = await svc.ctx.repo.people.by_account(CONSOLE_ACCOUNT)
    assert me is not None and "steward" in {r.value for r in me.roles}


async def test_a_text_cut_short_by_a_hash_in_yaml_is_whole_again(settings: Settings) -> None:
    """Regression: ``/members -1`` answered "…member number (like": YAML read `` #12`` as the
    start of a comment."""
    async with console_service(settings) as (_, console):
        shown = await console.say("/members -1")
    assert "Use their member number (like #12, from /members), or reply to one" in shown


async def test_a_timezone_longer_than_255_bytes_in_settings_gets_a_clear_answer(
    settings: Settings,
) -> None:
    async with console_service(settings) as (svc, console):
        shown = await console.say(f"/settings timezone {LONG_ZONE}")
        person = await svc.ctx.repo.people.by_account(CONSOLE_ACCOUNT)
    _clear(shown)
    assert "I couldn't find a place called 'Europe/AtlantisAtlantis" in shown
    assert LONG_ZONE not in shown
    assert person is not None and person.timezone is None


def test_a_timezone_longer_than_255_bytes_in_default_timezone_stops_with_one_line(
    tmp_path: Path,
) -> None:
    done = run_bot(tmp_path, stdin="/help\n", DEFAULT_TIMEZONE=LONG_ZONE)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("DEFAULT_TIMEZONE: 'Europe/Atlantis") and "is not a timezone" in line


@pytest.mark.parametrize("where", ["trainings.yaml", "calendar/course.ics"])
def test_a_timezone_longer_than_255_bytes_in_content_is_named(tmp_path: Path, where: str) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    if where == "trainings.yaml":
        path = content / "trainings.yaml"
        text = path.read_text()
        entry = "  - id: bc-peer-support-curriculum\n"
        dated = f"    starts: 2027-01-10 10:00\n    timezone: {LONG_ZONE}\n"
        path.write_text(text.replace(entry, entry + dated))
    else:
        (content / "calendar" / "course.ics").write_text(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n"
            f"X-WR-TIMEZONE:{LONG_ZONE}\r\n"
            "BEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Naloxone training\r\n"
            "DTSTART:20270110T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )
    with pytest.raises(ContentError) as caught:
        load_all(content, SOURCES)
    [problem] = caught.value.problems
    assert problem.file.endswith(where.split("/")[-1])
    assert "is not a timezone" in problem.message and LONG_ZONE not in problem.message


async def test_invite_for_zero_days_is_refused_like_minus_one(settings: Settings) -> None:
    async with console_service(settings) as (svc, console):
        zero = await console.say("/invite days:0")
        minus = await console.say("/invite days:-1")
        seven = await console.say("/invite")
        me = await svc.ctx.repo.people.by_account(CONSOLE_ACCOUNT)
        assert me is not None
        open_now = await svc.ctx.repo.codes.open_count(me.id, "invite", svc.ctx.clock.now())
    assert "Invitations can last from 1 to 30 days." in zero
    assert zero == minus
    assert "It works once, for 7 days" in seven
    assert open_now == 1  # only the plain /invite made a code
