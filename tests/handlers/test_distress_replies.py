"""Rule 6 and rule 2 end to end in the console: a message that says "I need support now", in
ordinary words, gets the crisis lines first; nothing of it is kept or logged."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logs import configure
from tests.directory.fixtures import content_dir
from tests.helpers import console_service, make_settings

MARKER = "zq7-distress-marker"


@pytest.mark.parametrize(
    "said",
    ["im not ok", "I took too much", "my friend isnt breathing", "nobody would miss me"],
)
async def test_a_plain_message_that_needs_support_gets_the_lines_themselves(
    tmp_path: Path, said: str
) -> None:
    async with console_service(make_settings(tmp_path)) as (_, console):
        out = await console.say(said)
    assert "Call or text 988" in out and "Call 911" in out
    assert "/help lists them" not in out


async def test_an_ordinary_plain_message_gets_help_not_the_lines(tmp_path: Path) -> None:
    async with console_service(make_settings(tmp_path)) as (_, console):
        out = await console.say("naloxone training")
    assert "/help lists them" in out and "Call or text 988" not in out


async def test_resources_leads_with_crisis_lines_and_the_search_still_follows(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, content_dir=content_dir(tmp_path))
    async with console_service(settings) as (_, console):
        urgent = await console.say("/resources i think i took too much naloxone")
        calm = await console.say("/resources naloxone training")
    assert urgent.index("Call or text 988") < urgent.index("Naloxone kits near you")
    assert "Call or text 988" not in calm and "Toward the Heart" in calm


@pytest.fixture
def service_log() -> Iterator[io.StringIO]:
    """The service's own logging set up as in production, at its most verbose."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure("DEBUG", [], stream)
    yield stream
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


async def test_nothing_of_a_distress_message_is_kept_or_logged(
    tmp_path: Path, service_log: io.StringIO
) -> None:
    settings = make_settings(tmp_path)
    async with console_service(settings) as (_, console):
        plain = await console.say(f"i cant do this anymore {MARKER}")
        search = await console.say(f"/resources im not ok {MARKER}")
    assert "Call or text 988" in plain and "Call or text 988" in search
    database = settings.database_path
    assert database.exists()
    for suffix in ("", "-wal", "-shm"):
        path = database.with_name(database.name + suffix)
        if path.exists():  # the database, and its -wal and -shm when present
            assert MARKER.encode() not in path.read_bytes(), path.name
    assert MARKER not in search  # not even echoed back in the reply
    assert service_log.getvalue() and MARKER not in service_log.getvalue()
