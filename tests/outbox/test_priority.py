"""Turns: urgent waiters before routine ones, each kind in order, and a cancelled waiter
neither loses nor keeps a turn."""

from __future__ import annotations

import asyncio

from bot.outbox.priority import Turns, is_scheduled, scheduled_mail


async def test_urgent_waiters_are_served_first_and_each_kind_in_order() -> None:
    turns = Turns(1)
    order: list[str] = []
    release = asyncio.Event()

    async def hold() -> None:
        async with turns.take():
            await release.wait()

    async def wait(name: str, urgent: bool) -> None:
        async with turns.take(urgent=urgent):
            order.append(name)

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    waiters = [
        asyncio.create_task(wait(name, urgent))
        for name, urgent in [("r1", False), ("u1", True), ("r2", False), ("u2", True)]
    ]
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(holder, *waiters)
    assert order == ["u1", "u2", "r1", "r2"]


async def test_a_cancelled_waiter_does_not_keep_or_lose_a_turn() -> None:
    turns = Turns(2)
    release = asyncio.Event()
    served: list[str] = []

    async def hold() -> None:
        async with turns.take():
            await release.wait()

    async def wait(name: str) -> None:
        async with turns.take(urgent=False):
            served.append(name)

    holders = [asyncio.create_task(hold()) for _ in range(2)]
    await asyncio.sleep(0)
    gone, stays = asyncio.create_task(wait("gone")), asyncio.create_task(wait("stays"))
    await asyncio.sleep(0)
    gone.cancel()
    release.set()
    await asyncio.gather(*holders, stays)
    assert served == ["stays"]
    async with turns.take(), turns.take():  # both turns are free again
        pass


def test_only_mail_queued_inside_a_scheduled_job_is_routine() -> None:
    assert not is_scheduled()
    with scheduled_mail():
        assert is_scheduled()
    assert not is_scheduled()
