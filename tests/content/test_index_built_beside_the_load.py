"""The directory's search index is built on a thread of its own while the other content files
load (``Source.begin``, ``search_index.Building``). The content, the index and the problems a
broken folder gives are what loading one file after the other gives; nothing begun is left
running, whatever fails."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.content import sources, yamlfile
from bot.content.problems import ContentError
from bot.content.schema.resources import ResourcesFile
from bot.content.sources import RESOURCES, SOURCES, TEXTS
from bot.content.store import load_all
from bot.directory import resources
from bot.directory.resources import Query, ResourceDirectory, docs_of
from bot.storage import search_index
from bot.storage.search_index import _SCHEMA, COLUMNS, Building, SearchIndex
from tests.helpers import CONTENT

#: Every source loaded one after the other, as before the index had a thread of its own.
ONE_BY_ONE = [dataclasses.replace(s, begin=None) for s in SOURCES]


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    """Each load parses and indexes anew (nothing reused from an earlier test or load)."""
    yamlfile._last_good.clear()
    sources._indexed.clear()
    yield
    yamlfile._last_good.clear()
    sources._indexed.clear()


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def builders() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "search-index-build"]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def _in_chunks(conn: sqlite3.Connection, into: str, rows: list[tuple[Any, ...]]) -> None:
    """``rows`` inserted as ``SearchIndex.build`` did before: 999 values a statement."""
    per = 999 // len(rows[0])
    for start in range(0, len(rows), per):
        chunk = rows[start : start + per]
        marks = ", ".join(["(" + ", ".join("?" * len(rows[0])) + ")"] * len(chunk))
        conn.execute(f"INSERT INTO {into} VALUES {marks}", [v for row in chunk for v in row])


def built_row_by_row(file: ResourcesFile) -> bytes:
    """The index as ``SearchIndex.build`` made it before, on the caller's thread: the text a
    row a statement, the facets and tags in chunks."""
    docs = docs_of(file)
    conn = sqlite3.connect(":memory:")
    conn.executescript(_SCHEMA)
    with conn:
        conn.executemany(
            f"INSERT INTO docs(rowid, {', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)",
            [d[:6] for d in docs],
        )
        _in_chunks(
            conn,
            "facets",
            [(d.position, d.name.casefold(), d.cost, d.indigenous, d.peer, d.crisis) for d in docs],
        )
        tags = [(d.position, kind, value) for d in docs for kind, value in d.tags]
        _in_chunks(conn, "tags", tags)
        conn.execute("CREATE INDEX tags_lookup ON tags(doc, kind, value)")
    image = conn.serialize()
    conn.close()
    return image


def directory_row_by_row(file: ResourcesFile) -> ResourceDirectory:
    """The directory of ``file`` with the index built row by row (``built_row_by_row``)."""
    index = SearchIndex.from_image(built_row_by_row(file), len(file.resources))
    assert index is not None
    return ResourceDirectory(file, index)


def test_the_index_built_on_its_thread_is_the_one_built_row_by_row() -> None:
    file = yamlfile.load_yaml_model(
        CONTENT / "resources.yaml", ResourcesFile, shown_as="resources.yaml"
    )
    building = Building(docs_of(file), keep_image=True)
    index = building.result()
    assert index.image() == built_row_by_row(file)
    assert building.image == index.image()  # what the content cache keeps
    # The rows staged for the thread are gone with their database (their memory with them).
    assert [row[1] for row in index._conn.execute("PRAGMA database_list")] == ["main"]
    index.close()


def test_a_load_gives_what_loading_file_after_file_gives(content_dir: Path) -> None:
    content, warnings = load_all(content_dir, SOURCES)
    yamlfile._last_good.clear()
    sources._indexed.clear()
    alone, alone_warnings = load_all(content_dir, ONE_BY_ONE)
    assert warnings == alone_warnings
    for source in SOURCES:
        if source is not RESOURCES and not isinstance(content[source], ResourceDirectory):
            assert type(content[source]) is type(alone[source])
    directory = content[RESOURCES]
    other = directory_row_by_row(directory.file)  # the index as it was built before
    assert directory.index.image() == other.index.image()
    for text in ("naloxone", "grief circle", "nalxone", "counseling for peers", ""):
        found, expected = directory.search(Query(text)), other.search(Query(text))
        assert [r.id for r in found.resources] == [r.id for r in expected.resources]
        assert found.corrected == expected.corrected and found.partial == expected.partial
    assert not builders()


async def test_the_problems_of_a_broken_folder_are_listed_in_the_same_order(
    content_dir: Path,
) -> None:
    edit(content_dir / "resources.yaml", "cost: free", "cost: gratis")
    edit(content_dir / "texts" / "help.yaml", "header: ", "header: [")
    edit(content_dir / "crisis.yaml", "    hours: 24/7, English and French\n", "")
    with pytest.raises(ContentError) as overlapped:
        load_all(content_dir, SOURCES)
    yamlfile._last_good.clear()
    with pytest.raises(ContentError) as alone:
        load_all(content_dir, ONE_BY_ONE)
    assert [str(p) for p in overlapped.value.problems] == [str(p) for p in alone.value.problems]
    assert [str(p) for p in overlapped.value.problems] == [  # what loading file after file gave
        "crisis.yaml:17 — entry lines[0] \"988\" — field 'hours': Field required",
        "texts/help.yaml:2: YAML error: did not find expected ',' or ']'"
        " (check indentation and colons)",
        'resources.yaml:73 — entry resources[0] "toward-the-heart-naloxone-and-test-strips"'
        " — field 'cost': Input should be 'free', 'low-cost', 'paid' or 'varies'",
    ]
    assert not builders()


def test_another_broken_file_still_keeps_the_index_for_the_next_load(content_dir: Path) -> None:
    edit(content_dir / "texts" / "help.yaml", "header: ", "header: [")
    with pytest.raises(ContentError) as err:
        load_all(content_dir, SOURCES)
    assert [p.file for p in err.value.problems] == ["texts/help.yaml"]
    assert not builders()
    (kept,) = sources._indexed  # built while texts were read; used once they are fixed
    edit(content_dir / "texts" / "help.yaml", "header: [", "header: ")
    content, _ = load_all(content_dir, SOURCES)
    assert content[RESOURCES] is kept
    assert content[TEXTS] is not None


def test_an_error_on_the_index_thread_reaches_the_caller_and_nothing_is_left(
    content_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_index, "_FILL", ("INSERT INTO nowhere SELECT 1",))
    with pytest.raises(sqlite3.OperationalError, match="no such table: nowhere"):
        load_all(content_dir, SOURCES)
    assert not builders()


def begun_while_texts_fail(content_dir: Path) -> Building:
    """Load ``content_dir`` with texts failing (an error no content file explains) after
    resources.yaml's index was begun; the index's build that load began."""
    begun: list[Building] = []
    begin = RESOURCES.begin
    assert begin is not None

    def begin_and_watch(directory: Path) -> Any:
        pending: Any = begin(directory)
        begun.append(pending._building)
        return pending

    def texts_fail(directory: Path) -> Any:
        raise RuntimeError("a disk went away")

    watched = [
        dataclasses.replace(s, begin=begin_and_watch)
        if s is RESOURCES
        else dataclasses.replace(s, load=texts_fail)
        if s is TEXTS
        else s
        for s in SOURCES
    ]
    with pytest.raises(RuntimeError, match="a disk went away"):
        load_all(content_dir, watched)
    (building,) = begun
    return building


def test_an_unexpected_failure_of_another_file_stops_the_index_thread(
    content_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    building = begun_while_texts_fail(content_dir)
    assert not building._thread.is_alive()
    with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
        building._conn.execute("SELECT 1")
    assert not builders()


def test_a_discarded_build_ends_its_thread_and_closes_its_connection() -> None:
    file = yamlfile.load_yaml_model(
        CONTENT / "resources.yaml", ResourcesFile, shown_as="resources.yaml"
    )
    building = Building(docs_of(file) * 1)
    building.discard()
    assert not building._thread.is_alive()
    with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
        building._conn.execute("SELECT 1")


def test_a_loaded_directory_has_its_words_and_spelling_help_before_any_search(
    content_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Searches run on the event loop: the first one after a start or a reload must not read
    the index's words or make the spelling help there (tens to hundreds of milliseconds at
    10,000 entries)."""
    made: Counter[str] = Counter()
    spelling, terms = resources.Spelling, search_index._terms

    def counted_spelling(vocabulary: Any) -> Any:
        made["spelling"] += 1
        return spelling(vocabulary)

    def counted_terms(conn: sqlite3.Connection) -> Any:
        made[f"words read on {threading.current_thread().name}"] += 1
        return terms(conn)

    monkeypatch.setattr(resources, "Spelling", counted_spelling)
    monkeypatch.setattr(search_index, "_terms", counted_terms)
    content, _ = load_all(content_dir, SOURCES)
    directory = content[RESOURCES]
    assert made == {"spelling": 1, "words read on search-index-build": 1}
    expected = directory_row_by_row(directory.file)
    made.clear()
    for text in ("nalxone", "greif", "naloxone", "counseling for peers", "xqzv"):
        found = directory.search(Query(text))
        assert found == expected.search(Query(text))
    assert directory.search(Query("nalxone")).corrected == {"nalxone": "naloxone"}
    assert made == {}  # nothing read or made by the searches


def test_a_discard_between_steps_begins_no_further_step(monkeypatch: pytest.MonkeyPatch) -> None:
    file = yamlfile.load_yaml_model(
        CONTENT / "resources.yaml", ResourcesFile, shown_as="resources.yaml"
    )
    reached = threading.Event()
    keep_image = Building._keep_image

    def step_then_wait_for_discard(self: Building) -> None:
        keep_image(self)
        reached.set()
        deadline = time.monotonic() + 60  # a safety net only: discard comes at once
        while not self._stop and time.monotonic() < deadline:
            time.sleep(0.001)

    read: list[str] = []
    monkeypatch.setattr(Building, "_keep_image", step_then_wait_for_discard)
    monkeypatch.setattr(search_index, "_terms", lambda conn: read.append("words"))
    building = Building(docs_of(file), keep_image=True)
    assert reached.wait(60)
    building.discard()  # no statement under way: only the check before each step stops it
    assert read == []  # the step after the one under way was never begun
    assert not building._thread.is_alive()
    with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
        building._conn.execute("SELECT 1")
    with pytest.raises(RuntimeError, match="discarded"):
        building.result()


def test_an_error_of_the_build_is_not_kept_once_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_index, "_FILL", ("INSERT INTO nowhere SELECT 1",))
    building = Building([])
    with pytest.raises(sqlite3.OperationalError, match="no such table: nowhere"):
        building.result()
    assert building._error is None  # its traceback would hold the build's rows in a cycle


def test_a_thread_that_cannot_start_leaves_no_connection_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[sqlite3.Connection] = []
    connect = sqlite3.connect

    def recorded(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        opened.append(connect(*args, **kwargs))
        return opened[-1]

    def cannot_start(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(search_index.sqlite3, "connect", recorded)
    monkeypatch.setattr(threading.Thread, "start", cannot_start)
    with pytest.raises(RuntimeError, match="can't start new thread"):
        Building([])
    (conn,) = opened
    with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
        conn.execute("SELECT 1")


def test_a_failure_staging_the_entries_leaves_no_thread_or_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The thread is started before the entries are staged: if staging fails (memory, a
    broken row), it must not be left waiting for them, holding the index's connection."""
    opened: list[sqlite3.Connection] = []
    connect = sqlite3.connect

    def recorded(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        opened.append(connect(*args, **kwargs))
        return opened[-1]

    def fails_half_way() -> Iterator[Any]:
        file = yamlfile.load_yaml_model(
            CONTENT / "resources.yaml", ResourcesFile, shown_as="resources.yaml"
        )
        yield from docs_of(file)[:3]
        raise MemoryError

    monkeypatch.setattr(search_index.sqlite3, "connect", recorded)
    with pytest.raises(MemoryError):
        Building(fails_half_way())
    assert not builders()
    (conn,) = opened
    with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
        conn.execute("SELECT 1")


def test_entries_given_after_the_last_part_are_refused_not_lost() -> None:
    file = yamlfile.load_yaml_model(
        CONTENT / "resources.yaml", ResourcesFile, shown_as="resources.yaml"
    )
    docs = docs_of(file)
    building = Building(parts=True)
    building.add(docs[:50])
    building.finish()
    with pytest.raises(RuntimeError, match="no more parts"):
        building.add(docs[50:])
    index = building.result()  # the index of the parts given before, whole
    assert index._conn.execute("SELECT count(*) FROM docs").fetchone() == (50,)
    index.close()
