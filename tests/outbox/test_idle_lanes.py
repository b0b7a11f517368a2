"""Lanes are kept only while they matter: a fan-out leaves nothing behind for each person it
reached once their pace has passed, and forgetting a lane never lets a chat's limit be broken.

Pacing runs on a settable clock (``VirtualTimer``): the moments compared are the ones the
platform saw, whatever this machine's speed. The watchdog's sweep runs on its own short tick
(``send_timeout=0.2``); the tests wait for conditions, with generous timeouts as a safety net.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import random
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from bot.core.model import Platform
from bot.outbox import Destination, Limit, Outbox, OutgoingMessage
from bot.outbox.lanes import Lane
from bot.outbox.limits import Bucket
from bot.storage.outbox import NewItem
from tests.outbox.test_engine import Scripted, VirtualTimer, open_outbox

A = Destination(Platform.TELEGRAM, "user", "1")
PER_CHAT = Limit(1, 1.0)  # Telegram's private chats: 1 a second (margin 0.05 s)
GROUP = Limit(20, 60.0, burst=5)  # Telegram's groups


async def until(done: Callable[[], bool], timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not done():  # noqa: ASYNC110 (polls a count the watchdog changes)
            await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def paced(
    tmp_path: Path, platform: Scripted, **options: object
) -> AsyncIterator[tuple[Outbox, VirtualTimer]]:
    """A started outbox sending to ``platform``, paced on a settable clock."""
    timer = VirtualTimer()
    platform.clock = timer
    db, outbox = await open_outbox(tmp_path / "db.sqlite3", timer=timer, **options)
    outbox.register(platform)
    await outbox.start()
    try:
        yield outbox, timer
    finally:
        await outbox.stop()
        await db.close()


async def test_a_fan_out_leaves_no_lane_behind_once_the_pace_has_passed(tmp_path: Path) -> None:
    platform = Scripted(per_destination=PER_CHAT)
    async with paced(tmp_path, platform, send_timeout=0.2) as (outbox, timer):
        people = [Destination(Platform.TELEGRAM, "user", str(n)) for n in range(200)]
        await outbox.enqueue_many([NewItem(p, OutgoingMessage("hello")) for p in people])
        assert await outbox.drain(timeout=20)
        assert all(platform.sent[p] == ["hello"] for p in people)
        # Each chat's second is not over yet (the clock has not moved): their lanes pace.
        await asyncio.sleep(0.2)
        assert 0 < outbox.lanes() <= len(people)
        assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("outbox:")]
        timer.t += 1.1  # the second (and its margin) has passed for every chat
        await until(lambda: outbox.lanes() == 0)


async def test_during_a_fan_out_only_the_chats_still_pacing_keep_a_lane(tmp_path: Path) -> None:
    """Without the watchdog (its round is 30 s away): each worker that ends forgets the lanes
    whose pace has passed, so a long fan-out holds about a second's worth of lanes."""
    platform = Scripted(per_destination=PER_CHAT, global_limit=Limit(30, 1.0))
    async with paced(tmp_path, platform) as (outbox, _):
        people = [Destination(Platform.TELEGRAM, "user", str(n)) for n in range(300)]
        await outbox.enqueue_many([NewItem(p, OutgoingMessage("hello")) for p in people])
        assert await outbox.drain(timeout=60)
        assert all(platform.sent[p] == ["hello"] for p in people)
        # 30 a second, each chat's pace 1.05 s: the last 32 or so are still pacing.
        assert outbox.lanes() <= 40


async def test_a_message_right_after_the_last_one_still_waits_its_turn(tmp_path: Path) -> None:
    platform = Scripted(per_destination=PER_CHAT)
    async with paced(tmp_path, platform, send_timeout=0.2) as (outbox, timer):
        await outbox.enqueue(A, OutgoingMessage("one"))
        assert await outbox.drain(timeout=20)
        timer.t += 0.3
        await asyncio.sleep(0.3)  # the watchdog's sweep comes round a few times meanwhile
        assert outbox.lanes() == 1  # still pacing: kept
        await outbox.enqueue(A, OutgoingMessage("two"))
        assert await outbox.drain(timeout=20)
        # Past its pace the lane is forgotten; the next two come to a new one, and still keep it.
        timer.t += 5.0
        await until(lambda: outbox.lanes() == 0)
        await outbox.enqueue(A, OutgoingMessage("three"))
        await outbox.enqueue(A, OutgoingMessage("four"))
        assert await outbox.drain(timeout=20)
    t = platform.times[A]
    assert platform.sent[A] == ["one", "two", "three", "four"]
    assert t[1] - t[0] >= 1.0 and t[3] - t[2] >= 1.0


def lanes_alive() -> int:
    """Lane objects alive in this process (after a collection: none kept only by garbage)."""
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is Lane)


async def test_a_chat_still_pacing_keeps_only_its_rate_bucket_not_a_lane(tmp_path: Path) -> None:
    """A fan-out with every limit off keeps hundreds of chats pacing at once, and every middle
    collection of the garbage collector walks what they hold: once its message is out, a chat
    keeps only its rate bucket (5 objects: it, its window, the send in it, its place in the
    pacing heap, the chat's Destination), not a whole lane (about 11: queue, ticket, batch,
    progress...). The bucket is what keeps its limit: the next message to each chat still
    waits its turn."""
    platform = Scripted(per_destination=PER_CHAT)
    async with paced(tmp_path, platform) as (outbox, _):
        before = lanes_alive()  # any left by other tests, still referenced somewhere
        people = [Destination(Platform.TELEGRAM, "user", str(n)) for n in range(100)]
        await outbox.enqueue_many([NewItem(p, OutgoingMessage("hello")) for p in people])
        assert await outbox.drain(timeout=20)
        await until(
            lambda: not [t for t in asyncio.all_tasks() if t.get_name().startswith("outbox:")]
        )
        assert outbox.lanes() == len(people)  # the clock has not moved: every chat paces
        assert lanes_alive() == before  # no lane is kept for any of them...
        assert len(outbox._paced) == len(people)  # ...only each one's bucket
        await outbox.enqueue_many([NewItem(p, OutgoingMessage("again")) for p in people])
        assert await outbox.drain(timeout=20)
    for p in people:
        assert platform.sent[p] == ["hello", "again"]
        first, second = platform.times[p]
        assert second - first >= 1.0


def test_a_bucket_is_spent_only_when_a_fresh_one_would_admit_exactly_the_same() -> None:
    """From the moment ``spent`` says so, an old bucket and a fresh one admit every send at
    the same moment and count it the same, for private chats' and groups' limits alike."""
    rng = random.Random(7)
    for limit in (PER_CHAT, GROUP, Limit(30, 1.0, margin=0.02, burst=2, late=0.01)):
        for _ in range(200):
            old = Bucket(limit)
            now = 0.0
            for _ in range(rng.randint(1, 30)):  # some sends, at whatever pace they got
                now += old.wait(now) + rng.choice((0.0, 0.001, 0.5, 3.0))
                old.take(now)
            while not old.spent(now):
                now += rng.choice((0.004, 0.01, 0.5, 5.0))
            fresh = Bucket(limit)
            for _ in range(60):
                now += rng.choice((0.0, 0.001, 0.02, 0.5, 3.0))
                assert old.wait(now) == fresh.wait(now)
                now += fresh.wait(now)
                assert old.take(now).at == fresh.take(now).at


def test_a_bucket_that_still_paces_is_not_spent() -> None:
    bucket = Bucket(GROUP)
    for _ in range(20):
        bucket.take(0.0 + bucket.wait(0.0))
    assert not bucket.spent(10.0)  # 20 sent within the minute: the 21st must wait
    assert bucket.wait(10.0) > 0
    assert Bucket(PER_CHAT).spent(0.0)  # nothing sent yet: nothing to wait for
