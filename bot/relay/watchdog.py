"""The relay's watchdog: notices a platform connection that has stopped showing signs of life,
or a relayed destination whose queue has stopped moving, and restarts that part.

Known bridges stall silently until someone restarts them (matterbridge #1508, mautrix-telegram
#424). Here every ``after`` seconds the watchdog looks at each platform's last sign of life
(a completed long poll on Telegram, any gateway frame on Discord) and at each endpoint's queue;
what looks stuck is reconnected or restarted, and logged without any text.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from bot.outbox import Outbox
from bot.outbox.message import Destination
from bot.relay.engine import Relay

log = logging.getLogger(__name__)


class Watchdog:
    def __init__(
        self,
        relay: Relay,
        outbox: Outbox,
        after: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._relay = relay
        self._outbox = outbox
        self.after = after
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self._queues: dict[Destination, tuple[int, float]] = {}
        self.restarts = {"connections": 0, "queues": 0}

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="relay-watchdog")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.after / 4)
            try:
                await self.check()
            except Exception as exc:  # the watchdog itself must keep watching
                log.error("relay watchdog: a check failed (%s)", type(exc).__name__)

    async def check(self) -> None:
        """One look at everything; restarts what seems stuck."""
        now = self._clock()
        relayed = {ep.platform for c in self._relay.conversations() for ep in c.endpoints}
        for platform, port in self._relay.ports.items():
            if platform not in relayed or not port.last_event:
                continue
            if now - port.last_event > self.after:
                log.warning(
                    "relay watchdog: %s has shown no sign of life for %.0fs; reconnecting",
                    platform.value,
                    now - port.last_event,
                )
                self.restarts["connections"] += 1
                await port.reconnect()
        for conv in self._relay.conversations():
            for ep in conv.endpoints:
                await self._check_queue(ep.destination, now)

    async def _check_queue(self, dest: Destination, now: float) -> None:
        queued, oldest = self._outbox.waiting(dest)
        seen_count, since = self._queues.get(dest, (0, now))
        if not queued:
            self._queues.pop(dest, None)
            return
        if queued < seen_count or dest not in self._queues:
            self._queues[dest] = (queued, now)  # it moved (or we just started looking)
            return
        self._queues[dest] = (queued, since)
        if now - since > self.after and (oldest or 0) > self.after:
            log.warning(
                "relay watchdog: the queue to a %s %s has not moved for %.0fs (%d waiting);"
                " restarting it",
                dest.platform.value,
                dest.kind,
                now - since,
                queued,
            )
            self.restarts["queues"] += 1
            self._outbox.restart(dest)
            self._queues[dest] = (queued, now)
