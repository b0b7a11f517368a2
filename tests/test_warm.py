"""What the first commands would wait for is built on a worker thread once the service answers
(bot/warm.py): the locale data dates and lists are written with (``dates.preload``) and the
directory's filter sets, again after each content reload. These tests hold that thread still
with an event (no timing): whether or not it has finished, a person gets the same answer, and
without waiting for it."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel import localedata

from bot.content.sources import RESOURCES
from bot.content.store import Content, ContentStore
from bot.core import dates
from handlers import resources
from tests.directory.fixtures import content_dir
from tests.helpers import console_service, make_settings

CHECKED = "Free · checked 15 Jan 2026"  # a date on a card, written with the locale data


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The preload waits on its worker thread until the event is set; Babel's caches start
    empty, as in a fresh process."""
    release = threading.Event()
    real = dates.preload

    def waiting() -> None:
        release.wait(timeout=60)  # a safety net only: every test sets it
        real()

    localedata.clear_caches()
    resources.checked.cache_clear()  # the card's date, remembered by /resources
    monkeypatch.setattr(dates, "preload", waiting)
    yield release
    release.set()


async def test_resources_before_the_preload_has_finished_gives_the_same_answer(
    tmp_path: Path, held: threading.Event
) -> None:
    settings = make_settings(tmp_path, content_dir=content_dir(tmp_path))
    async with console_service(settings) as (svc, console):
        assert svc.warming is not None
        before = await console.say("/resources naloxone")  # answered while it is held
        assert not svc.warming.done()
        held.set()
        await asyncio.wait_for(svc.warming, timeout=60)
        after = await console.say("/resources naloxone")
    assert CHECKED in before
    assert after == before


async def test_a_preload_that_fails_leaves_every_command_answering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise OSError("locale data unreadable")

    monkeypatch.setattr(dates, "preload", broken)
    settings = make_settings(tmp_path, content_dir=content_dir(tmp_path))
    with caplog.at_level(logging.ERROR, logger="bot.warm"):
        async with console_service(settings) as (svc, console):
            assert svc.warming is not None
            await asyncio.wait_for(svc.warming, timeout=60)
            out = await console.say("/resources naloxone")
    assert CHECKED in out
    assert "could not build the locale data" in caplog.text


def test_the_preload_reads_what_the_first_date_and_list_need() -> None:
    """After it, writing a date, a day or a list reads no locale file."""
    localedata.clear_caches()
    dates.preload()
    read: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(localedata, "resolve_locale_filename", lambda name: read.append(name))
        assert dates.day_month_year(date(2026, 1, 15)) == "15 Jan 2026"
        assert dates.spoken_list(["Monday", "Friday"]) == "Monday and Friday"
        assert dates.spoken_list(["on", "off"], style="or") == "on or off"
        assert dates.day_name("tue") == "Tuesday"
        moment = datetime(2026, 3, 3, 18, tzinfo=UTC)
        assert dates.local_moment(moment, "America/Vancouver") == "Tue 3 Mar, 10:00 PST"
    assert read == []


async def test_filters_alone_right_after_a_start_and_a_reload_list_the_same_entries(
    tmp_path: Path, held: threading.Event
) -> None:
    """A topic button before the filter sets are built (the warm-up is held) lists what it
    lists after; after a reload, the new entries' sets are built again and followed."""
    folder = content_dir(tmp_path)
    async with console_service(make_settings(tmp_path, content_dir=folder)) as (svc, console):
        assert svc.warming is not None and svc.rewarm is not None
        before = await console.say("/resources region:north")  # built by the search itself
        held.set()
        await asyncio.wait_for(svc.warming, timeout=60)
        again = await console.say("/resources region:north")
        assert again.replace("(message 2)", "(message 1)") == before  # its choices' number
        assert "Northern grief circle" in before
        path = folder / "resources.yaml"
        path.write_text(
            path.read_text("utf-8").replace("Northern grief circle", "Aspen grief circle"),
            "utf-8",
        )
        assert await svc.ctx.content.reload() == []
        await asyncio.wait_for(svc.rewarm.settled(), timeout=60)
        assert svc.ctx.content[RESOURCES].index._facets is not None  # built after the reload
        after = await console.say("/resources region:north")
    assert "Aspen grief circle" in after and "Northern grief circle" not in after


async def test_the_locale_data_is_read_while_the_content_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a restart with a backlog, commands come the moment the service answers: the
    locale data every /resources needs is read during start-up (here the content load waits
    until that has begun), not after the service answers, when the first /resources waited
    for it. A safety net of 20 s ends the wait if it never begins."""
    begun = threading.Event()
    real = dates.preload

    def preload() -> None:
        begun.set()
        real()

    real_load = ContentStore.load

    async def load(self: ContentStore) -> Content:
        assert await asyncio.to_thread(begun.wait, 20), "the locale data was not being read"
        return await real_load(self)

    monkeypatch.setattr(dates, "preload", preload)
    monkeypatch.setattr(ContentStore, "load", load)
    settings = make_settings(tmp_path, content_dir=content_dir(tmp_path))
    async with console_service(settings) as (_, console):
        answer = await console.say("/resources naloxone")
    assert CHECKED in answer
