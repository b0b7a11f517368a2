"""The content the service is using now, and live reloading that keeps the last good set.

Each kind of content is a :class:`Source`; ``bot/content/sources.py`` lists them. Loading
collects the problems of every file before failing, so one run of ``check-content`` shows
everything to fix.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar, cast

from bot import collector
from bot.content import cache
from bot.content.problems import ContentError, Problem

log = logging.getLogger(__name__)
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Pending(Protocol[T_co]):
    """A source's load under way on a thread of its own (see ``Source.begin``)."""

    def result(self) -> T_co:
        """What the load gives, once done; raises ContentError as ``Source.load`` would."""
        ...

    def discard(self) -> None:
        """Stop the work and free what it holds (its thread ended, its connections closed)."""
        ...


@dataclass(frozen=True, slots=True)
class Source(Generic[T]):
    """One kind of content: how to load it from the content folder, and what to warn about
    in it that is not an error (say, a crisis line no person has confirmed yet).

    ``begin``, when set, does what ``load`` does but leaves its longest part running on a
    thread of its own: ``load_all`` begins such sources first and loads the others
    meanwhile (the search index of the directory, built by SQLite without the GIL while the
    other files are read in Python, on the machine's other core)."""

    key: str
    load: Callable[[Path], T]
    warnings: Callable[[T], list[str]] | None = None
    begin: Callable[[Path], Pending[T]] | None = None


class Content:
    """One consistent, validated set of every source."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __getitem__(self, source: Source[T]) -> T:
        return cast(T, self._values[source.key])


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while content is built. A 10,000-entry
    directory is hundreds of thousands of new objects, none of them garbage; each collection
    walks them all with the GIL held, which measured as half the CPU of a load and the longest
    pauses of the event loop during a reload. Reference counting still frees everything. Turned
    back on after a load that succeeded, what the load built is counted as old at once
    (``collector.promote``) instead of walked by the first collection."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    except BaseException:
        if was_enabled:
            gc.enable()  # what failed is mostly garbage: the next collection sees it at once
        raise
    if was_enabled:
        collector.promote()  # what was built lives on: it need not be walked now
        gc.enable()


def load_all(
    directory: Path, sources: Sequence[Source[Any]], cache_dir: Path | None = None
) -> tuple[Content, list[str]]:
    """Load every source; raise one ContentError listing every problem in every file.
    With ``cache_dir``, what unchanged files gave last time is reused (``bot.content.cache``)."""
    with _no_cyclic_gc(), cache.kept_in(cache_dir):
        return _load_all(directory, sources)


def _load_all(directory: Path, sources: Sequence[Source[Any]]) -> tuple[Content, list[str]]:
    """Sources with a ``begin`` are begun first and finished last, so their threads work
    while the others load; problems and warnings are listed in the order of ``sources``
    all the same. Whatever goes wrong, nothing begun is left running."""
    values: dict[str, Any] = {}
    failed: dict[str, list[Problem]] = {}
    if not directory.is_dir():
        raise ContentError(
            [Problem(str(directory), "the content folder is missing; set CONTENT_DIR")]
        )
    begun: dict[str, Pending[Any]] = {}
    try:
        for source in sources:
            if source.begin is not None:
                try:
                    begun[source.key] = source.begin(directory)
                except ContentError as exc:
                    failed[source.key] = exc.problems
        for source in sources:
            if source.begin is None:
                try:
                    values[source.key] = source.load(directory)
                except ContentError as exc:
                    failed[source.key] = exc.problems
        for key in list(begun):
            try:
                values[key] = begun[key].result()
            except ContentError as exc:
                failed[key] = exc.problems
            del begun[key]  # done with: nothing left to discard
    finally:
        for pending in begun.values():
            pending.discard()
    if failed:
        raise ContentError([p for s in sources for p in failed.get(s.key, [])])
    warnings: list[str] = []
    for source in sources:
        if source.warnings is not None:
            warnings += source.warnings(values[source.key])
    return Content(values), warnings


ReloadListener = Callable[[Content], Awaitable[None]]


class ContentStore:
    """Holds the current content. ``reload`` swaps in new content only if all of it is good."""

    def __init__(
        self, directory: Path, sources: Sequence[Source[Any]], cache_dir: Path | None = None
    ) -> None:
        self.directory = directory
        self.sources = tuple(sources)
        self.cache_dir = cache_dir
        self._current: Content | None = None
        self._listeners: list[ReloadListener] = []
        self._reading = asyncio.Lock()
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
        content, self.warnings = await self._read()
        await self._install(content)
        return content

    async def _read(self) -> tuple[Content, list[str]]:
        """Parse, validate and index every file on a worker thread: a big directory takes
        seconds, and the bot must keep answering (crisis lines above all) meanwhile. The
        result is swapped in on the event loop, all at once."""
        async with self._reading:  # two stewards reloading at once: one after the other
            return await asyncio.to_thread(load_all, self.directory, self.sources, self.cache_dir)

    async def reload(self) -> list[Problem]:
        """Load again; on any problem keep what we had and return the problems."""
        try:
            content, warnings = await self._read()
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
