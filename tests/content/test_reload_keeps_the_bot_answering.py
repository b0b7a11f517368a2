"""Reloading content never stops the bot answering.

Regression: a reload parsed and indexed every file on the event loop, so a large resource
directory (25,900 entries) froze the whole service for 10.8 s: no answer to anyone, /crisis
included. The test holds a reload in the middle of reading, deterministically (a content source
that waits until the test lets it go), and asks for crisis lines meanwhile. If the reading ran
on the event loop, the loop itself would be stuck and the test would fail on its safety
timeout, never pass by luck.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

import bot.service
from bot.content.sources import RESOURCES, SOURCES, TEXTS
from bot.content.store import Source, load_all
from tests.helpers import CONTENT, console_service, make_settings


class HeldSource:
    """A content source whose loading, once armed, waits until it is released."""

    def __init__(self) -> None:
        self.armed = False
        self.reading = threading.Event()
        self.release = threading.Event()

    def load(self, directory: Path) -> str:
        if self.armed:
            self.reading.set()
            assert self.release.wait(timeout=60), "never released"
        return "held"


async def test_crisis_lines_answer_while_a_reload_is_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = HeldSource()
    sources: tuple[Source[Any], ...] = (*SOURCES, Source("held", held.load))
    monkeypatch.setattr(bot.service, "SOURCES", sources)
    async with console_service(make_settings(tmp_path)) as (svc, console):
        held.armed = True
        reload = asyncio.create_task(svc.dispatcher.ctx.content.reload())
        assert await asyncio.to_thread(held.reading.wait, 60)  # the reload is mid-read now
        try:
            crisis = await console.say("/crisis", timeout=30)
            glossary = await console.say("/glossary EFAP", timeout=30)
            still_reading = not reload.done()
        finally:
            held.release.set()
        problems = await asyncio.wait_for(reload, 60)
    assert "Call or text 988" in crisis
    assert "Employee and Family Assistance" in glossary
    assert still_reading and problems == []


def test_a_reload_reuses_an_unchanged_directory_and_rereads_an_edited_one(
    tmp_path: Path,
) -> None:
    """Parsing resources.yaml is most of a load: a reload after editing another file reuses
    the directory and its index; an edit to resources.yaml itself is always read."""
    folder = tmp_path / "content"
    shutil.copytree(CONTENT, folder)
    first, _ = load_all(folder, SOURCES)
    help_texts = folder / "texts" / "help.yaml"
    help_texts.write_text(help_texts.read_text() + "\nspare: A text nobody uses yet.\n")
    second, _ = load_all(folder, SOURCES)
    assert second[RESOURCES] is first[RESOURCES]
    assert "help.spare" in second[TEXTS] and "help.spare" not in first[TEXTS]
    resources = folder / "resources.yaml"
    edited = resources.read_text().replace("give naloxone.", "give NALOXONE-EDITED.", 1)
    resources.write_text(edited)
    third, _ = load_all(folder, SOURCES)
    assert third[RESOURCES] is not first[RESOURCES]
    assert any("NALOXONE-EDITED" in r.model_dump_json() for r in third[RESOURCES].resources)
