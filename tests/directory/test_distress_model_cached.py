"""The distress model's weights, read from their JSON at a start, are kept in the content cache
by the file's sha256 (bot.content.cache), so the next start with the same file reads them back
instead of the JSON; the same model either way, and a damaged item is never used."""

from __future__ import annotations

import json
import marshal
import shutil
from pathlib import Path

import pytest

from bot.content import cache, yamlfile
from bot.content.sources import DISTRESS, SOURCES
from bot.content.store import load_all
from bot.directory import distress_model
from bot.directory.distress_model import DistressModel, keep_models_in
from tests.helpers import CONTENT

SAID = ["i cannot do this anymore", "where is the food bank", "everything is too much lately"]


def _start(content: Path, data: Path, learn: bool = False) -> DistressModel:
    """A start of a fresh process: nothing loaded before is held in memory. With ``learn``,
    the model the examples need is trained, as ``Learning`` does once the service answers,
    and kept in the data folder."""
    yamlfile._last_good.clear()
    distress_model._trained.clear()
    keep_models_in(data)
    try:
        loaded, _ = load_all(content, SOURCES, data / "content-cache")
        if not learn:
            return loaded[DISTRESS].model
        train = loaded[DISTRESS].learn
        assert train is not None, "the shipped weights fit the examples: nothing to learn"
        return train()
    finally:
        keep_models_in(None)


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


def _items(data: Path, kind: str) -> list[Path]:
    return sorted((data / "content-cache").glob(f"{kind}-*"))


def test_a_model_retrained_for_changed_examples_is_cached_apart_and_renewed_with_its_file(
    folders: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Peers changed the examples: the model trained for them is kept in the data folder,
    read back through its own cache item at the next starts (the shipped weights' item stays
    beside it), and a kept file with new bytes is read, never the older item."""
    content, data = folders
    examples = content / "distress_examples.yaml"
    text = examples.read_text("utf-8")
    added = '    distress:\n      - "the rope is ready and so am i"\n'
    assert "    distress: []\n" in text
    examples.write_text(text.replace("    distress: []\n", added, 1), "utf-8")
    trained = _start(content, data, learn=True)
    (kept_file,) = data.glob("distress-model-*.json")
    _same(_start(content, data), trained)  # the kept file read, and its item written

    def unread(text: str) -> None:
        raise AssertionError("a JSON was read again")

    with monkeypatch.context() as patched:
        patched.setattr(distress_model, "_weights", unread)
        _same(_start(content, data), trained)
    assert len(_items(data, "weights.distress_model.v1")) == 1
    (old_item,) = _items(data, "weights.distress_model_kept.v1")

    learned_from = json.loads(kept_file.read_text("utf-8"))["learned_from"]
    moved = DistressModel(trained.chars, trained.words, trained.intercept - 0.5, trained.threshold)
    kept_file.write_text(moved.to_json(learned_from), "utf-8")
    assert _start(content, data).intercept == trained.intercept - 0.5
    (new_item,) = _items(data, "weights.distress_model_kept.v1")  # the older one replaced
    assert new_item != old_item
    assert len(_items(data, "weights.distress_model.v1")) == 1


def test_an_item_of_another_layout_is_not_used_and_the_json_is_read(
    folders: tuple[Path, Path],
) -> None:
    """Weights kept by a version of the code that wrote them otherwise (an added field, say)
    are not taken for this one's, though their seal and name are right."""
    content, data = folders
    first = _start(content, data)
    (kept,) = _items(data, "weights.distress_model.v1")
    found, chars, words, intercept = marshal.loads(cache.opened(kept.read_bytes()) or b"")
    chars = {gram: (*pair, 0.0) for gram, pair in chars.items()}
    kept.write_bytes(cache.sealed(marshal.dumps((found, chars, words, intercept))))
    _same(_start(content, data), first)
