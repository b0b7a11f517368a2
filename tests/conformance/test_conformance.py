"""The conformance check catches what the real platforms would refuse, from both fakes, and a
violation fails the test that made it.

Every other test in the suite is checked by the autouse fixture in ``tests/conftest.py``; these
tests show that the check is not one that cannot fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conformance.recorder import Violation, expect_violations
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.telegram_harness import fake_telegram

REPO = Path(__file__).resolve().parents[2]


async def _telegram(method: str, data: dict[str, str]) -> list[Violation]:
    async with fake_telegram() as fake, aiohttp.ClientSession() as http:
        with expect_violations() as found:
            async with http.post(f"{fake.base_url}{fake.token}/{method}", data=data) as answer:
                await answer.read()
    return found


async def _discord(method: str, path: str, body: Any = None) -> list[Violation]:
    async with FakeDiscord.running() as fake, aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bot {fake.token}"}
        with expect_violations() as found:
            async with http.request(
                method, fake.api_url + path, json=body, headers=headers
            ) as answer:
                await answer.read()
    return found


def _problems(found: list[Violation]) -> list[str]:
    return [p for v in found for p in v.problems]


async def test_a_request_the_telegram_spec_allows_passes() -> None:
    board = {"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]}
    found = await _telegram(
        "sendMessage",
        {
            "chat_id": "12",
            "text": "<b>hi</b>",
            "parse_mode": "HTML",
            "reply_markup": json.dumps(board),
        },
    )
    assert found == []


@pytest.mark.parametrize(
    ("method", "data", "problem"),
    [
        ("sendMesage", {"chat_id": "1", "text": "x"}, "unknown method sendMesage"),
        ("sendMessage", {"chat_id": "1"}, "sendMessage: missing required parameter text"),
        ("banChatMember", {"chat_id": "1", "user_id": "Sam"}, "banChatMember: user_id='Sam'"),
        ("sendMessage", {"chat_id": "1", "text": "x", "colour": "red"}, "unknown parameter colour"),
        (
            "sendMessage",
            {"chat_id": "1", "text": "x", "reply_markup": '{"inline_keyboard": [[{"text": 5}]]}'},
            "sendMessage: reply_markup",
        ),
        (
            "setMyCommands",
            {"commands": "[]", "scope": '{"type": "everyone"}'},
            "setMyCommands: scope",
        ),
    ],
)
async def test_telegram_requests_outside_the_spec_are_caught(
    method: str, data: dict[str, str], problem: str
) -> None:
    problems = _problems(await _telegram(method, data))
    assert any(problem in p for p in problems), problems


async def test_a_request_the_discord_spec_allows_passes() -> None:
    async with FakeDiscord.running() as fake:
        channel = fake.channel("general").id
    found = await _discord("POST", f"/channels/{channel}/messages", {"content": "hi"})
    assert found == []


@pytest.mark.parametrize(
    ("method", "path", "body", "problem"),
    [
        ("GET", "/channels/1/mesages", None, "no such path in the spec"),
        ("DELETE", "/users/@me/channels", None, "no such method on this path"),
        ("POST", "/channels/1/messages", None, "missing required body"),
        ("POST", "/channels/1/messages", {"content": 5}, "body content"),
        ("POST", "/channels/general/messages", {"content": "x"}, "path parameter channel_id"),
        ("GET", "/guilds/1/members?limit=many", None, "query parameter limit='many'"),
        ("GET", "/guilds/1/members?colour=red", None, "unknown query parameter colour"),
    ],
)
async def test_discord_requests_outside_the_spec_are_caught(
    method: str, path: str, body: Any, problem: str
) -> None:
    problems = _problems(await _discord(method, path, body))
    assert any(problem in p for p in problems), problems


def test_a_violation_fails_the_test_that_made_it(tmp_path: Path) -> None:
    """Run a tiny suite, with this project's conftest, whose one test sends a bad request."""
    (tmp_path / "conftest.py").write_text(
        "from tests.conftest import (  # noqa: F401\n"
        "    _requests_match_the_platform_specs, pytest_sessionfinish, pytest_terminal_summary\n"
        ")\n"
    )
    (tmp_path / "test_bad.py").write_text(
        "import aiohttp\n"
        "from tests.fakes.telegram_harness import fake_telegram\n\n"
        "async def test_sends_an_unknown_method() -> None:\n"
        "    async with fake_telegram() as fake, aiohttp.ClientSession() as http:\n"
        "        async with http.post(f'{fake.base_url}{fake.token}/sendMesage') as answer:\n"
        "            assert answer.status == 404\n"
    )
    env = os.environ | {"PYTHONPATH": str(REPO)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "asyncio_mode=auto",
         "--rootdir", str(tmp_path), str(tmp_path)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 passed, 1 error" in run.stdout
    assert "unknown method sendMesage" in run.stdout
