"""Test helpers: settings on a temporary database, and a console you can talk to."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.clock import Clock
from bot.config import Settings, load_settings
from bot.core.commands import Router
from bot.platforms.base import PlatformAdapter
from bot.platforms.console import ConsolePlatform
from bot.service import Service, running
from handlers import ROUTERS

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_path": tmp_path / "peer-circle.sqlite3",
        "content_dir": CONTENT,
        "_env_file": None,
    }
    values.update(overrides)
    return load_settings(**values)


class ConsoleDriver:
    """Types lines into the console platform and returns what it printed in answer."""

    def __init__(self, files_dir: Path) -> None:
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._handled: asyncio.Queue[None] = asyncio.Queue()
        self.output: list[str] = []
        self.platform = ConsolePlatform(
            self._iterate(),
            self.output.append,
            files_dir=files_dir,
            on_handled=lambda: self._handled.put_nowait(None),
        )

    async def _iterate(self) -> AsyncIterator[str]:
        while (line := await self._lines.get()) is not None:
            yield line

    async def say(self, line: str, timeout: float = 10) -> str:
        """Type one line; return everything printed until it was handled."""
        start = len(self.output)
        await self._lines.put(line)
        async with asyncio.timeout(timeout):
            await self._handled.get()
        return "".join(self.output[start:])

    def printed_since(self, start: int) -> str:
        return "".join(self.output[start:])

    async def close(self) -> None:
        await self._lines.put(None)


@asynccontextmanager
async def console_service(
    settings: Settings,
    *,
    clock: Clock | None = None,
    adapters: list[PlatformAdapter] | None = None,
    extra_routers: Sequence[Router] = (),
) -> AsyncIterator[tuple[Service, ConsoleDriver]]:
    driver = ConsoleDriver(settings.database_path.parent / "console-files")
    async with running(
        settings,
        console=driver.platform,
        adapters=adapters,
        clock=clock,
        routers=(*ROUTERS, *extra_routers),
    ) as svc:
        yield svc, driver
        await driver.close()
