"""The relay's watchdog: notices a platform connection that has stopped showing signs of life
and reconnects it.

Known bridges stall silently until someone restarts them (matterbridge #1508, mautrix-telegram
#424). Every ``after / 4`` seconds the watchdog looks at each relaying platform's last sign of
life (a completed long poll on Telegram, any gateway frame on Discord); one silent for longer
than ``after`` is reconnected, and that is logged without any text. A destination whose queue
stops moving is the outbox's own watchdog's to restart (``bot/outbox``), for every message,
relayed or not.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from bot.relay.engine import Relay

log = logging.getLogger(__name__)


class Watchdog:
    def __init__(
        self,
        relay: Relay,
        after: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._relay = relay
        self.after = after
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self.reconnects = 0

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
        """One look at every platform that relays; reconnects one that went silent."""
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
                self.reconnects += 1
                await port.reconnect()
