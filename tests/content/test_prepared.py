"""What ``python -m bot prepare`` keeps beside the compiled code at install: a first start on
a fresh data folder reads it instead of reading the code for wording keys and importing
wordfreq, and a steward's wording file that lacks a key the code uses is still refused.

Nothing here times anything: Python's import log shows whether wordfreq was imported, and the
code-reading function is replaced by one that fails, to show it was not needed."""

from __future__ import annotations

import compileall
import errno
import marshal
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import cli
from bot.content import cache, prepared, wording
from bot.content.problems import ContentError
from bot.content.sources import DISTRESS
from bot.content.texts import load_texts
from bot.directory import english
from tests.helpers import CONTENT, console_service, make_settings
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


def _read_only(monkeypatch: pytest.MonkeyPatch, folder: Path) -> list[str]:
    """Writing, renaming and removing files in ``folder`` refused as a read-only mount
    refuses them (ProtectSystem=strict; the folder itself exists, as __pycache__ does);
    what was refused."""
    refused: list[str] = []

    def refusing(name: str) -> None:
        original = getattr(Path, name)

        def refuse(self: Path, *args: object, **kwargs: object) -> object:
            if self.is_relative_to(folder):
                refused.append(f"{name} {self.name}")
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
            return original(self, *args, **kwargs)

        monkeypatch.setattr(Path, name, refuse)

    for name in ("write_bytes", "replace", "rename", "unlink"):
        refusing(name)
    return refused


async def test_a_read_only_code_folder_never_stops_a_start_or_a_reload(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing prepared, the code's folder read-only, and Python allowed to try writing
    compiled files there (the systemd unit): the bot starts, and a steward's new phrase in
    distress.yaml is recognised after /reload (what was worked out is kept in data/ only)."""
    compiled = tmp_path / "compiled"
    compiled.mkdir()
    monkeypatch.setattr(sys, "pycache_prefix", str(compiled))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    refused = _read_only(monkeypatch, compiled)
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    message = "i want to hurt mysellf"
    wording.scan.cache_clear()  # as a new process: the start reads the code, tries to keep it
    try:
        async with console_service(make_settings(tmp_path, content_dir=content)) as (svc, console):
            assert "/crisis" in await console.say("/help")
            before = svc.ctx.content[DISTRESS].patterns.which(message)
            distress = content / "distress.yaml"
            text = distress.read_text("utf-8")
            distress.write_text(text.replace("myslef, mysefl]", "myslef, mysefl, mysellf]", 1))
            reloaded = await console.say("/reload")
            after = svc.ctx.content[DISTRESS].patterns.which(message)
    finally:
        wording.scan.cache_clear()
    assert "Reloaded" in reloaded
    assert before is None and after == "hurt-myself"
    assert refused == []  # a running service never even tries to write beside its code
    assert not list(compiled.rglob("*prepared*"))


def test_prepare_on_a_read_only_code_folder_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The code is compiled already (nothing for compileall to write), but what prepare
    keeps beside it cannot be written: one plain line, not a traceback."""
    compiled = tmp_path / "compiled"
    compiled.mkdir()
    monkeypatch.setattr(sys, "pycache_prefix", str(compiled))
    monkeypatch.setattr(compileall, "compile_dir", lambda *args, **kwargs: True)
    _read_only(monkeypatch, compiled)
    assert cli.main(["prepare"]) == 1
    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err.count("\n") == 1
    assert printed.err.startswith("Could not keep what is prepared beside the compiled code")
    assert "Read-only file system" in printed.err


def test_a_word_list_kept_by_other_code_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The list is derived from wordfreq's by this code (``fold``): one kept by code that
    derived it otherwise would let misspellings pass as English (or correct real words)."""
    folder = tmp_path / "cache"
    other = cache.sealed(marshal.dumps(("kept", "by", "other", "code")))
    english._ranked.cache_clear()
    english._version.cache_clear()
    try:
        cache._write(folder, "words.english", english._version(), other)
        with cache.kept_in(folder):
            assert english._ranked() == ("kept", "by", "other", "code")  # this code's: read
        changed = tmp_path / "words.py"
        changed.write_text(english._CODE[1].read_text("utf-8").replace("def fold", "def  fold"))
        monkeypatch.setattr(english, "_CODE", (english._CODE[0], changed))
        english._ranked.cache_clear()
        english._version.cache_clear()
        with cache.kept_in(folder):
            assert english._ranked() == english._from_wordfreq()
    finally:
        english._ranked.cache_clear()
        english._version.cache_clear()


def test_keeping_removes_only_this_pythons_older_items_and_dead_writers_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """__pycache__ is shared by every installed Python: another's item stays. A ``.part``
    left by a killed process goes once it is old; a fresh one (perhaps being written by
    another container's process) and this process's own stay."""
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "compiled"))
    path = prepared.where("scan.wording", "new")
    assert path is not None
    folder = path.parent
    folder.mkdir(parents=True)
    older = folder / f"prepared.scan.wording-{cache.FORMAT}-old"
    other_python = folder / "prepared.scan.wording-v1-py399-new"
    dead_old = folder / f".prepared.scan.wording-{cache.FORMAT}-old.999999999.part"
    dead_fresh = folder / f".prepared.scan.wording-{cache.FORMAT}-old.999999998.part"
    own_old = folder / f".prepared.scan.wording-{cache.FORMAT}-other.{os.getpid()}.part"
    for item in (older, other_python, dead_old, dead_fresh, own_old):
        item.write_bytes(b"kept")
    for item in (dead_old, own_old):
        os.utime(item, (0, 0))  # written long ago
    assert prepared.keep("scan.wording", "new", b"{}") == path
    assert path.read_bytes() == b"{}"
    assert not older.exists() and not dead_old.exists()
    assert other_python.exists() and dead_fresh.exists() and own_old.exists()


def test_a_prepared_scan_changed_on_disk_is_not_used(fresh_scan: None) -> None:
    """A changed letter still parses (a bad disk, a stray edit): one key the code uses would
    no longer be checked for, and a wording file missing it would pass."""
    kept = wording.prepare()
    assert kept is not None
    right = wording.read_code()
    data = kept.read_bytes()
    assert b'"core.error"' in data
    kept.write_bytes(data.replace(b'"core.error"', b'"core.eror"'))
    assert wording.scan() == right


def test_a_kept_word_list_changed_on_disk_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A word changed in the kept list (a misspelling taken as English is never corrected)."""
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "compiled"))
    kept = english.prepare()
    assert kept is not None
    data = kept.read_bytes()
    assert data.count(b"\x05think") == 1  # marshal's short text: its length, then the word
    kept.write_bytes(data.replace(b"\x05think", b"\x05thimk"))
    english._ranked.cache_clear()
    try:
        words = english._ranked()
    finally:
        english._ranked.cache_clear()
    assert "think" in words and "thimk" not in words


def test_prepare_where_compiled_files_cannot_be_written_says_so_in_one_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    ready = run_bot(tmp_path, "prepare", PYTHONPYCACHEPREFIX=str(tmp_path / "a-file" / "pyc"))
    assert ready.returncode == 1
    assert ready.stdout == ""
    assert ready.stderr.count("\n") == 1 and "Traceback" not in ready.stderr
    assert ready.stderr.startswith("Could not compile bot in ")
