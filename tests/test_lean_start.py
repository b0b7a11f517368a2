"""A start imports only what answering needs; the garbage collector waits until it is over.

Importing is most of a start (the service itself is a fraction of it), so a library that only
one rare command uses is imported by that command, the first time it runs: the buddy
matching (networkx), the /power picture (Pillow), calendar files (icalendar), and each
platform's library only when its token is set. Python's own import log (``-X importtime``,
here as PYTHONPROFILEIMPORTTIME) names every module a real ``python -m bot`` imported, so these
tests read it instead of timing anything. (Each feature's own tests show its library is
still there when used: tests/handlers/buddies/test_matching.py, the /power picture in
tests/handlers/reflections, tests/content/test_calendar.py, tests/directory/test_sessions.py.)
"""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from bot import collector
from bot.cli import main
from tests.helpers import CONTENT, console_service, make_settings
from tests.test_cli import run_bot

#: Libraries a console start must not import: each is needed only by something rare, or by a
#: platform that is not configured.
NOT_AT_START = ("networkx", "PIL", "icalendar", "sklearn", "numpy", "discord", "telegram")


def imported(stderr: str) -> set[str]:
    """Top-level names of every module the import log lists."""
    names = set()
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            names.add(name.split(".")[0])
    return names


def test_a_console_start_imports_no_library_it_does_not_use(tmp_path: Path) -> None:
    done = run_bot(tmp_path, stdin="/help\n", PYTHONPROFILEIMPORTTIME="1")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "/crisis" in done.stdout  # it answered
    names = imported(done.stderr)
    assert {"bot", "handlers", "pydantic"} <= names  # the log is the real one
    assert names.isdisjoint(NOT_AT_START), sorted(names & set(NOT_AT_START))


async def test_the_service_turns_the_collector_back_on_once_started(tmp_path: Path) -> None:
    """``python -m bot`` holds collections off while it starts; the end of start-up must
    turn them back on, or cycles would pile up for as long as the bot runs."""
    collector.hold()
    try:
        assert not gc.isenabled()
        async with console_service(make_settings(tmp_path)) as (_, driver):
            assert gc.isenabled()
            assert "/crisis" in await driver.say("/help")
    finally:
        gc.enable()


@pytest.mark.parametrize("command", [["check-content"], ["status"]])
def test_a_one_off_command_collects_as_usual(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    monkeypatch.setenv("CONTENT_DIR", str(CONTENT))
    collector.hold()
    try:
        main(command)
        assert gc.isenabled()
    finally:
        gc.enable()
