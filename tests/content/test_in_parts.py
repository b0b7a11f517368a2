"""A big resources.yaml is read part by part, its index filled with each part as it comes
(``bot.content.in_parts``). Whatever the file, a steward and a member see what reading it
whole gives: the same entries, the same search answers, the same problems word for word."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.content import in_parts, sources, yamlfile
from bot.content.problems import ContentError
from bot.content.sources import RESOURCES, SOURCES
from bot.content.store import load_all
from bot.directory import resources
from bot.directory.resources import Query, ResourceDirectory
from bot.storage.search_index import Building
from tests.helpers import CONTENT

#: Searches a member might make: words, starts, typos, several words, filters.
SEARCHES = [
    Query("naloxone"),
    Query("nalox"),
    Query("nalxone"),
    Query("grief circle"),
    Query("counseling for peers"),
    Query("thn"),
    Query("peer", peer=True),
    Query("support", crisis=True),
    Query("train"),
    Query("i think i took too much naloxone"),
    Query(""),
    Query("", peer=True),
]


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
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


@pytest.fixture
def parts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Small parts, so the shipped directory (110 kB) is read in five; each part's entries
    are counted as the index is given them."""
    monkeypatch.setattr(in_parts, "PART_BYTES", 20_000)
    counted: list[int] = []
    add = Building.add

    def counting(self: Building, docs: Any) -> None:
        docs = list(docs)
        counted.append(len(docs))
        add(self, docs)

    monkeypatch.setattr(Building, "add", counting)
    return counted


def whole(content_dir: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[str]]:
    """The content loaded with resources.yaml read whole, as before."""
    yamlfile._last_good.clear()
    sources._indexed.clear()
    with monkeypatch.context() as patched:
        patched.setattr(in_parts, "PART_BYTES", 10**9)
        return load_all(content_dir, SOURCES)


def problems(content_dir: Path) -> list[str]:
    with pytest.raises(ContentError) as err:
        load_all(content_dir, SOURCES)
    return [str(p) for p in err.value.problems]


def answers(directory: ResourceDirectory) -> list[tuple[list[str], dict[str, str], bool]]:
    found = [directory.search(q) for q in SEARCHES]
    return [([r.id for r in f.resources], f.corrected, f.partial) for f in found]


def builders() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "search-index-build"]


def test_a_directory_read_in_parts_is_the_one_read_whole(
    content_dir: Path, parts: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    content, warnings = load_all(content_dir, SOURCES)
    assert len(parts) == 5 and sum(parts) == 145  # read in parts, every entry once
    directory = content[RESOURCES]
    read_whole, whole_warnings = whole(content_dir, monkeypatch)
    other = read_whole[RESOURCES]
    assert directory.file == other.file
    assert [r.id for r in directory.resources] == [r.id for r in other.resources]
    assert warnings == whole_warnings  # "not yet checked by a steward", in the file's order
    assert answers(directory) == answers(other)
    assert answers(directory)[0][0]  # the searches find something
    assert directory.vocabulary == other.vocabulary
    assert not builders()


def test_an_unchanged_file_and_a_warm_start_reuse_what_the_parts_made(
    content_dir: Path, parts: list[int], tmp_path: Path
) -> None:
    cache_dir = tmp_path / "data" / "content-cache"
    cache_dir.parent.mkdir()
    content, _ = load_all(content_dir, SOURCES, cache_dir)
    assert parts
    again, _ = load_all(content_dir, SOURCES, cache_dir)
    assert again[RESOURCES] is content[RESOURCES]  # unchanged: the same directory and index
    yamlfile._last_good.clear()
    sources._indexed.clear()
    parts.clear()
    started, _ = load_all(content_dir, SOURCES, cache_dir)  # as a restart: from the cache
    assert parts == []  # nothing read in parts, nor indexed again
    assert started[RESOURCES].file == content[RESOURCES].file
    assert answers(started[RESOURCES]) == answers(content[RESOURCES])


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param(  # the last part: an entry that breaks the schema
            "    formats: [online]\n    url: https://www.youtube.com/user/peerstv\n",
            "    formats: [onlin]\n    url: https://www.youtube.com/user/peerstv\n",
            id="bad-value-late",
        ),
        pytest.param(  # two entries in different parts share an id
            "  - id: western-mass-rlc\n",
            "  - id: toward-the-heart-naloxone-and-test-strips\n",
            id="duplicate-id-across-parts",
        ),
        pytest.param(  # a topic not in the list, in a middle part
            "    topics: [substance-use, safer-supply]\n    regions: [bc]\n    cost: free\n"
            "    formats: [phone]\n    keywords: [ADIRS,",
            "    topics: [substance-use, nowhere]\n    regions: [bc]\n    cost: free\n"
            "    formats: [phone]\n    keywords: [ADIRS,",
            id="unknown-topic",
        ),
        pytest.param(  # a YAML mistake in a middle part
            "  - id: alcohol-drug-information-referral\n",
            "  - id: alcohol-drug-information-referral\n    name: [open\n",
            id="yaml-error",
        ),
        pytest.param(  # a text a comment cuts short
            "  - id: western-mass-rlc\n",
            "  - id: western-mass-rlc\n    hours: call us #12 first\n",
            id="cut-by-a-comment",
        ),
        pytest.param("", "extra: 1\n", id="a-key-after-the-list"),  # added at the end
        pytest.param(  # the list's key twice
            "", "resources:\n  - id: one-more\n    name: One more\n", id="resources-twice"
        ),
    ],
)
def test_a_broken_big_file_names_the_problems_reading_it_whole_names(
    content_dir: Path, parts: list[int], monkeypatch: pytest.MonkeyPatch, old: str, new: str
) -> None:
    path = content_dir / "resources.yaml"
    text = path.read_text("utf-8")
    assert text.count(old) == 1 or not old
    path.write_text(text.replace(old, new) if old else text + new, "utf-8")
    seen = problems(content_dir)
    assert not builders()
    yamlfile._last_good.clear()
    with monkeypatch.context() as patched:
        patched.setattr(in_parts, "PART_BYTES", 10**9)
        assert seen == problems(content_dir)
    assert seen and all(p.startswith("resources.yaml") for p in seen)


def test_an_entry_reusing_an_earlier_one_by_an_anchor_is_read_right(
    content_dir: Path, parts: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An alias (``*kit``) in a later part refers to an anchor in the first: read whole, the
    later entry has the first one's keywords and a search for one of them finds both."""
    path = content_dir / "resources.yaml"
    text = path.read_text("utf-8")
    text = text.replace("    keywords: [naloxone kit,", "    keywords: &kit [naloxone kit,", 1)
    text += (
        "\n  - id: kits-again\n    name: Kits again\n"
        "    summary: The same supplies, listed a second time.\n"
        "    topics: [naloxone]\n    regions: [bc]\n    cost: free\n    formats: [online]\n"
        "    keywords: *kit\n    source: a test\n    confirmed: false\n"
    )
    path.write_text(text, "utf-8")
    content, _ = load_all(content_dir, SOURCES)
    directory = content[RESOURCES]
    again = directory.get("kits-again")
    assert again is not None and again.keywords[0] == "naloxone kit"
    found = {r.id for r in directory.search(Query("thn")).resources}
    assert found == {"toward-the-heart-naloxone-and-test-strips", "kits-again"}
    other, _ = whole(content_dir, monkeypatch)
    assert directory.file == other[RESOURCES].file


def test_a_failure_while_reading_the_parts_leaves_no_thread_or_connection(
    content_dir: Path, parts: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    begun: list[Building] = []
    init = Building.__init__

    def watched(self: Building, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        begun.append(self)

    docs_of = in_parts.docs_of
    made: list[int] = []

    def fails_at_the_third(file: Any) -> Any:
        made.append(1)
        if len(made) == 3:
            raise RuntimeError("out of memory")
        return docs_of(file)

    monkeypatch.setattr(Building, "__init__", watched)
    monkeypatch.setattr(in_parts, "docs_of", fails_at_the_third)
    with pytest.raises(RuntimeError, match="out of memory"):
        load_all(content_dir, SOURCES)
    (building,) = begun
    assert len(parts) == 2  # two parts were given to the index before it failed
    assert not building._thread.is_alive()
    with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
        building._conn.execute("SELECT 1")
    assert not builders()


def test_an_error_on_the_index_thread_reaches_the_caller(
    content_dir: Path, parts: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.storage import search_index

    monkeypatch.setattr(search_index, "_FILL", ("INSERT INTO nowhere SELECT ?, ?",))
    with pytest.raises(sqlite3.OperationalError, match="no such table: nowhere"):
        load_all(content_dir, SOURCES)
    assert parts
    assert not builders()


def test_another_source_failing_stops_the_parts_index(
    content_dir: Path, parts: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    begun: list[Any] = []
    begin = RESOURCES.begin
    assert begin is not None

    def begin_and_watch(directory: Path) -> Any:
        pending = begin(directory)
        begun.append(pending._building)
        return pending

    def fails(directory: Path) -> Any:
        raise RuntimeError("a disk went away")

    watched = [
        dataclasses.replace(s, begin=begin_and_watch)
        if s is RESOURCES
        else dataclasses.replace(s, load=fails)
        if s.key == "texts"
        else s
        for s in SOURCES
    ]
    with pytest.raises(RuntimeError, match="a disk went away"):
        load_all(content_dir, watched)
    (building,) = begun
    assert parts
    assert not building._thread.is_alive()
    assert not builders()


def test_the_spelling_help_is_made_once(content_dir: Path, parts: list[int]) -> None:
    made: list[int] = []
    spelling = resources.Spelling

    def counted(vocabulary: Any) -> Any:
        made.append(1)
        return spelling(vocabulary)

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(resources, "Spelling", counted)
        content, _ = load_all(content_dir, SOURCES)
    assert parts and made == [1]
    assert content[RESOURCES].search(Query("nalxone")).corrected == {"nalxone": "naloxone"}


def test_a_directory_written_by_a_yaml_dump_is_read_in_parts_too(
    content_dir: Path, parts: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dump puts the list's items at the key's own indentation (``- id:`` at the start of
    the line), as an export or a script would write the file (here the benchmarks' made-up
    directory, 200 entries)."""
    import random

    import yaml

    from benchmarks.search import synthetic

    text = yaml.dump(synthetic(200, random.Random(3)), sort_keys=False, allow_unicode=True)
    assert "\n- id: " in text
    (content_dir / "resources.yaml").write_text(text, "utf-8")
    content, _ = load_all(content_dir, SOURCES)
    assert len(parts) > 1 and sum(parts) == 200  # read in parts, every entry once
    other, _ = whole(content_dir, monkeypatch)
    assert content[RESOURCES].file == other[RESOURCES].file
    assert answers(content[RESOURCES]) == answers(other[RESOURCES])
    words = other[RESOURCES].vocabulary[::50]
    for word in words:
        query = Query(word)
        assert content[RESOURCES].search(query) == other[RESOURCES].search(query)
