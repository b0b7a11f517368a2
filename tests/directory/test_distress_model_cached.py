"""The distress model's weights, read from their JSON at a start, are kept in the content cache
by the file's sha256 (bot.content.cache), so the next start with the same file reads them back
instead of the JSON; the same model either way, and a damaged item is never used."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.content import yamlfile
from bot.content.sources import DISTRESS, SOURCES
from bot.content.store import load_all
from bot.directory import distress_model
from bot.directory.distress_model import DistressModel, keep_models_in
from tests.helpers import CONTENT

SAID = ["i cannot do this anymore", "where is the food bank", "everything is too much lately"]


def _start(content: Path, data: Path) -> DistressModel:
    """A start of a fresh process: nothing loaded before is held in memory."""
    yamlfile._last_good.clear()
    distress_model._trained.clear()
    keep_models_in(data)
    try:
        loaded, _ = load_all(content, SOURCES, data / "content-cache")
    finally:
        keep_models_in(None)
    return loaded[DISTRESS].model


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    data = tmp_path / "data"
    data.mkdir()
    return content, data


def _same(a: DistressModel, b: DistressModel) -> None:
    assert (a.chars, a.words, a.intercept, a.threshold) == (
        b.chars,
        b.words,
        b.intercept,
        b.threshold,
    )
    assert a.scores(SAID) == b.scores(SAID)


def test_the_next_start_reads_the_weights_from_the_cache_not_the_json(
    folders: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    content, data = folders
    first = _start(content, data)
    (kept,) = (data / "content-cache").glob("weights.distress_model.v1-*")

    def unread(text: str) -> None:
        raise AssertionError("the JSON was read again")

    monkeypatch.setattr(distress_model, "_weights", unread)
    _same(_start(content, data), first)
    assert kept.exists()


def test_a_damaged_item_is_not_used_and_the_json_is_read(folders: tuple[Path, Path]) -> None:
    content, data = folders
    first = _start(content, data)
    (kept,) = (data / "content-cache").glob("weights.distress_model.v1-*")
    body = bytearray(kept.read_bytes())
    body[-20] ^= 1  # a bad disk: marshal may still read it, with a changed weight
    kept.write_bytes(bytes(body))
    _same(_start(content, data), first)


def test_changed_weights_are_read_from_their_file(folders: tuple[Path, Path]) -> None:
    content, data = folders
    first = _start(content, data)
    shipped = content / distress_model.SHIPPED
    learned_from = json.loads(shipped.read_text("utf-8"))["learned_from"]
    moved = DistressModel(first.chars, first.words, first.intercept + 0.25, first.threshold)
    shipped.write_text(moved.to_json(learned_from), "utf-8")
    assert _start(content, data).intercept == first.intercept + 0.25
