"""Which sends go first when a platform's bot-wide limit is the bottleneck.

Why: ten thousand prompts due in the same minute take about six minutes to leave at
Telegram's 30 a second. Someone who types ``/crisis`` meanwhile must not wait behind all of
them (a probe measured 96 s). So mail that a scheduled job queued (prompts, check-in
questions, digests) is *routine*, and everything else (an answer to what someone just did, a
relayed message, a notice) goes before it. Each kind stays first come, first served, and one
destination's messages stay in order: this only decides which destination's turn comes next.

Routine mail is marked where it is made, not where it is sent: the scheduler runs its jobs
inside :func:`scheduled_mail`, and the outbox reads :func:`is_scheduled` when a message is
queued. A job needs to know nothing about it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Iterator
from contextvars import ContextVar

_scheduled: ContextVar[bool] = ContextVar("scheduled_mail", default=False)


@contextlib.contextmanager
def scheduled_mail() -> Iterator[None]:
    """Everything queued inside this block (in this task and tasks it starts) is routine."""
    token = _scheduled.set(True)
    try:
        yield
    finally:
        _scheduled.reset(token)


def is_scheduled() -> bool:
    return _scheduled.get()


class Ticket:
    """A worker's place in a line while it waits, so that when an urgent message joins its
    queue it can move to the urgent line instead of waiting behind all routine mail."""

    __slots__ = ("future", "turns", "urgent")

    def __init__(self) -> None:
        self.turns: Turns | None = None
        self.future: asyncio.Future[None] | None = None
        #: An urgent message joined the lane since its delivery began: a part that gave its
        #: slot back while waiting for the chat's pace takes the next one in the urgent line.
        self.urgent = False

    def promote(self) -> None:
        self.urgent = True
        if self.turns is not None and self.future is not None:
            self.turns.promote(self.future)


class Turns:
    """At most ``capacity`` holders at once. Waiters for an urgent turn are served before
    routine ones; within each kind, in the order they came."""

    def __init__(self, capacity: int) -> None:
        self._free = capacity
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._routine: deque[asyncio.Future[None]] = deque()

    def take(self, *, urgent: bool = True, ticket: Ticket | None = None) -> Turn:
        """``async with turns.take(): ...`` holds a turn for the block."""
        return Turn(self, urgent, ticket)

    async def acquire(self, *, urgent: bool = True, ticket: Ticket | None = None) -> None:
        """Take a turn, to be given back with :meth:`release` (when a block does not fit)."""
        await self._acquire(urgent, ticket)

    def release(self) -> None:
        self._release()

    async def _acquire(self, urgent: bool, ticket: Ticket | None) -> None:
        if self._free > 0 and not self._urgent and not self._routine:
            self._free -= 1
            return
        queue = self._urgent if urgent else self._routine
        turn = asyncio.get_running_loop().create_future()
        queue.append(turn)
        if ticket is not None:
            ticket.turns, ticket.future = self, turn
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release()  # the turn was handed over as we were cancelled: pass it on
            else:
                for line in (self._urgent, self._routine):
                    with contextlib.suppress(ValueError):
                        line.remove(turn)
            raise
        finally:
            if ticket is not None and ticket.future is turn:
                ticket.turns = ticket.future = None

    def promote(self, turn: asyncio.Future[None]) -> None:
        """Move a routine waiter to the end of the urgent line (if it is still waiting)."""
        if turn.done():
            return
        try:
            self._routine.remove(turn)
        except ValueError:
            return  # already urgent
        self._urgent.append(turn)

    def _release(self) -> None:
        """Hand the turn straight to the next waiter (urgent first), or free it."""
        for queue in (self._urgent, self._routine):
            while queue:
                turn = queue.popleft()
                if not turn.done():
                    turn.set_result(None)
                    return
        self._free += 1


class Turn:
    """One turn held for an ``async with`` block (a plain class: every send takes two, and a
    generator-based context manager costs several times as much)."""

    __slots__ = ("_ticket", "_turns", "_urgent")

    def __init__(self, turns: Turns, urgent: bool, ticket: Ticket | None) -> None:
        self._turns = turns
        self._urgent = urgent
        self._ticket = ticket

    async def __aenter__(self) -> None:
        await self._turns._acquire(self._urgent, self._ticket)

    async def __aexit__(self, *_: object) -> None:
        self._turns._release()
