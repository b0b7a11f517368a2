"""Two waits for the same queued message: one giving up must not end the other.

The console waits for each answer with a timeout before it reads the next line; a sender may
wait for the same message too. A wait that gives up (its timeout, or its task cancelled) used
to cancel the one future every waiter shared, so the others, and every later wait for that
message, ended with ``CancelledError`` instead of the report.

No timing: the platform holds the delivery until the test lets it go, and the giving-up wait
is cancelled by the test itself (a timeout ends a wait the same way: by cancelling it)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.outbox import Destination, Outbox, OutgoingMessage
from tests.outbox.test_engine import A, Scripted, open_outbox


@contextlib.asynccontextmanager
async def one_message_held(
    tmp_path: Path,
) -> AsyncIterator[tuple[Outbox, Scripted, int, asyncio.Event]]:
    """A running outbox with one message queued whose delivery the platform holds until
    ``release`` is set (it is set, and the outbox stopped, on the way out)."""
    db, outbox = await open_outbox(tmp_path / "db.sqlite3")
    platform = Scripted()
    started, release = asyncio.Event(), asyncio.Event()
    deliver = platform.deliver

    async def holding(destination: Destination, message: OutgoingMessage) -> list[str]:
        started.set()
        await release.wait()
        return await deliver(destination, message)

    platform.deliver = holding  # type: ignore[method-assign]
    outbox.register(platform)
    await outbox.start()
    try:
        queued = await outbox.enqueue(A, OutgoingMessage("hello"))
        await asyncio.wait_for(started.wait(), 30)
        yield outbox, platform, queued, release
    finally:
        release.set()
        await outbox.stop()
        await db.close()


async def test_a_wait_that_gives_up_leaves_the_others_their_report(tmp_path: Path) -> None:
    async with one_message_held(tmp_path) as (outbox, platform, queued, release):
        patient = asyncio.create_task(outbox.settled([queued]))
        impatient = asyncio.create_task(outbox.settled([queued], timeout=600))
        both = asyncio.create_task(outbox.settled([queued, queued], timeout=600))
        await asyncio.sleep(0)  # all three are waiting
        impatient.cancel()
        both.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await impatient
        with contextlib.suppress(asyncio.CancelledError):
            await both
        late = asyncio.create_task(outbox.settled([queued], timeout=600))
        await asyncio.sleep(0)
        release.set()
        (report,) = await asyncio.wait_for(patient, 30)
        (late_report,) = await asyncio.wait_for(late, 30)
    assert report.delivered and late_report.delivered
    assert report.outbox_id == late_report.outbox_id == queued
    assert platform.sent[A] == ["hello"]


async def test_a_timed_out_wait_keeps_nothing_behind(tmp_path: Path) -> None:
    """A wait that timed out keeps no future waiting for a report that may never come."""
    async with one_message_held(tmp_path) as (outbox, platform, queued, release):
        with pytest.raises(TimeoutError):
            await outbox.settled([queued], timeout=0)
        assert not outbox._reports._waiters  # what a leak would be: a future kept for it
        release.set()
        assert await outbox.drain(timeout=30)
    assert platform.sent[A] == ["hello"]
