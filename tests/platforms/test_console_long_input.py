"""A very long line on the console is cut to a sane length with a note, and answered.

Regression: a 5 MB line (a file pasted by mistake) got no answer for minutes.
"""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.platforms.console import MAX_LINE
from tests.helpers import console_service
from tests.test_cli import run_bot

FIVE_MB = 5_000_000


async def test_a_5_mb_line_is_cut_with_a_note_and_answered(settings: Settings) -> None:
    async with console_service(settings) as (_, console):
        shown = await console.say("/glossary " + "EFAP" * (FIVE_MB // 4))
        after = await console.say("/glossary EFAP")
    assert f"(that line was {FIVE_MB + 10:,} characters long; I read the first 4,096)" in shown
    assert shown.count("\n") > 2  # and an answer followed the note
    assert "Employee and Family Assistance" in after  # the console carries on as usual
    assert MAX_LINE == 4096


def test_a_5_mb_line_piped_into_the_bot_is_answered_and_so_is_the_next(tmp_path: Path) -> None:
    done = run_bot(tmp_path, stdin="x" * FIVE_MB + "\n/crisis\n")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "(that line was 5,000,000 characters long; I read the first 4,096)" in done.stdout
    assert "Call or text 988" in done.stdout
    assert "Traceback" not in done.stderr
