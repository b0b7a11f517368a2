"""A content load and Python's cyclic garbage collector: held off while the content is built,
and the built content is not walked the moment the collector is back on (``collector.promote``);
nothing is hidden from it for good, and what the service set aside stays set aside."""

from __future__ import annotations

import gc
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import collector
from bot.content.problems import ContentError
from bot.content.sources import SOURCES
from bot.content.store import load_all
from tests.helpers import CONTENT


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The generation of each collection that starts while the test runs."""
    started: list[int] = []

    def note(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started.append(info["generation"])

    gc.collect()
    gc.callbacks.append(note)
    try:
        yield started
    finally:
        gc.callbacks.remove(note)


def test_a_load_leaves_nothing_for_the_collector_to_walk_at_once(
    collections: list[int],
) -> None:
    assert gc.isenabled() and not gc.get_freeze_count()
    content, _ = load_all(CONTENT, SOURCES)
    assert gc.isenabled()
    assert collections == []  # the youngest generation was not walked as the load ended
    assert gc.get_count()[0] < 100  # its objects are counted as old, not young
    assert not gc.get_freeze_count()  # and none is hidden: a full collection sees them all
    assert gc.is_tracked(content._values)
    gc.collect()
    assert collections[-1] == 2


def test_what_the_service_set_aside_stays_set_aside_through_a_load() -> None:
    kept = [object()]  # set aside as the service sets aside what start-up built
    collector.set_aside()
    try:
        frozen = gc.get_freeze_count()
        assert frozen >= 1
        load_all(CONTENT, SOURCES)
        assert gc.isenabled()
        # Nothing given back to the collector (only what the load replaced was freed).
        assert gc.get_freeze_count() > frozen // 2
    finally:
        collector.release()
    del kept


def test_a_failed_load_turns_the_collector_back_on(tmp_path: Path) -> None:
    folder = tmp_path / "content"
    shutil.copytree(CONTENT, folder)
    (folder / "crisis.yaml").write_text("lines: [", "utf-8")
    with pytest.raises(ContentError):
        load_all(folder, SOURCES)
    assert gc.isenabled()
    assert not gc.get_freeze_count()
