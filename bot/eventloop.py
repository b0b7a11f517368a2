"""The event loop the service runs on: uvloop where it is installed, asyncio's own elsewhere.

Why uvloop: every message the outbox sends takes about a dozen turns of the event loop (the
row's insert and deletion come back from SQLite's thread, the HTTP request is written and
its answer read, the worker and the delivery report wake up), and asyncio's pure-Python loop
spent about a quarter of the bot's CPU per message on those turns alone
(``python -m benchmarks.outbox_fanout --profile``). uvloop runs the same loop in compiled
code, with the same asyncio API, so discord.py, python-telegram-bot, aiohttp, aiosqlite and
APScheduler run on it unchanged (the test suite runs on it too: ``tests/conftest.py``).

It is a dependency only where it is built (Linux and macOS: ``pyproject.toml``); anywhere
else, or with ``UVLOOP=false`` (:attr:`bot.config.Settings.uvloop`), asyncio's own loop runs,
with nothing else changed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

LoopFactory = Callable[[], asyncio.AbstractEventLoop]


def loop_factory(use_uvloop: bool = True) -> LoopFactory:
    """What makes the service's event loop: uvloop's when wanted and installed."""
    if use_uvloop:
        try:
            import uvloop
        except ImportError:  # not built for this platform: asyncio's own loop
            pass
        else:
            return uvloop.new_event_loop
    return asyncio.new_event_loop


def name(factory: LoopFactory) -> str:
    """ "uvloop" or "asyncio", for a log line or a benchmark's heading."""
    return "uvloop" if factory.__module__.startswith("uvloop") else "asyncio"


def run(main: Coroutine[Any, Any, T], *, use_uvloop: bool = True) -> T:
    """``asyncio.run`` on the service's event loop (Python 3.11's ``asyncio.run`` takes no
    loop factory; ``asyncio.Runner`` does, and is what ``asyncio.run`` uses inside)."""
    with asyncio.Runner(loop_factory=loop_factory(use_uvloop)) as runner:
        return runner.run(main)
