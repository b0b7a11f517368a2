"""What ``python -m bot prepare`` keeps beside the compiled code at install: a first start on
a fresh data folder reads it instead of reading the code for wording keys and importing
wordfreq, and a steward's wording file that lacks a key the code uses is still refused.

Nothing here times anything: Python's import log shows whether wordfreq was imported, and the
code-reading function is replaced by one that fails, to show it was not needed."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.content import cache, prepared, wording
from bot.content.problems import ContentError
from bot.content.texts import load_texts
from bot.directory import english
from tests.helpers import CONTENT
from tests.test_cli import run_bot
from tests.test_lean_start import imported


@pytest.fixture
def fresh_scan(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Compiled files (and so what is prepared) under this test's own folder; the process's
    own once-per-process results forgotten before and after."""
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "compiled"))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # a service that may not write there
    wording.scan.cache_clear()
    try:
        yield
    finally:
        wording.scan.cache_clear()


def _missing_error(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(CONTENT, folder)
    path = folder / "texts" / "core.yaml"
    path.write_text(path.read_text().replace("\nerror: ", "\neror: ", 1))
    return folder


def _unreadable_code() -> wording.Scan:
    raise AssertionError("the code was read again")


def test_a_prepared_scan_still_refuses_a_wording_file_missing_a_key(
    fresh_scan: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = wording.prepare()
    assert kept is not None and kept.is_relative_to(tmp_path / "compiled")
    monkeypatch.setattr(wording, "read_code", _unreadable_code)
    with pytest.raises(ContentError) as caught:
        load_texts(_missing_error(tmp_path))
    assert "the text 'error' is missing; the bot needs it" in str(caught.value.problems[0])


def test_the_scan_kept_in_the_data_folder_still_refuses_a_missing_key(
    fresh_scan: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not prepared, and the service may not write beside its code: the first start reads
    the code and keeps what it found in the data folder; the next start, after a steward
    removed a key, is still told."""
    with cache.kept_in(tmp_path / "content-cache"):
        load_texts(CONTENT)
    assert prepared.read("scan.wording", wording.code_digest()) is None
    wording.scan.cache_clear()
    monkeypatch.setattr(wording, "read_code", _unreadable_code)
    with pytest.raises(ContentError) as caught, cache.kept_in(tmp_path / "content-cache"):
        load_texts(_missing_error(tmp_path))
    assert "the text 'error' is missing" in str(caught.value.problems[0])


def test_a_damaged_prepared_scan_is_read_again_from_the_code(fresh_scan: None) -> None:
    kept = wording.prepare()
    assert kept is not None
    right = wording.scan()
    wording.scan.cache_clear()
    kept.write_bytes(kept.read_bytes()[:100])  # cut short
    assert wording.scan() == right


def test_a_scan_prepared_for_other_code_is_not_used(fresh_scan: None) -> None:
    path = prepared.where("scan.wording", "0" * 64)
    assert path is not None
    path.parent.mkdir(parents=True)
    path.write_text('{"uses": [], "unread": []}')  # would let any wording file pass
    assert len(wording.scan().uses) > 100


def _first_start(folder: Path, compiled: Path) -> set[str]:
    """A console start on a fresh data folder that may read compiled files from
    ``compiled`` but not write them, as the deployed service; what it imported."""
    folder.mkdir()
    started = run_bot(
        folder,
        stdin="/help\n",
        PYTHONPROFILEIMPORTTIME="1",
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONPYCACHEPREFIX=str(compiled),
    )
    assert started.returncode == 0, started.stderr[-2000:]
    assert "/crisis" in started.stdout
    return imported(started.stderr)


def test_a_first_start_after_prepare_does_not_import_wordfreq(tmp_path: Path) -> None:
    """Install (``prepare``), then start on a fresh data folder as the deployed service does."""
    ready = run_bot(tmp_path, "prepare", PYTHONPYCACHEPREFIX=str(tmp_path / "compiled"))
    assert ready.returncode == 0, ready.stderr[-2000:]
    assert "Prepared" in ready.stdout
    assert "wordfreq" not in _first_start(tmp_path / "data", tmp_path / "compiled")
    # Without it (nothing prepared where compiled files are read), the same start imports it.
    assert "wordfreq" in _first_start(tmp_path / "again", tmp_path / "elsewhere")


def test_the_prepared_word_list_is_wordfreqs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "compiled"))
    kept = english.prepare()
    assert kept is not None
    english._ranked.cache_clear()
    try:
        from_prepared = english._ranked()
    finally:
        english._ranked.cache_clear()
    assert from_prepared == english._from_wordfreq()
