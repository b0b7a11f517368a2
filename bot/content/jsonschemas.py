"""JSON Schemas of the content files, exported for editors.

An editor that knows the schema (VS Code with the YAML extension, for one) underlines a
misspelt field or a wrong value while a steward types, before ``check-content`` ever runs.
The files in ``content/schemas/`` are generated from the pydantic models; a test fails if
they are out of date, so the models stay the one source of truth.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from bot.content.schema.buddies import BuddiesFile
from bot.content.schema.checkins import CheckinsFile
from bot.content.schema.crisis import CrisisFile
from bot.content.schema.debrief import DebriefFile
from bot.content.schema.distress import DistressFile
from bot.content.schema.distress_examples import DistressExamplesFile
from bot.content.schema.glossary import GlossaryFile
from bot.content.schema.opportunities import OpportunitiesFile
from bot.content.schema.resources import ResourcesFile
from bot.content.schema.trainings import TrainingsFile

MODELS: dict[str, type[BaseModel]] = {
    "crisis": CrisisFile,
    "distress": DistressFile,
    "distress_examples": DistressExamplesFile,
    "resources": ResourcesFile,
    "trainings": TrainingsFile,
    "opportunities": OpportunitiesFile,
    "glossary": GlossaryFile,
    "debrief": DebriefFile,
    "checkins": CheckinsFile,
    "buddies": BuddiesFile,
}


def schema_text(name: str) -> str:
    schema = MODELS[name].model_json_schema()
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"content/{name}.yaml",
        **{k: v for k, v in schema.items() if k != "title"},
    }
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def export(folder: Path) -> list[Path]:
    """Write ``<name>.schema.json`` for every content file; returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in MODELS:
        path = folder / f"{name}.schema.json"
        path.write_text(schema_text(name), "utf-8")
        written.append(path)
    return written
