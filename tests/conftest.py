from __future__ import annotations

from pathlib import Path

import pytest

from bot import places
from bot.config import Settings
from tests.helpers import make_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture(scope="session", autouse=True)
def _places_read_once() -> None:
    """Read the place-name gazetteer once per run, before any test, so no answer in a test
    waits seconds on it (how long that takes depends on the machine)."""
    places.warm()
