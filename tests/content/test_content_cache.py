"""The content cache: a start with unchanged files reuses what the last load made, and any
edit is read in full, with the same plain problems as without a cache."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bot.content import cache, yamlfile
from bot.content.problems import ContentError
from bot.content.sources import RESOURCES, SOURCES, _indexed
from bot.content.store import Content, load_all
from bot.directory.resources import Query
from tests.directory.fixtures import RESOURCES as GOOD
from tests.directory.fixtures import content_dir


def restart_load(folder: Path, cache_dir: Path) -> Content:
    """A load as in a new process: nothing held in memory from the one before."""
    yamlfile._last_good.clear()
    _indexed.clear()
    content, _ = load_all(folder, SOURCES, cache_dir)
    return content


def problems(folder: Path, cache_dir: Path) -> list[str]:
    yamlfile._last_good.clear()
    _indexed.clear()
    with pytest.raises(ContentError) as err:
        load_all(folder, SOURCES, cache_dir)
    return [str(p) for p in err.value.problems]


def names(content: Content, words: str) -> list[str]:
    return [r.name for r in content[RESOURCES].search(Query(words)).resources]


def test_a_start_with_unchanged_files_uses_what_was_kept(tmp_path: Path) -> None:
    folder, kept = content_dir(tmp_path), tmp_path / "content-cache"
    first = restart_load(folder, kept)
    assert any(p.name.startswith("index.resources-") for p in kept.iterdir())
    again = restart_load(folder, kept)
    assert again[RESOURCES].file == first[RESOURCES].file
    assert names(again, "naloxone") == names(first, "naloxone") != []
    assert names(again, "nalxone") == names(first, "naloxone")  # spelling help too


def test_an_edit_is_read_and_replaces_what_was_kept(tmp_path: Path) -> None:
    folder, kept = content_dir(tmp_path), tmp_path / "content-cache"
    restart_load(folder, kept)
    edited = GOOD.replace("Naloxone kits near you", "Naloxone kits in your town")
    (folder / "resources.yaml").write_text(edited, "utf-8")
    content = restart_load(folder, kept)
    assert "Naloxone kits in your town" in names(content, "naloxone")
    assert "Naloxone kits near you" not in names(content, "naloxone")
    assert len([p for p in kept.iterdir() if p.name.startswith("index.resources-")]) == 1


def test_a_mistake_after_a_good_load_is_named_as_without_a_cache(tmp_path: Path) -> None:
    folder, kept = content_dir(tmp_path), tmp_path / "content-cache"
    restart_load(folder, kept)
    broken = GOOD.replace("    peer_run: true\n", "    peer_run: maybe\n", 1)
    (folder / "resources.yaml").write_text(broken, "utf-8")
    with_cache = problems(folder, kept)
    without = problems(folder, tmp_path / "no-cache-yet")
    assert with_cache == without
    assert len(with_cache) == 1 and "resources.yaml:" in with_cache[0]
    assert "peer_run" in with_cache[0]


def test_broken_content_leaves_nothing_new_on_disk(tmp_path: Path) -> None:
    folder, kept = content_dir(tmp_path), tmp_path / "content-cache"
    (folder / "resources.yaml").write_text(GOOD.replace("- id:", "- idd:", 1), "utf-8")
    problems(folder, kept)
    assert not kept.exists()


def test_a_damaged_cache_is_only_a_slower_load(tmp_path: Path) -> None:
    folder, kept = content_dir(tmp_path), tmp_path / "content-cache"
    first = restart_load(folder, kept)
    for item in kept.iterdir():
        item.write_bytes(b"not what was kept")
    again = restart_load(folder, kept)
    assert names(again, "naloxone") == names(first, "naloxone") != []


@pytest.mark.parametrize("how", ["reload", "restart"])
def test_an_edited_entry_is_found_by_its_new_words_and_not_its_old_ones(
    tmp_path: Path, how: str
) -> None:
    """The index keeps no copy of the entries' text, only their words: after an edit, the
    words taken out find the entry no more, in a reload in the same process and at a start
    that uses what was kept."""
    folder, kept = content_dir(tmp_path), tmp_path / "content-cache"
    first = restart_load(folder, kept)
    assert "Naloxone kits near you" in names(first, "narcan")
    edited = GOOD.replace("keywords: [narcan, kit]", "keywords: [nasal spray, kit]")
    (folder / "resources.yaml").write_text(edited, "utf-8")
    if how == "reload":
        content, _ = load_all(folder, SOURCES, kept)
    else:
        content = restart_load(folder, kept)
    assert "Naloxone kits near you" not in names(content, "narcan")
    assert names(content, "nasal spray") == ["Naloxone kits near you"]
    assert "Naloxone kits near you" in names(restart_load(folder, kept), "nasal spray")


def test_a_start_killed_while_keeping_its_index_is_rebuilt_at_the_next(tmp_path: Path) -> None:
    """What a process killed mid-write leaves (a half-written ``.part`` file) and what a power
    cut can leave (a kept index cut short) are never read: the next start builds the index
    again from the file, finds the same entries, and clears the half-written file."""
    folder, kept = content_dir(tmp_path), tmp_path / "content-cache"
    first = restart_load(folder, kept)
    (image,) = [p for p in kept.iterdir() if p.name.startswith("index.resources-")]
    whole = image.read_bytes()
    half = kept / f".{image.name}.999999999.part"  # no such process is running
    half.write_bytes(whole[: len(whole) // 2])
    os.utime(half, (time.time() - 3600, time.time() - 3600))  # killed an hour ago
    # Just written by a process this one cannot see (another container sharing the folder).
    busy = kept / f".{image.name}.999999998.part"
    busy.write_bytes(whole[:100])
    image.write_bytes(whole[: len(whole) // 2])
    again = restart_load(folder, kept)
    assert names(again, "naloxone") == names(first, "naloxone") != []
    assert names(again, "nalxone") == names(first, "naloxone")
    assert not half.exists()
    assert busy.exists()  # left to its writer
    assert image.read_bytes() == whole  # kept again, whole


def test_another_python_versions_items_are_left_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upgrade to a new Python, then a rollback, on one data folder: each version keeps its
    own items and finds them again, so neither parses everything afresh at its next start."""
    folder, kept = content_dir(tmp_path), tmp_path / "content-cache"
    monkeypatch.setattr(cache, "FORMAT", "v1-py399")  # the version upgraded to
    restart_load(folder, kept)
    theirs = {p.name: p.read_bytes() for p in kept.iterdir() if "-v1-py399-" in p.name}
    monkeypatch.undo()  # rolled back
    first = restart_load(folder, kept)
    ours = {p.name for p in kept.iterdir() if f"-{cache.FORMAT}-" in p.name}
    assert theirs and ours
    assert {p.name: p.read_bytes() for p in kept.iterdir() if p.name in theirs} == theirs
    monkeypatch.setattr(cache, "FORMAT", "v1-py399")  # and upgraded again
    again = restart_load(folder, kept)
    assert names(again, "naloxone") == names(first, "naloxone") != []
    assert ours <= {p.name for p in kept.iterdir()}


def test_other_versions_items_go_once_unused_for_long(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A version run once long ago (its items untouched for 40 days) leaves nothing behind
    once this version keeps its own: the folder does not grow with every version ever run.
    One used 10 days ago (a rollback may come back to it) is left. Ages are set on the files
    (``os.utime``), not waited for."""
    folder, kept = content_dir(tmp_path), tmp_path / "content-cache"
    day = 24 * 3600

    def run_as(version: str, age_days: int) -> set[str]:
        monkeypatch.setattr(cache, "FORMAT", version)
        restart_load(folder, kept)
        monkeypatch.undo()
        theirs = {p.name for p in kept.iterdir() if f"-{version}-" in p.name}
        then = time.time() - age_days * day
        for name in theirs:
            os.utime(kept / name, (then, then))
        return theirs

    gone = run_as("v1-py399", 40)  # a Python tried once and left
    recent = run_as("v0-py398", 10)  # an older format, used lately
    restart_load(folder, kept)
    left = {p.name for p in kept.iterdir()}
    assert gone and recent
    assert not gone & left
    assert recent <= left
    assert any(f"-{cache.FORMAT}-" in name for name in left)


def test_reading_an_item_keeps_it_from_counting_as_unused(tmp_path: Path) -> None:
    """A version that keeps running on items written months ago (nothing edited since) still
    uses them: each start renews their time, so another version's start never takes them
    for long unused."""
    folder, kept = content_dir(tmp_path), tmp_path / "content-cache"
    restart_load(folder, kept)
    long_ago = time.time() - 90 * 24 * 3600
    for item in kept.iterdir():
        os.utime(item, (long_ago, long_ago))
    restart_load(folder, kept)
    assert all(time.time() - p.stat().st_mtime < 24 * 3600 for p in kept.iterdir())


def test_other_versions_items_go_even_while_the_content_fails_to_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A service whose content has a mistake no one fixed for weeks still clears out what a
    version long gone kept (40 days unused, set with ``os.utime``), as a good load does; what
    this version kept, and another version's recent items, stay."""
    folder, kept = content_dir(tmp_path), tmp_path / "content-cache"
    monkeypatch.setattr(cache, "FORMAT", "v0-py398")  # an older format, used lately
    restart_load(folder, kept)
    recent = {p.name for p in kept.iterdir()}
    monkeypatch.setattr(cache, "FORMAT", "v1-py399")  # a Python tried once and left
    restart_load(folder, kept)
    monkeypatch.undo()
    gone = {p.name for p in kept.iterdir()} - recent
    then = time.time() - 40 * 24 * 3600
    for name in gone:
        os.utime(kept / name, (then, then))
    broken = GOOD.replace("    peer_run: true\n", "    peer_run: maybe\n", 1)
    (folder / "resources.yaml").write_text(broken, "utf-8")
    assert problems(folder, kept)
    left = {p.name for p in kept.iterdir()}
    assert gone and recent
    assert not gone & left
    assert left == recent
