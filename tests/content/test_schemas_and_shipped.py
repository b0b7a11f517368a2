"""The exported JSON Schemas match the models, and the shipped directory content loads."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import cli
from bot.content.jsonschemas import MODELS, schema_text
from bot.content.sources import GLOSSARY, SOURCES, TRAININGS
from bot.content.store import load_all
from bot.directory.glossary import look_up
from bot.directory.sessions import upcoming
from tests.helpers import CONTENT


@pytest.mark.parametrize("name", sorted(MODELS))
def test_each_exported_schema_is_up_to_date(name: str) -> None:
    path = CONTENT / "schemas" / f"{name}.schema.json"
    assert path.exists(), "run: python -m bot export-schemas"
    assert path.read_text("utf-8") == schema_text(name), "run: python -m bot export-schemas"


def test_export_schemas_writes_a_schema_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CONTENT_DIR", str(tmp_path / "content"))
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    assert cli.main(["export-schemas"]) == 0
    resources = json.loads((tmp_path / "content/schemas/resources.schema.json").read_text())
    entry = resources["$defs"]["Resource"]
    assert "source" in entry["required"]  # verified too, once confirmed (checked in the model)
    assert entry["additionalProperties"] is False  # a misspelt field is flagged in the editor


def test_shipped_trainings_and_glossary_load_and_answer() -> None:
    content, _ = load_all(CONTENT, SOURCES)
    trainings = content[TRAININGS].trainings
    assert trainings and all(t.source and (t.verified or not t.confirmed) for t in trainings)
    assert upcoming(trainings, datetime.now(UTC), days=60)  # self-paced ones at least
    # Each undated one says how it is taken, so /training shows it in the right section.
    assert all(t.starts is not None or t.offered is not None for t in trainings)
    glossary = content[GLOSSARY]
    for word in ("4C exemption", "efap", "PEEP"):
        assert look_up(glossary, word).term is not None, word
