"""The directory's index kept on disk (bot/content/cache.py) is used only by code that declares
the index the same way: an index an older version kept (say, with its old prefix indexes) is
built again at the next start, and the old one is replaced, so what people find never depends
on which version kept the index."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from bot.content import sources, yamlfile
from bot.content.sources import RESOURCES, SOURCES, _indexed
from bot.content.store import Content, load_all
from bot.directory.resources import Query
from bot.storage import search_index
from tests.directory.fixtures import content_dir


def restart_load(folder: Path, kept: Path) -> Content:
    """A load as in a new process: nothing held in memory from the one before."""
    yamlfile._last_good.clear()
    _indexed.clear()
    content, _ = load_all(folder, SOURCES, kept)
    return content


def declared(content: Content) -> str:
    conn: sqlite3.Connection = content[RESOURCES].index._conn
    (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'docs'").fetchone()
    return str(sql)


def found(content: Content, words: str) -> list[str]:
    return [r.id for r in content[RESOURCES].search(Query(words)).resources]


def test_an_index_kept_by_code_that_declared_it_otherwise_is_built_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, kept = content_dir(tmp_path), tmp_path / "content-cache"
    older = search_index._SCHEMA.replace("prefix = '2',", "prefix = '2 3',")
    assert older != search_index._SCHEMA
    with monkeypatch.context() as patched:  # the version before: prefix indexes '2 3'
        patched.setattr(search_index, "_SCHEMA", older)
        patched.setattr(sources, "index_format", hashlib.sha256(older.encode()).hexdigest()[:12])
        before = restart_load(folder, kept)
        assert "prefix = '2 3'" in declared(before)
    (old,) = [p.name for p in kept.iterdir() if p.name.startswith("index.resources-")]

    after = restart_load(folder, kept)
    assert "prefix = '2 3'" not in declared(after)  # built by this code, not read back
    (new,) = [p.name for p in kept.iterdir() if p.name.startswith("index.resources-")]
    assert new != old and new.endswith(search_index.FORMAT)  # the old one is gone
    for words in ("naloxone", "nalxone", "na", "nal", "grief support", "bc"):
        assert found(after, words) == found(before, words)
    again = restart_load(folder, kept)  # and the one it kept is used from now on
    assert declared(again) == declared(after)
    assert found(again, "naloxone") == found(before, "naloxone") != []
