from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from bot import eventloop, places
from bot.config import Settings
from tests.conformance import recorder
from tests.helpers import make_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, eventloop.LoopFactory]:
    """Every async test runs on the event loop the service runs on (uvloop where installed);
    ``UVLOOP=false python -m pytest`` runs them on asyncio's own loop instead."""
    wanted = TypeAdapter(bool).validate_python(os.environ.get("UVLOOP", "true"))
    factory = eventloop.loop_factory(wanted)
    return {eventloop.name(factory): factory}


@pytest.fixture(scope="session", autouse=True)
def _places_read_once() -> None:
    """Read the place-name gazetteer once per run, before any test, so no answer in a test
    waits seconds on it (how long that takes depends on the machine)."""
    places.warm()


@pytest.fixture(autouse=True)
def _requests_match_the_platform_specs() -> Iterator[None]:
    """Fail the test if it made a request to a fake that the real platform's specification
    does not allow (see tests/conformance/recorder.py)."""
    start = len(recorder.violations)
    yield
    made = recorder.violations[start:]
    if made:
        listed = "\n".join(f"- {v}" for v in made)
        pytest.fail(f"requests the real platform would not accept:\n{listed}", pytrace=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A violation made outside any test (a background task that outlived it) still fails."""
    if recorder.violations and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    checked = ", ".join(f"{n} {p}" for p, n in sorted(recorder.checked.items()))
    if checked:
        found = len(recorder.violations)
        terminalreporter.write_line(
            f"conformance: checked {checked} requests against tests/specs; {found} violations"
        )
        for violation in recorder.violations:
            terminalreporter.write_line(f"  {violation}")
