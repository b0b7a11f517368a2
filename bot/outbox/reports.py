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
        self._waiters: dict[int, asyncio.Future[DeliveryReport]] = {}
        self._background: set[asyncio.Task[None]] = set()

    def listen(self, origin_prefix: str, listener: Listener) -> None:
        self._listeners.append((origin_prefix, listener))

    async def wait(self, ids: Sequence[int], timeout: float | None = None) -> list[DeliveryReport]:
        """Wait for the reports of messages still queued."""
        loop = asyncio.get_running_loop()
        futures = []
        for outbox_id in ids:
            fut = self._waiters.get(outbox_id)
            if fut is None:
                fut = self._waiters[outbox_id] = loop.create_future()
            futures.append(fut)
        if not futures:
            return []
        if timeout is None and len(futures) == 1:
            return [await futures[0]]  # most waits (the console's, a sender's): nothing more
        async with asyncio.timeout(timeout):
            if len(futures) == 1:  # no gathering
                return [await futures[0]]
            return list(await asyncio.gather(*futures))

    def publish(self, report: DeliveryReport) -> None:
        waiter = self._waiters.pop(report.outbox_id, None)
        if waiter is not None and not waiter.done():
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
