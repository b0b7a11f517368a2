"""The event loop the service runs on: uvloop where installed, asyncio's own otherwise."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
import uvloop  # a dependency wherever it is built (pyproject.toml); these tests run there
from pydantic import TypeAdapter

from bot import eventloop
from tests.helpers import make_settings


async def _loop_type() -> type[asyncio.AbstractEventLoop]:
    return type(asyncio.get_running_loop())


def test_the_service_runs_on_uvloop_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("UVLOOP", raising=False)
    settings = make_settings(tmp_path)
    assert settings.uvloop is True
    assert eventloop.run(_loop_type(), use_uvloop=settings.uvloop) is uvloop.Loop


def test_uvloop_false_runs_asyncio_own_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UVLOOP", "false")
    settings = make_settings(tmp_path)
    assert settings.uvloop is False
    ran_on = eventloop.run(_loop_type(), use_uvloop=settings.uvloop)
    assert not issubclass(ran_on, uvloop.Loop)
    assert issubclass(ran_on, asyncio.BaseEventLoop)


def test_where_uvloop_is_missing_asyncio_own_loop_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop now raises ImportError
    factory = eventloop.loop_factory(True)
    assert eventloop.name(factory) == "asyncio"
    assert not issubclass(eventloop.run(_loop_type()), uvloop.Loop)


async def test_async_tests_run_on_the_services_loop() -> None:
    """tests/conftest.py gives every async test the loop the service runs on (uvloop), unless
    the run asks for asyncio's own with UVLOOP=false."""
    wanted = TypeAdapter(bool).validate_python(os.environ.get("UVLOOP", "true"))
    assert isinstance(asyncio.get_running_loop(), uvloop.Loop) is wanted
