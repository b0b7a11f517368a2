"""The relay's watchdog on a settable clock: a platform connection that shows no sign of life
is reconnected, and what it logs holds no text; a live one, or one that relays nothing, is
left alone. (A queue that stops moving is the outbox's watchdog's, tested with the outbox.)"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.model import Platform
from bot.outbox import Outbox
from bot.relay import Endpoint, Relay, RelayConversation
from bot.relay.watchdog import Watchdog
from bot.storage.database import Database
from bot.storage.outbox import OutboxRepository
from bot.storage.relay import RelayMapRepository
from tests.relay.test_engine import Room


class Port:
    """A platform connection whose last sign of life a test sets."""

    def __init__(self) -> None:
        self.last_event = 0.0
        self.reconnects = 0

    async def reconnect(self) -> None:
        self.reconnects += 1


async def test_a_silent_connection_is_reconnected(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    now = [1000.0]
    db = await Database.open(tmp_path / "w.sqlite3")
    try:
        outbox = Outbox(OutboxRepository(db), db)
        relay = Relay(outbox, RelayMapRepository(db), now=lambda: datetime.now(UTC))
        relaying, idle = Port(), Port()
        relay.ports[Platform.CONSOLE] = relaying  # type: ignore[assignment]
        relay.ports[Platform.TELEGRAM] = idle  # type: ignore[assignment]
        eps = [Endpoint(Platform.CONSOLE, "user", u) for u in ("1", "2")]
        relay.add(RelayConversation("debrief-w", eps, Room({"1": "A", "2": "B"})))
        dog = Watchdog(relay, 120.0, clock=lambda: now[0])
        caplog.set_level(logging.INFO)
        relaying.last_event = idle.last_event = now[0]
        await dog.check()
        live = relaying.reconnects
        now[0] += 121
        await dog.check()
    finally:
        await db.close()
    assert live == 0
    assert relaying.reconnects == 1 and dog.reconnects == 1
    assert idle.reconnects == 0  # Telegram relays nothing here: a quiet poll is no stall
    assert "console has shown no sign of life for 121s; reconnecting" in caplog.text
