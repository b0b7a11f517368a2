"""Starting with the distress model shipped in content/: a start with the shipped examples
never imports scikit-learn nor trains; a start after peers added examples answers at once
with the shipped weights, trains on a worker thread, then uses (and keeps) the new model."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from bot.content.sources import DISTRESS, SOURCES
from bot.content.store import load_all
from bot.directory import distress_model
from bot.directory.distress_model import SHIPPED, fit_pipeline, keep_models_in
from tests.helpers import CONTENT, REPO, console_service, make_settings

# Said by nobody in the examples; neither the patterns nor the shipped weights hear it.
NEW = "the lighthouse keeper has gone quiet in my head"
CRISIS_LINE = "Call or text 988"


def test_a_start_with_the_shipped_examples_never_imports_scikit_learn(tmp_path: Path) -> None:
    """A first start on a fresh data folder: the shipped weights are read, nothing is trained
    (no model is kept in the data folder) and scikit-learn is never imported."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_"))}
    env.update(
        {
            "DATABASE_PATH": str(tmp_path / "data" / "db.sqlite3"),
            "CONTENT_DIR": str(CONTENT),
            "PYTHONPATH": str(REPO),
        }
    )
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot"],
        input="/crisis\n",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert CRISIS_LINE in done.stdout
    imported = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert any(" bot.directory.distress_model" in line for line in imported)
    assert not [line for line in imported if "sklearn" in line]
    assert not list((tmp_path / "data").glob("distress-model-*"))


def _content_with(tmp_path: Path, distress: Sequence[str]) -> Path:
    """A copy of the shipped content whose peers added ``distress`` to "from-peers"."""
    folder = tmp_path / "content"
    shutil.copytree(CONTENT, folder, ignore=shutil.ignore_patterns("schemas"))
    path = folder / "distress_examples.yaml"
    text = path.read_text("utf-8")
    added = "".join(f'      - "{said}"\n' for said in distress)
    path.write_text(text.replace("    distress: []\n", f"    distress:\n{added}", 1), "utf-8")
    return folder


def _a_new_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the process started again: nothing trained in memory."""
    monkeypatch.setattr(distress_model, "_trained", {})
    monkeypatch.setattr(distress_model, "_kept_in", [])
    keep_models_in(None)


async def test_changed_examples_answer_at_once_then_the_new_model_is_learned_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    content = _content_with(tmp_path, [NEW])
    settings = make_settings(tmp_path / "data", content_dir=content)
    settings.database_path.parent.mkdir()
    started, release = threading.Event(), threading.Event()

    def held_fit(*args: Any) -> Any:
        started.set()
        assert release.wait(120), "never released"
        return fit_pipeline(*args)

    _a_new_run(monkeypatch)
    monkeypatch.setattr(distress_model, "fit_pipeline", held_fit)
    caplog.set_level(logging.INFO, logger="bot.directory.distress_model")
    async with console_service(settings) as (svc, console):
        try:
            # Training is held, yet the service answers, with the shipped weights meanwhile.
            assert CRISIS_LINE in await console.say("/crisis")
            assert CRISIS_LINE not in await console.say(NEW)
            assert await asyncio.to_thread(started.wait, 120), "training never started"
            assert svc.ctx.content[DISTRESS].learn is not None
            assert "using the shipped weights while a new model is trained" in caplog.text
        finally:
            release.set()
        await svc.learning.settled()
        assert svc.ctx.content[DISTRESS].learn is None
        assert CRISIS_LINE in await console.say(NEW)
    assert len(list(settings.database_path.parent.glob("distress-model-*.json"))) == 1

    def no_training(*_: Any) -> Any:
        raise AssertionError("trained again although the data folder keeps the model")

    _a_new_run(monkeypatch)  # the next start reads the kept model back: no training
    monkeypatch.setattr(distress_model, "fit_pipeline", no_training)
    async with console_service(settings) as (svc, console):
        assert svc.ctx.content[DISTRESS].learn is None
        assert CRISIS_LINE in await console.say(NEW)


async def test_a_reload_with_new_examples_learns_them_in_the_background(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content, ignore=shutil.ignore_patterns("schemas"))
    settings = make_settings(tmp_path / "data", content_dir=content)
    settings.database_path.parent.mkdir()
    _a_new_run(monkeypatch)
    async with console_service(settings) as (svc, console):
        assert CRISIS_LINE not in await console.say(NEW)
        edited = _content_with(tmp_path / "edited", [NEW]) / "distress_examples.yaml"
        shutil.copy(edited, content / "distress_examples.yaml")
        assert "Reloaded." in await console.say("/reload")
        await svc.learning.settled()
        assert svc.ctx.content[DISTRESS].learn is None
        assert CRISIS_LINE in await console.say(NEW)


def test_check_content_names_shipped_weights_made_from_other_examples(tmp_path: Path) -> None:
    content = _content_with(tmp_path, [NEW])
    _, warnings = load_all(content, SOURCES)
    (said,) = [w for w in warnings if SHIPPED in w]
    assert "python -m bot train-distress-model" in said


def test_without_shipped_weights_the_model_is_trained_at_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A content folder without distress_model.json still recognises what its examples say."""
    content = _content_with(tmp_path, [NEW])
    (content / SHIPPED).unlink()
    _a_new_run(monkeypatch)
    loaded, _ = load_all(content, SOURCES)
    assert loaded[DISTRESS].learn is None
    assert loaded[DISTRESS].recognises(NEW)
