"""What the first commands after a start (or a content reload) would otherwise wait for, made
ready on a worker thread: the locale data from the start of start-up, the rest once the
service answers.

Why: some things are built the first time a command needs them, and that command waits.
Babel's locale data for the first date, day or list (15 to 45 ms: the first ``/resources``, a
calendar, check-in times), and the directory's filter sets for the first search by filters
alone (a topic button, ``/resources region:north free``: about 40 ms at 10,000 entries, 400 ms
of CPU at 50,000). Building them on the event loop during start-up would delay the first
answer, so they are built off it: the locale data, which every ``/resources`` needs and which
a command that comes the moment the service answers would wait for, while the content loads;
the filter sets after the first answer. A command that needs one of them before it is ready
builds it itself, as before, or waits for the thread that is building it; either way the
answer is the same.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from bot.content.sources import RESOURCES
from bot.content.store import Content
from bot.core import dates

log = logging.getLogger(__name__)


def read_locale() -> asyncio.Task[None]:
    """Start reading the locale data on a worker thread at once, at the start of start-up.

    Why so early: every ``/resources`` writes a date, so the first one needs the data. After
    a restart with a backlog of updates, commands arrive the moment the service answers; read
    only then, the first ``/resources`` waited for it (measured: 25-45 ms against 3 ms once
    it was read; ``python -m benchmarks.search --fresh``). Read while the content loads, it
    is there when the first command comes."""
    return asyncio.create_task(_build("the locale data", dates.preload), name="locale-data")


async def warm_up(content: Content, *, locale: asyncio.Task[None] | None = None) -> None:
    """Build, on a worker thread, what the first commands would wait for: the directory's
    filter sets of ``content``, once the task of :func:`read_locale` (``locale``, at a start;
    once a process is enough) has read the locale data. A failure is only logged: the first
    command that needs the thing builds it itself."""
    if locale is not None:
        await locale
    await _build("the directory's filter sets", lambda: content[RESOURCES].index.facets())


async def _build(what: str, step: Callable[[], object]) -> None:
    try:
        await asyncio.to_thread(step)
    except Exception:
        log.exception("could not build %s ahead of the first command", what)


class Rewarm:
    """After each content reload (``ContentStore.on_reload``), the new directory's filter sets
    are built the same way; the reload itself does not wait for them."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[None]] = set()

    async def reloaded(self, content: Content) -> None:
        task = asyncio.create_task(warm_up(content), name="warm-up-reload")
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def settled(self) -> None:
        """Wait until none is being built (the service stops, or a test wants them done)."""
        while self._running:
            await asyncio.wait(set(self._running))
