"""Each request a delivery makes takes its own turn within the limits.

Why: the platform counts requests, not the outbox's messages. A long message the adapter splits
into three parts is three sends to Telegram, each counted against the bot's 30 a second and
the chat's one a second; admitting the message once let its later parts leave back to back,
over both limits (a 429 for the chat, or for the whole bot when many long messages went out
at the ceiling). Now the worker admits a delivery's first request, and the adapter calls
:func:`paced` before each request the platform counts; every one after the first waits for
its own token from the destination's bucket and the platform's gate.

Why a context variable, not a parameter of ``deliver``: every adapter keeps the same
``deliver(destination, message)``; one that never calls :func:`paced` (a single request a
message) is paced as before, and calling ``deliver`` outside the outbox (a test) does not wait.

Why a request waiting for the destination's pace holds no sending slot: a chat takes one
message a second, so the later parts of a long message wait about a second each; holding one
of the platform's few slots (its HTTP pool) meanwhile, a dozen long relays at once kept an
urgent answer (a /crisis) waiting for a slot. The slot is let go for that wait and taken
again, in the urgent or the routine line as before, when the part may leave.

Why the destination's bucket counts a request from the moment its answer came back: the
platform counts it when it arrives, which may be late on a busy host; the answer is proof
that it has arrived, so the next request into the same chat is never counted within the
chat's window however late this one got there (a chat allows one a second: a round trip
more between two is nothing, a 429 holds the chat for a second or more).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar, Token

from bot.outbox.limits import Admission, Bucket, Gate, Sent, Timer
from bot.outbox.priority import Ticket, Turns
from bot.outbox.progress import Progress

_current: ContextVar[Requests | None] = ContextVar("outbox_requests", default=None)


async def paced() -> None:
    """Wait for this request's turn: call it before each request the platform counts against
    its limits (a send, an edit). The first of a delivery was admitted by the outbox already."""
    requests = _current.get()
    if requests is not None:
        await requests.next()


def delivered_parts() -> Progress:
    """The parts of the message being delivered that the platform already has (from an
    earlier try, or before a restart): an adapter that splits a message skips that many and
    reports each part it sends (see progress.py). Outside the outbox: nothing sent before."""
    requests = _current.get()
    return requests.progress if requests is not None else Progress()


class Requests:
    """The requests of one delivery to one destination, each admitted in turn."""

    def __init__(
        self,
        gate: Gate,
        bucket: Bucket | None,
        timer: Timer,
        *,
        urgent: bool,
        ticket: Ticket,
        admitted: Callable[[float | None], None],
        slots: Turns | None = None,
        progress: Progress | None = None,
    ) -> None:
        """``admitted`` hears the moment each request leaves (the watchdog times each one),
        and None while the next one waits for its turn (not a stall). ``slots``: the
        platform's sends at once (its HTTP pool), a slot held from admission until
        :meth:`let_go` except while a request waits for the destination's pace.
        ``progress``: the parts of this delivery sent so far (the outbox passes its lane's)."""
        self._gate = gate
        self._slots = slots
        self._holding = False
        self._bucket = bucket
        self._timer = timer
        self._urgent = urgent
        self._ticket = ticket
        self._admitted = admitted
        self._admission: Admission | None = None
        self._sent: Sent | None = None
        self._unused = False  # admitted, and no request has gone with it yet
        #: The parts of this delivery sent so far (the outbox sets the batch's own).
        self.progress = progress if progress is not None else Progress()

    async def admit(self) -> None:
        """Admit the next request: the destination's token, then the platform's."""
        self.answered()
        self._admitted(None)
        bucket, timer = self._bucket, self._timer
        if bucket is not None and bucket.wait(timer.now()) > 0:
            self.let_go()  # the chat's pace: no slot held meanwhile (see the docstring)
            while (wait := bucket.wait(timer.now())) > 0:
                await timer.sleep(wait)
        if self._ticket.urgent:
            self._urgent = True  # an answer now waits behind this delivery: no routine line
        if self._slots is not None and not self._holding:
            await self._slots.acquire(urgent=self._urgent, ticket=self._ticket)
            self._holding = True
        admission = await self._gate.admit(urgent=self._urgent, ticket=self._ticket)
        self._admission = admission
        self._sent = bucket.take(admission.left) if bucket is not None else None
        self._unused = True
        self._admitted(admission.left)

    async def next(self) -> None:
        if self._unused:
            self._unused = False
            return
        await self.admit()
        self._unused = False

    def let_go(self) -> None:
        """Give back the sending slot, if one is held (the delivery is over, or waits)."""
        if self._slots is not None and self._holding:
            self._holding = False
            self._slots.release()

    def answered(self) -> None:
        """The platform answered the last request admitted (anything, even an error)."""
        admission, self._admission = self._admission, None
        if admission is not None:
            self._gate.answered(admission)
        sent, self._sent = self._sent, None
        if sent is not None:
            sent.at = max(sent.at, self._timer.now())

    def enter(self) -> Token[Requests | None]:
        """:func:`paced` admits this delivery's requests until :meth:`leave` (a token by hand:
        a generator-based context manager cost more than the rest, on every message)."""
        return _current.set(self)

    @staticmethod
    def leave(token: Token[Requests | None]) -> None:
        _current.reset(token)
