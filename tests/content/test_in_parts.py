"""A big resources.yaml is read part by part, its index filled with each part as it comes
(``bot.content.in_parts``). Whatever the file, a steward and a member see what reading it
whole gives: the same entries, the same search answers, the same problems word for word."""

from __future__ import annotations

import hashlib
import random
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from benchmarks.search import synthetic
from bot.content import in_parts, sources, yamlfile
from bot.content.problems import ContentError
from bot.content.schema.resources import Format, Region
from bot.content.sources import RESOURCES, SOURCES
from bot.content.store import load_all
from bot.directory import resources
from bot.directory.resources import Query, ResourceDirectory
from bot.storage.search_index import Building
from tests.content.test_index_built_beside_the_load import begun_while_texts_fail, builders
from tests.helpers import CONTENT

#: Searches a member might make: words, starts, typos, several words, filters (with the tags'
#: filters of each directory: ``searches``).
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
    """Small parts, so the shipped directory (110 kB as shipped, whatever a steward makes of
    it) is read in four; each part's entries are counted as the index is given them (read
    whole, it is given one part)."""
    monkeypatch.setattr(in_parts, "PART_BYTES", (CONTENT / "resources.yaml").stat().st_size // 5)
    counted: list[int] = []
    add = Building.add

    def counting(self: Building, docs: Any) -> None:
        docs = list(docs)
        counted.append(len(docs))
        add(self, docs)

    monkeypatch.setattr(Building, "add", counting)
    return counted


@pytest.fixture
def read(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Each part of the list read (``in_parts._read``, the head before it left out), as the
    text it was read as: where the parts path got to, and where it stopped."""
    seen: list[bytes] = []
    reader = in_parts._read

    def spied(raw: bytes) -> Any:
        if raw.startswith(in_parts._KEY + b"\n"):
            seen.append(raw)
        return reader(raw)

    monkeypatch.setattr(in_parts, "_read", spied)
    return seen


def made_up(monkeypatch: pytest.MonkeyPatch, size: int = 200) -> dict[str, Any]:
    """A directory made up (the benchmarks' one), not the shipped one, so a steward's edit
    changes nothing here; parts made small enough that it is read in four."""
    data = synthetic(size, random.Random(3))
    monkeypatch.setattr(in_parts, "PART_BYTES", len(dumped(data)) // 5)
    return data


def dumped(data: dict[str, Any]) -> str:
    """``data`` as a YAML dump writes it: the list's items at the start of the line."""
    return yaml.dump(data, sort_keys=False, allow_unicode=True)


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


def searches(directory: ResourceDirectory) -> list[Query]:
    """``SEARCHES``, and each filter on a tag (kept apart from the other facets): every topic
    of the directory, region and format, alone and with words."""
    return [
        *SEARCHES,
        *(Query("", topic=t.id) for t in directory.file.topics),
        *(Query("support", region=r) for r in Region),
        *(Query("", format=f) for f in Format),
        *(Query("peer", format=f) for f in Format),
    ]


def answers(directory: ResourceDirectory) -> list[tuple[list[str], dict[str, str], bool]]:
    found = [directory.search(q) for q in searches(directory)]
    return [([r.id for r in f.resources], f.corrected, f.partial) for f in found]


def tag_filters_found(directory: ResourceDirectory) -> set[str]:
    """The entries the tags' filters alone found."""
    return {
        r.id for q in searches(directory)[len(SEARCHES) :] for r in directory.search(q).resources
    }


def test_a_directory_read_in_parts_is_the_one_read_whole(
    content_dir: Path, parts: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    content, warnings = load_all(content_dir, SOURCES)
    directory = content[RESOURCES]
    given = parts[:]  # what the parts gave the index (reading whole gives it one part more)
    read_whole, whole_warnings = whole(content_dir, monkeypatch)
    other = read_whole[RESOURCES]
    assert len(given) > 1 and sum(given) == len(other.file.resources)  # every entry once
    assert directory.file == other.file
    assert [r.id for r in directory.resources] == [r.id for r in other.resources]
    assert warnings == whole_warnings  # "not yet checked by a steward", in the file's order
    assert answers(directory) == answers(other)
    assert any(found for found, _, _ in answers(directory))  # the searches find something
    last_part = {r.id for r in directory.resources[-given[-1] :]}
    assert last_part & tag_filters_found(directory)  # the tags of a later part are searched
    assert directory.vocabulary == other.vocabulary
    assert not builders()


def test_an_unchanged_file_and_a_warm_start_reuse_what_the_parts_made(
    content_dir: Path, parts: list[int], tmp_path: Path
) -> None:
    cache_dir = tmp_path / "data" / "content-cache"
    cache_dir.parent.mkdir()
    content, _ = load_all(content_dir, SOURCES, cache_dir)
    assert len(parts) > 1  # read in parts (read whole, the index is given one)
    again, _ = load_all(content_dir, SOURCES, cache_dir)
    assert again[RESOURCES] is content[RESOURCES]  # unchanged: the same directory and index
    yamlfile._last_good.clear()
    sources._indexed.clear()
    parts.clear()
    started, _ = load_all(content_dir, SOURCES, cache_dir)  # as a restart: from the cache
    assert parts == []  # nothing read in parts, nor indexed again
    assert started[RESOURCES].file == content[RESOURCES].file
    assert answers(started[RESOURCES]) == answers(content[RESOURCES])


def _bad_value_late(data: dict[str, Any]) -> str:
    data["resources"][-1]["formats"] = ["onlin"]
    return dumped(data)


def _duplicate_id(data: dict[str, Any]) -> str:
    data["resources"][150]["id"] = data["resources"][10]["id"]
    return dumped(data)


def _unknown_topic(data: dict[str, Any]) -> str:
    data["resources"][100]["topics"] = ["wellness", "nowhere"]
    return dumped(data)


def _yaml_error(data: dict[str, Any]) -> str:
    return dumped(data).replace("- id: r100\n", "- id: r100\n  name: [open\n")


def _cut_by_a_comment(data: dict[str, Any]) -> str:
    return dumped(data).replace("- id: r100\n", "- id: r100\n  hours: call us #12 first\n")


def _key_after_the_list(data: dict[str, Any]) -> str:
    return dumped(data) + "extra: 1\n"


def _resources_twice(data: dict[str, Any]) -> str:
    return dumped(data) + "resources:\n- id: one-more\n  name: One more\n"


@pytest.mark.parametrize(
    ("broken", "doubted"),
    [
        # the last part: an entry that breaks the schema
        pytest.param(_bad_value_late, "r199", id="bad-value-late"),
        # two entries in different parts share an id: seen once every part is read
        pytest.param(_duplicate_id, None, id="duplicate-id-across-parts"),
        # a topic not in the list, in a middle part: seen once every part is read
        pytest.param(_unknown_topic, None, id="unknown-topic"),
        # a YAML mistake in a middle part
        pytest.param(_yaml_error, "r100", id="yaml-error"),
        # a text a comment cuts short, in a middle part
        pytest.param(_cut_by_a_comment, "r100", id="cut-by-a-comment"),
        # added at the end, so in the last part
        pytest.param(_key_after_the_list, "r199", id="a-key-after-the-list"),
        pytest.param(_resources_twice, "r199", id="resources-twice"),
    ],
)
def test_a_broken_big_file_names_the_problems_reading_it_whole_names(
    content_dir: Path,
    read: list[bytes],
    monkeypatch: pytest.MonkeyPatch,
    broken: Callable[[dict[str, Any]], str],
    doubted: str | None,
) -> None:
    """``doubted``: the entry in the part where reading in parts stops (None: every part is
    read, and the whole file's checks find the problem)."""
    path = content_dir / "resources.yaml"
    path.write_text(broken(made_up(monkeypatch)), "utf-8")
    cut = in_parts._cut(path.read_bytes())
    assert cut is not None and len(cut) >= 4
    seen = problems(content_dir)
    assert not builders()
    if doubted is None:  # reached the end in parts
        assert len(read) == len(cut)
    else:  # stopped at the part holding the change (the first part holds no change)
        assert f"\n- id: {doubted}\n".encode() in read[-1] and len(read) > 1
    if broken is _duplicate_id:  # the two entries sharing the id were read in two parts
        assert sum(b"\n- id: r10\n" in part for part in read) == 2
    yamlfile._last_good.clear()
    with monkeypatch.context() as patched:
        patched.setattr(in_parts, "PART_BYTES", 10**9)
        assert seen == problems(content_dir)
    assert seen and all(p.startswith("resources.yaml") for p in seen)


def test_an_entry_reusing_an_earlier_one_by_an_anchor_is_read_right(
    content_dir: Path, read: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An alias in the last part refers to an anchor in the first (a dump writes one for a
    list two entries share): read whole, the later entry has the first one's keywords and a
    search for one of them finds both."""
    data = made_up(monkeypatch)
    first, last = data["resources"][0], data["resources"][-1]
    last["keywords"] = first["keywords"]
    text = dumped(data)
    assert "keywords: &" in text and "keywords: *" in text
    (content_dir / "resources.yaml").write_text(text, "utf-8")
    content, _ = load_all(content_dir, SOURCES)
    assert len(read) == 1  # tried in parts, and read whole from the first (the anchor's)
    directory = content[RESOURCES]
    again = directory.get(last["id"])
    assert again is not None and again.keywords == first["keywords"]
    found = {r.id for r in directory.search(Query(first["keywords"][0])).resources}
    assert {first["id"], last["id"]} <= found
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
    assert len(parts) > 1  # read in parts (read whole, the index is given one)
    assert not builders()


def test_another_source_failing_stops_the_parts_index(
    content_dir: Path, parts: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    building = begun_while_texts_fail(content_dir)
    assert len(parts) > 1  # read in parts (read whole, the index is given one)
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
    assert len(parts) > 1 and made == [1]
    assert content[RESOURCES].search(Query("nalxone")).corrected == {"nalxone": "naloxone"}


def test_a_directory_written_by_a_yaml_dump_is_read_in_parts_too(
    content_dir: Path, parts: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dump puts the list's items at the key's own indentation (``- id:`` at the start of
    the line), as an export or a script would write the file (here the benchmarks' made-up
    directory, 200 entries)."""
    text = dumped(made_up(monkeypatch))
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

    last_part = {r.id for r in content[RESOURCES].resources[-parts[-1] :]}
    assert last_part & tag_filters_found(content[RESOURCES])


def test_the_index_made_in_parts_is_kept_for_the_bytes_read(
    content_dir: Path, parts: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The image is kept by the digest of the bytes the parts were read from, even when the
    file's last good model is no longer this one by the time it is asked for (another
    thread's load of the same path kept its own meanwhile): no item named "None", and the
    image kept for the real bytes not removed by it."""
    monkeypatch.setattr(sources, "digest_of", lambda *args: None)
    cache_dir = tmp_path / "data" / "content-cache"
    cache_dir.parent.mkdir()
    content, _ = load_all(content_dir, SOURCES, cache_dir)
    assert len(parts) > 1  # read in parts (read whole, the index is given one)
    digest = hashlib.sha256((content_dir / "resources.yaml").read_bytes()).hexdigest()
    (kept,) = [p.name for p in cache_dir.glob("index.resources-*")]
    assert digest in kept and "None" not in kept
    monkeypatch.undo()
    yamlfile._last_good.clear()
    sources._indexed.clear()
    parts.clear()
    started, _ = load_all(content_dir, SOURCES, cache_dir)  # as a restart: from the cache
    assert parts == []  # its index read from what was kept, not built again
    assert answers(started[RESOURCES]) == answers(content[RESOURCES])
