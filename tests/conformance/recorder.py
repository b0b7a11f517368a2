"""The session-wide record of requests made to the fake servers, checked as they arrive.

Both fakes hand every request to :func:`check_telegram` or :func:`check_discord`, which
validate it against the platform's specification (``tests/specs``) there and then and keep
any violation. ``tests/conftest.py`` fails the test during which a violation arrived (so the
failure names the test that caused it) and the whole run if one arrived outside any test.
A test that sends a bad request on purpose wraps it in :func:`expect_violations`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tests.conformance import discord_spec, telegram_spec


@dataclass(frozen=True)
class Violation:
    platform: str
    request: str
    problems: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.platform} {self.request}: " + "; ".join(self.problems)


checked: Counter[str] = Counter()  # requests checked, per platform
violations: list[Violation] = []
_expecting: list[list[Violation]] = []


def _keep(platform: str, request: str, problems: list[str]) -> None:
    checked[platform] += 1
    if not problems:
        return
    found = Violation(platform, request, tuple(problems))
    (_expecting[-1] if _expecting else violations).append(found)


def check_telegram(
    method: str, params: Mapping[str, Any], files: frozenset[str], *, form: bool
) -> None:
    try:
        problems = telegram_spec.check_request(method, params, files, form=form)
    except Exception as exc:  # a checker bug must fail loudly, not hide a request
        problems = [f"the conformance check itself failed: {exc!r}"]
    _keep("telegram", method, problems)


def check_discord(method: str, path: str, query: Mapping[str, str], body: Any) -> None:
    try:
        problems = discord_spec.check_request(method, path, query, body)
    except Exception as exc:
        problems = [f"the conformance check itself failed: {exc!r}"]
    _keep("discord", f"{method} {path}", problems)


@contextmanager
def expect_violations() -> Iterator[list[Violation]]:
    """Collect (rather than fail on) the violations made inside; yields them for asserts."""
    caught: list[Violation] = []
    _expecting.append(caught)
    try:
        yield caught
    finally:
        _expecting.remove(caught)
