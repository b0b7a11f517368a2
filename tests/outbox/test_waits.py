"""Waits the limits ask for, inside a long message's delivery: they are not stalls (the lane
watchdog leaves them alone), and they hold no sending slot (an urgent answer goes first).

Run on a settable clock: a sleep ends only when the test moves the clock past it, so what is
waiting is known exactly, whatever the machine's speed."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.core.model import Platform
from bot.outbox import Destination, Limit, OutgoingMessage, RetryLater, paced
from bot.outbox.priority import scheduled_mail
from tests.outbox.test_engine import Scripted, open_outbox

A = Destination(Platform.TELEGRAM, "user", "1")
B = Destination(Platform.TELEGRAM, "user", "2")


class ManualClock:
    """Monotonic time that moves only when the test says; sleepers wake once it has moved past
    their moment."""

    def __init__(self) -> None:
        self.t = 1000.0
        self._moved = asyncio.Event()

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        until = self.t + max(0.0, seconds)
        if seconds <= 0:
            await asyncio.sleep(0)
        while self.t < until:
            await self._moved.wait()

    def advance(self, seconds: float) -> None:
        self.t += seconds
        self._moved.set()
        self._moved = asyncio.Event()


async def advance_until(clock: ManualClock, done: Callable[[], bool], *, most: int = 200) -> None:
    """Move the clock a second at a time until ``done``, however slowly this machine runs
    (each step lets the woken tasks run before the next)."""
    for _ in range(most):
        if done():
            return
        clock.advance(1.0)
        await asyncio.sleep(0.01)


class Parts(Scripted):
    """A platform that sends a message as its parts (split on "|"), each a request the limits
    count (``paced``), as the Telegram adapter does with a long message."""

    def __init__(self, clock: ManualClock, **kwargs: object) -> None:
        super().__init__(clock=clock, **kwargs)  # type: ignore[arg-type]
        self.parts: dict[Destination, list[str]] = defaultdict(list)
        self.between: dict[Destination, asyncio.Event] = {}  # awaited after the first part

    async def deliver(self, destination: Destination, message: OutgoingMessage) -> list[str]:
        ids = []
        for n, part in enumerate(message.text.split("|")):
            if n and (hold := self.between.get(destination)) is not None:
                await hold.wait()
            await paced()  # the first part's turn was taken by the outbox already
            plan = self.script.get(destination)
            if plan and (outcome := plan.pop(0)) is not None:
                raise outcome
            self.parts[destination].append(part)
            self.times[destination].append(self.clock.now())
            ids.append(str(len(self.parts[destination])))
        self.sent[destination].append(message.text)
        return ids


async def until(condition: object, *, rounds: int = 2000) -> None:
    """Let the event loop run until ``condition()`` holds (a safety net, not a timing)."""
    for _ in range(rounds):
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the condition never held")


async def test_a_long_wait_for_a_bot_wide_429_is_not_taken_for_a_stall(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The second part of a long message waits 300 s for a bot-wide 429 that another chat met:
    the watchdog (a delivery may run 0.4 s here) must not restart the lane meanwhile."""
    clock = ManualClock()
    db, outbox = await open_outbox(tmp_path / "db.sqlite3", timer=clock, send_timeout=0.4)
    platform = Parts(clock, script={B: [RetryLater(300.0, "platform")]})
    platform.between[A] = refused = asyncio.Event()
    deliver = platform.deliver

    async def deliver_and_tell(destination: Destination, message: OutgoingMessage) -> list[str]:
        try:
            return await deliver(destination, message)
        except RetryLater:
            refused.set()  # the bot-wide pause is set before the first part's lane goes on
            raise

    platform.deliver = deliver_and_tell  # type: ignore[method-assign]
    checks: list[str | None] = []
    stuck = outbox._stuck

    def watched(lane: object) -> str | None:
        checks.append(why := stuck(lane))  # type: ignore[arg-type]
        return why

    outbox._stuck = watched  # type: ignore[method-assign]
    outbox.register(platform)
    await outbox.start()
    try:
        await outbox.enqueue(A, OutgoingMessage("first part|second part"))
        await until(lambda: platform.parts[A] == ["first part"])
        await outbox.enqueue(B, OutgoingMessage("met a 429 for the whole bot"))
        await until(refused.is_set)
        await asyncio.sleep(0.05)  # the second part is now waiting for the bot-wide pause
        clock.advance(200.0)  # far past the watchdog's 0.4 s, short of the 300 s asked
        seen = len(checks)
        await until(lambda: len(checks) >= seen + 3)  # the watchdog looked three times
        assert platform.parts[A] == ["first part"]  # still waiting, as asked
        clock.advance(100.0)
        assert await outbox.drain(timeout=30)
    finally:
        await outbox.stop()
        await db.close()
    assert platform.parts[A] == ["first part", "second part"]  # each once
    assert platform.times[A][1] >= 1000.0 + 300.0
    assert outbox.stats["restarted"] == 0
    assert "restarting" not in caplog.text


async def test_an_urgent_answer_does_not_wait_for_long_messages_pacing(tmp_path: Path) -> None:
    """Two sending slots, four long relays (three parts each, one part a second in each chat)
    and then a /crisis answer: while the relays' later parts wait for their chats' pace they
    hold no slot, so the answer leaves at once, before any relay's second part."""
    clock = ManualClock()
    db, outbox = await open_outbox(tmp_path / "db.sqlite3", timer=clock)
    platform = Parts(clock, per_destination=Limit(1, 1.0, margin=0.0))
    platform.max_in_flight = 2  # type: ignore[attr-defined]
    outbox.register(platform)
    await outbox.start()
    chats = [Destination(Platform.TELEGRAM, "user", str(10 + n)) for n in range(4)]
    asking = Destination(Platform.TELEGRAM, "user", "99")
    try:
        for chat in chats:
            await outbox.enqueue(chat, OutgoingMessage("part one|part two|part three"))
        await until(lambda: all(platform.parts[c] == ["part one"] for c in chats))
        await outbox.enqueue(asking, OutgoingMessage("the crisis lines"))
        await until(lambda: platform.sent[asking] == ["the crisis lines"])
        assert platform.times[asking] == [1000.0]  # no one's pace had to pass first
        assert all(platform.parts[c] == ["part one"] for c in chats)
        await advance_until(clock, lambda: all(len(platform.parts[c]) == 3 for c in chats))
        assert await outbox.drain(timeout=30)
    finally:
        await outbox.stop()
        await db.close()
    for chat in chats:
        assert platform.parts[chat] == ["part one", "part two", "part three"]  # each once
        t = platform.times[chat]
        assert t[1] - t[0] >= 1.0 and t[2] - t[1] >= 1.0  # each chat's pace kept


async def test_an_answer_behind_a_long_routine_message_does_not_wait_for_the_whole_burst(
    tmp_path: Path,
) -> None:
    """A long scheduled message is half sent when a burst of prompts is queued, then the same
    person asks for /crisis: the message's next part, which gave its slot back while waiting
    for the chat's pace, takes the next slot in the urgent line, so the answer follows it
    instead of waiting behind every prompt of the burst (about five minutes at 10,000)."""
    clock = ManualClock()
    db, outbox = await open_outbox(tmp_path / "db.sqlite3", timer=clock)
    platform = Parts(
        clock,
        per_destination=Limit(1, 1.0, margin=0.0),
        global_limit=Limit(1, 1.0, margin=0.0),
    )
    platform.max_in_flight = 1  # type: ignore[attr-defined]
    outbox.register(platform)
    await outbox.start()
    burst = [Destination(Platform.TELEGRAM, "user", str(100 + n)) for n in range(20)]
    try:
        with scheduled_mail():
            await outbox.enqueue(A, OutgoingMessage("digest part one|digest part two"))
        await until(lambda: platform.parts[A] == ["digest part one"])
        with scheduled_mail():
            for chat in burst:
                await outbox.enqueue(chat, OutgoingMessage("prompt"))
        await outbox.enqueue(A, OutgoingMessage("the crisis lines"))  # an answer: urgent
        await advance_until(clock, lambda: "the crisis lines" in platform.parts[A])
        answered = platform.times[A][-1]
        before = [c for c in burst if platform.times[c] and platform.times[c][0] < answered]
        assert platform.parts[A] == ["digest part one", "digest part two", "the crisis lines"]
        assert len(before) <= 2  # not all twenty (before the fix: every one of them)
        await advance_until(clock, lambda: all(platform.parts[c] for c in burst))
        assert await outbox.drain(timeout=30)
    finally:
        await outbox.stop()
        await db.close()
    assert all(platform.parts[c] == ["prompt"] for c in burst)  # each once
