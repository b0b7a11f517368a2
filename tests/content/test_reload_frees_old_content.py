"""A content reload frees the content it replaced at once, even after the service set aside
what start-up built (``bot.collector``: ``gc.freeze``, at the end of start-up and after a burst
of due prompts is queued).

Why this matters: the cyclic collector never walks what is set aside, so an old version of the
content that could only be freed by it (anything in a reference cycle: an object holding a
closure or cache that holds it back) would stay until the service stops. At 10,000 directory
entries one version is tens of MB, so memory would grow with every reload after a start or a
burst. Reference counting alone must free it: these tests keep the collector off while they
reload and look, so nothing but reference counting can free anything."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import collector
from bot.content.sources import RESOURCES, SOURCES
from bot.content.store import Content, ContentStore
from bot.directory.resources import Query
from tests.directory.fixtures import content_dir
from tests.helpers import console_service, make_settings


def change_every_file(folder: Path, mark: str) -> None:
    """Every YAML file changed (a comment), and one entry renamed: nothing can be reused."""
    for path in sorted(folder.rglob("*.yaml")):
        path.write_text(path.read_text("utf-8") + f"\n# {mark}\n", "utf-8")
    path = folder / "resources.yaml"
    text = path.read_text("utf-8")
    assert "Northern grief circle" in text
    path.write_text(text.replace("Northern grief circle", "Aspen grief circle"), "utf-8")


def watched(content: Content) -> dict[str, weakref.ref[Any]]:
    """A weak reference to every piece of ``content``: each source's value (but plain text,
    which refers to nothing), the directory's search index (and its filter sets), and the
    content itself."""
    refs: dict[str, weakref.ref[Any]] = {
        s.key: weakref.ref(content[s]) for s in SOURCES if not isinstance(content[s], str)
    }
    index = content[RESOURCES].index
    refs["search index"] = weakref.ref(index)
    refs["filter sets"] = weakref.ref(index.facets())
    refs["words"] = weakref.ref(index.terms())
    refs["content"] = weakref.ref(content)
    return refs


def alive(refs: dict[str, weakref.ref[Any]]) -> list[str]:
    return [name for name, ref in refs.items() if ref() is not None]


def assert_released(conn: sqlite3.Connection) -> None:
    """The old index's SQLite connection is closed (its memory given back to SQLite) and
    nothing but the caller holds it: a connection left open refers to itself through its
    statement cache, a cycle only the collector could free, and it never walks what was set
    aside."""
    with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
        conn.execute("SELECT 1")
    assert sys.getrefcount(conn) == 3  # the caller's name, this argument, getrefcount's own


@pytest.fixture
def only_reference_counting() -> Iterator[None]:
    """No cyclic collection while the test runs: only reference counting frees anything."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


async def test_a_reload_frees_what_it_replaced_though_it_was_set_aside(
    tmp_path: Path, only_reference_counting: None
) -> None:
    folder = content_dir(tmp_path)
    store = ContentStore(folder, SOURCES)
    await store.load()
    first = store.current
    assert store[RESOURCES].search(Query("naloxone")).resources  # searched, as people do
    refs = watched(first)
    conn = first[RESOURCES].index._conn  # cannot be weakly referred to: held, then checked
    collector.set_aside()  # as the service does at the end of start-up
    try:
        change_every_file(folder, "changed")
        assert await store.reload() == []
        assert all(store.current[s] is not first[s] for s in SOURCES if s.key in refs)
        del first
        assert alive(refs) == []
        assert_released(conn)
    finally:
        collector.release()


async def test_a_running_service_frees_the_content_a_reload_replaced(
    tmp_path: Path,
) -> None:
    """The whole service: start-up sets its content aside, people search (a word, a typo,
    filters alone, "more"), the filter sets are built on a worker thread; after a reload, the
    old content is gone by reference counting alone."""
    folder = content_dir(tmp_path)
    async with console_service(make_settings(tmp_path, content_dir=folder)) as (svc, console):
        assert svc.warming is not None and svc.rewarm is not None
        await asyncio.wait_for(svc.warming, timeout=60)
        assert gc.get_freeze_count() > 0  # start-up's objects are set aside
        for asked in ("/resources naloxone", "/resources nalxone", "/resources region:north"):
            await console.say(asked)
        refs = watched(svc.ctx.content.current)
        conn = svc.ctx.content[RESOURCES].index._conn
        was = gc.isenabled()
        gc.disable()
        try:
            change_every_file(folder, "changed")
            assert await svc.ctx.content.reload() == []
            await asyncio.wait_for(svc.rewarm.settled(), timeout=60)
            after = await console.say("/resources region:north")
            assert "Aspen grief circle" in after
            assert alive(refs) == []
            assert_released(conn)
        finally:
            if was:
                gc.enable()
