"""Telling senders what became of their messages: listeners by origin, and waiters by id."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from bot.core.errors import describe_without_text
from bot.outbox.delivery import DeliveryReport

log = logging.getLogger(__name__)

Listener = Callable[[DeliveryReport], Awaitable[None]]


class Reports:
    """Fans each final report out to the listeners whose origin prefix matches, without
    letting a slow or failing listener hold up delivery."""

    def __init__(self) -> None:
        self._listeners: list[tuple[str, Listener]] = []
        #: Each waiter's own future, by outbox id. Not one future shared by everyone waiting
        #: for a message: a waiter that gives up (its timeout, or its task cancelled) cancels
        #: what it awaits, and a shared future would then end every other wait for that
        #: message with ``CancelledError``, those that come later included.
        self._waiters: dict[int, list[asyncio.Future[DeliveryReport]]] = {}
        self._background: set[asyncio.Task[None]] = set()

    def listen(self, origin_prefix: str, listener: Listener) -> None:
        self._listeners.append((origin_prefix, listener))

    async def wait(self, ids: Sequence[int], timeout: float | None = None) -> list[DeliveryReport]:
        """Wait for the reports of messages still queued."""
        if not ids:
            return []
        loop = asyncio.get_running_loop()
        futures = []
        for outbox_id in ids:
            fut: asyncio.Future[DeliveryReport] = loop.create_future()
            self._waiters.setdefault(outbox_id, []).append(fut)
            futures.append(fut)
        try:
            if timeout is None and len(futures) == 1:
                return [await futures[0]]  # most waits (the console's, a sender's): nothing more
            async with asyncio.timeout(timeout):
                if len(futures) == 1:  # no gathering
                    return [await futures[0]]
                return list(await asyncio.gather(*futures))
        except BaseException:  # timed out or cancelled: the report may still come
            self._forget(ids, futures)
            raise

    def _forget(self, ids: Sequence[int], futures: list[asyncio.Future[DeliveryReport]]) -> None:
        """A wait given up: its futures leave the lists, so none is kept for a report that
        may never come (the others waiting for the same messages keep theirs)."""
        for outbox_id, fut in zip(ids, futures, strict=True):
            waiting = self._waiters.get(outbox_id)
            if waiting is None or fut not in waiting:
                continue
            waiting.remove(fut)
            if not waiting:
                del self._waiters[outbox_id]

    def publish(self, report: DeliveryReport) -> None:
        for waiter in self._waiters.pop(report.outbox_id, ()):
            if not waiter.done():
                waiter.set_result(report)
        for prefix, listener in self._listeners:
            if report.origin is not None and report.origin.startswith(prefix):
                task = asyncio.create_task(self._notify(listener, report))
                self._background.add(task)
                task.add_done_callback(self._background.discard)

    async def _notify(self, listener: Listener, report: DeliveryReport) -> None:
        try:
            await listener(report)
        except Exception as exc:
            log.error(
                "outbox: a delivery listener failed for origin %s\n%s",
                report.origin,
                describe_without_text(exc),
            )
