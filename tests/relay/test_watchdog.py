"""The relay's watchdog on a settable clock: a platform connection that shows no sign of life
is reconnected; a relayed destination whose queue stops moving is restarted; what it logs holds
no text; a healthy one is left alone."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.model import Platform
from bot.outbox import Destination, Outbox, OutgoingMessage
from bot.relay import Endpoint, Relay, RelayConversation
from bot.relay.watchdog import Watchdog
from bot.storage.database import Database
from bot.storage.outbox import OutboxRepository
from bot.storage.relay import RelayMapRepository
from tests.relay.test_engine import Room, Scripted


class Clock:
    def __init__(self) -> None:
        self.at = 1000.0
        self.start = datetime(2026, 11, 1, tzinfo=UTC)

    def mono(self) -> float:
        return self.at

    def wall(self) -> datetime:
        return self.start + timedelta(seconds=self.at)


class Port:
    """A platform connection whose last sign of life a test sets."""

    def __init__(self) -> None:
        self.last_event = 0.0
        self.reconnects = 0

    async def reconnect(self) -> None:
        self.reconnects += 1


async def test_a_silent_connection_is_reconnected_and_a_stuck_queue_restarted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    db = await Database.open(tmp_path / "w.sqlite3")
    outbox = Outbox(OutboxRepository(db), db, now=clock.wall)
    stuck = Scripted()  # its gate never opens: the send hangs like a stalled connection
    outbox.register(stuck)
    relay = Relay(outbox, RelayMapRepository(db), now=clock.wall)
    port = Port()
    relay.ports[Platform.CONSOLE] = port  # type: ignore[assignment]
    eps = [Endpoint(Platform.CONSOLE, "user", u) for u in ("1", "2")]
    relay.add(RelayConversation("debrief-w", eps, Room({"1": "A", "2": "B"})))
    await outbox.start()
    dog = Watchdog(relay, outbox, 120.0, clock=clock.mono)
    try:
        caplog.set_level(logging.INFO)
        port.last_event = clock.at
        await outbox.enqueue(
            Destination(Platform.CONSOLE, "user", "2"), OutgoingMessage("SECRET-WORDS")
        )
        await dog.check()
        healthy = dict(dog.restarts)
        clock.at += 121
        await dog.check()
        clock.at += 121
        await dog.check()
    finally:
        stuck.gate.set()
        await outbox.stop()
        await db.close()
    assert healthy == {"connections": 0, "queues": 0}
    assert port.reconnects >= 1 and dog.restarts["connections"] >= 1
    assert dog.restarts["queues"] == 2  # restarted, still stuck a period later: again
    assert "SECRET-WORDS" not in caplog.text
    assert "has not moved" in caplog.text and "no sign of life" in caplog.text
