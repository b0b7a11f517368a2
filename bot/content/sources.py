"""Every kind of content the service loads, in one explicit list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.content.schema.crisis import CrisisFile
from bot.content.store import Source
from bot.content.texts import Texts, load_texts
from bot.content.yamlfile import load_yaml_model


def _crisis(directory: Path) -> CrisisFile:
    return load_yaml_model(directory / "crisis.yaml", CrisisFile, shown_as="crisis.yaml")


def _crisis_warnings(crisis: CrisisFile) -> list[str]:
    return [
        f'crisis.yaml — entry "{line.id}": not shown until a person confirms it '
        "(dial-test or the provider's own page), then set confirmed: true"
        for line in crisis.lines
        if not line.confirmed
    ]


CRISIS: Source[CrisisFile] = Source("crisis", _crisis, _crisis_warnings)
TEXTS: Source[Texts] = Source("texts", load_texts)

SOURCES: tuple[Source[Any], ...] = (CRISIS, TEXTS)
