"""The content the service is using now, and live reloading that keeps the last good set.

Each kind of content is a :class:`Source`; ``bot/content/sources.py`` lists them. Loading
collects the problems of every file before failing, so one run of ``check-content`` shows
everything to fix.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

from bot.content.problems import ContentError, Problem

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Source(Generic[T]):
    """One kind of content: how to load it from the content folder, and what to warn about
    in it that is not an error (say, a crisis line no person has confirmed yet)."""

    key: str
    load: Callable[[Path], T]
    warnings: Callable[[T], list[str]] | None = None


class Content:
    """One consistent, validated set of every source."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __getitem__(self, source: Source[T]) -> T:
        return cast(T, self._values[source.key])


def load_all(directory: Path, sources: Sequence[Source[Any]]) -> tuple[Content, list[str]]:
    """Load every source; raise one ContentError listing every problem in every file."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    warnings: list[str] = []
    if not directory.is_dir():
        raise ContentError(
            [Problem(str(directory), "the content folder is missing; set CONTENT_DIR")]
        )
    for source in sources:
        try:
            values[source.key] = value = source.load(directory)
        except ContentError as exc:
            problems += exc.problems
            continue
        if source.warnings is not None:
            warnings += source.warnings(value)
    if problems:
        raise ContentError(problems)
    return Content(values), warnings


ReloadListener = Callable[[Content], Awaitable[None]]


class ContentStore:
    """Holds the current content. ``reload`` swaps in new content only if all of it is good."""

    def __init__(self, directory: Path, sources: Sequence[Source[Any]]) -> None:
        self.directory = directory
        self.sources = tuple(sources)
        self._current: Content | None = None
        self._listeners: list[ReloadListener] = []
        self.warnings: list[str] = []

    @property
    def current(self) -> Content:
        if self._current is None:
            raise RuntimeError("content is not loaded yet")
        return self._current

    def __getitem__(self, source: Source[T]) -> T:
        return self.current[source]

    def on_reload(self, listener: ReloadListener) -> None:
        """Run ``listener`` after each successful load (e.g. to rebuild a search index)."""
        self._listeners.append(listener)

    async def load(self) -> Content:
        """First load at start-up: raises ContentError if anything is wrong."""
        # Off the event loop: parsing and indexing a big directory takes a while, and a reload
        # must not stall commands that are being answered meanwhile.
        content, self.warnings = await asyncio.to_thread(load_all, self.directory, self.sources)
        await self._install(content)
        return content

    async def reload(self) -> list[Problem]:
        """Load again; on any problem keep what we had and return the problems."""
        try:
            content, warnings = await asyncio.to_thread(load_all, self.directory, self.sources)
        except ContentError as exc:
            log.warning(
                "content reload refused: %d problem(s); keeping the last good content",
                len(exc.problems),
            )
            return exc.problems
        self.warnings = warnings
        await self._install(content)
        return []

    async def _install(self, content: Content) -> None:
        previous = self._current
        self._current = content
        try:
            for listener in self._listeners:
                await listener(content)
        except Exception:
            self._current = previous
            raise
