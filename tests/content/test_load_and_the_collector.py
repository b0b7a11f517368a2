"""A content load and Python's cyclic garbage collector: held off while the content is built,
and the built content is not walked the moment the collector is back on (``collector.promote``);
nothing is hidden from it for good, and what the service set aside stays set aside."""

from __future__ import annotations

import gc
import shutil
import threading
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
    collections: list[int], tmp_path: Path
) -> None:
    folder = tmp_path / "content"  # a folder of its own: every file new, whatever ran before
    shutil.copytree(CONTENT, folder)
    assert gc.isenabled() and not gc.get_freeze_count()
    content, _ = load_all(folder, SOURCES)
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


def test_setting_aside_while_a_load_ends_on_another_thread_is_not_undone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A reload ends on a worker thread (``promote``: freeze, then unfreeze) while the loop's
    thread sets aside what it holds: the set-aside must not land between the two steps, or
    the unfreeze gives it back to the collector."""
    kept = [object()]
    unfreeze = gc.unfreeze
    other = threading.Thread(target=collector.set_aside)

    def set_aside_meanwhile() -> None:
        # The other thread's set-aside, attempted between promote's freeze and unfreeze. It
        # is given half a second to land there: enough on any machine when nothing stops it.
        other.start()
        other.join(timeout=0.5)
        unfreeze()

    assert not gc.get_freeze_count()
    monkeypatch.setattr(collector.gc, "unfreeze", set_aside_meanwhile)
    try:
        try:
            collector.promote()
        finally:
            monkeypatch.setattr(collector.gc, "unfreeze", unfreeze)
        other.join(timeout=60)
        assert not other.is_alive()
        assert gc.get_freeze_count() > 0  # what the other thread set aside stays set aside
    finally:
        collector.release()
    del kept
