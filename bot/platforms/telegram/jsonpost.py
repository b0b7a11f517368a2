"""A lean HTTP/1.1 client for the one request the Bot API gets most: a JSON body POSTed to a
method's URL, answered with JSON, over kept-alive connections.

Why not aiohttp for these: per message, aiohttp's client was the largest share of the bot's
own CPU (about a third under the profile: the session's request set-up, its timers, tracing
hooks, the response object and its stream). A bare exchange costs a third of that
(benchmarks/outbox_fanout.py). The response is parsed by httptools (the C parser uvicorn
uses: status, Content-Length or chunked bodies, keep-alive), so only writing the request head
is done here. Files and anything but a JSON POST still go through aiohttp
(``AiohttpRequest.do_request``).

Safe to cancel, as the pool's reason for being aiohttp was (httpcore #1093): a connection is
taken from the idle list or opened by the request itself, and whatever ends the request early
(its timeout, a cancellation, an error, a reply that says ``Connection: close``) closes that
connection instead of handing it back. Nothing is held that a cancelled request could leak.

At least once, as before: a request that may have reached the server is never sent again
here; the error goes to the outbox, which retries (a kept-alive connection the server closed
while idle is noticed before use and skipped).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import socket
import ssl
import time
from asyncio.staggered import staggered_race
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import httptools
from yarl import URL


class ExchangeError(ConnectionError):
    """The connection closed or sent something that is not an HTTP answer."""


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds: to open a connection, to wait for the answer once the request is written, and
    for the whole exchange (opening included)."""

    connect: float | None
    read: float | None
    total: float | None


class _Exchange(asyncio.Protocol):
    """One connection: writes a request, reads its answer with httptools."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._parser = httptools.HttpResponseParser(self)
        self._body: list[bytes] = []
        self._answer: asyncio.Future[tuple[int, bytes, bool]] | None = None
        #: The answer's head has been read, and whether it says where its body ends (a
        #: length, or chunks): without either, the body ends where the connection does.
        self._headed = False
        self._framed = False
        #: When it was last handed back to the idle list (on the poster's clock).
        self.idle_since = 0.0

    # -- asyncio.Protocol ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        if self._answer is None or self._answer.done():
            self._lost(ExchangeError("the server sent data no request asked for"))
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._lost(ExchangeError(f"not an HTTP answer ({exc})"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._answer is None or self._answer.done():
            return
        if exc is None and self._headed and not self._framed:
            # An answer with neither a length nor chunks (HTTP/1.0, or ``Connection: close``)
            # ends where the stream does, and this is that end: the whole answer is here.
            # Taken as an error, the outbox would send the message again, and again.
            self._answer.set_result((self._parser.get_status_code(), b"".join(self._body), False))
        else:
            self._answer.set_exception(
                ExchangeError(f"the server closed the connection ({exc or 'end of stream'})")
            )

    # -- httptools callbacks -------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._body = []
        self._headed = False
        self._framed = False

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() in (b"content-length", b"transfer-encoding"):
            self._framed = True

    def on_headers_complete(self) -> None:
        self._headed = True

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        if self._answer is not None and not self._answer.done():
            status = self._parser.get_status_code()
            if 100 <= status < 200 and status != 101:
                # An interim answer (100 Continue, 103 Early Hints): the real one follows.
                # Taken as the answer, the message would be sent again though it went out.
                self._body = []
                return
            self._answer.set_result(
                (status, b"".join(self._body), self._parser.should_keep_alive())
            )

    # -- use -----------------------------------------------------------------------------------

    async def exchange(self, request: bytes, timeout: float | None) -> tuple[int, bytes, bool]:
        """Send one request; its status, body, and whether the connection may be used again.
        Raises TimeoutError when no whole answer came within ``timeout`` seconds.

        The timeout is one timer that fails the answer, not ``asyncio.timeout``: the same end
        (TimeoutError, and the caller closes the connection), for about half the work on the
        path every message takes (no Timeout object, no task lookup, no cancellation to
        translate back)."""
        assert self.transport is not None
        self._body = []
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[tuple[int, bytes, bool]] = loop.create_future()
        self._answer = answer
        # The write sits inside the ``try``: a write that raises (uvloop's does on a connection
        # closed meanwhile) must leave neither the timer armed nor the answer open, or either
        # would later fail a future nobody awaits, which asyncio logs at ERROR ("Future
        # exception was never retrieved").
        timer = None if timeout is None else loop.call_later(timeout, self._expired, answer)
        try:
            self.transport.write(request)
            return await answer
        finally:
            if timer is not None:
                timer.cancel()
            if not answer.done():
                answer.cancel()

    def _expired(self, answer: asyncio.Future[tuple[int, bytes, bool]]) -> None:
        if not answer.done():
            answer.set_exception(TimeoutError())

    def usable(self) -> bool:
        return not self.closed and self.transport is not None and not self.transport.is_closing()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def _lost(self, error: Exception) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(error)
        self.close()


#: Seconds before the next address is tried while the first has not answered (RFC 8305).
HAPPY_EYEBALLS_DELAY = 0.25
#: Seconds a connection may sit idle and still be used (aiohttp's keep-alive default).
MAX_IDLE = 15.0


class JsonPoster:
    """Kept-alive connections per host, at most ``limit`` requests at once (more wait for a
    turn, at most the pool timeout, as PTB means it).

    A connection idle longer than ``max_idle`` seconds is closed rather than used: a NAT or
    a firewall on the way may have forgotten it without a word, and a request written into
    it would get no answer until its read timeout (ten seconds or more) and then be sent
    again. ``clock``: monotonic seconds; tests pass a settable one."""

    def __init__(
        self,
        user_agent: str,
        limit: int,
        *,
        max_idle: float = MAX_IDLE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._agent = user_agent
        self._max_idle = max_idle
        self._clock = clock
        self._turns = asyncio.Semaphore(limit)
        self._idle: dict[tuple[str, str, int], deque[_Exchange]] = {}
        self._heads: dict[URL, bytes] = {}
        self._tls: ssl.SSLContext | None = None
        self._closed = False

    async def post(
        self, url: URL, body: bytes, timeouts: Timeouts, pool_timeout: float | None
    ) -> tuple[int, bytes]:
        """POST ``body`` (JSON) to ``url``; the answer's status and body. Raises TimeoutError
        when a timeout ends it, OSError (ExchangeError among them) when the connection
        fails."""
        if self._closed:
            raise ExchangeError("the client is shut down")
        if self._turns.locked():
            async with asyncio.timeout(pool_timeout):
                await self._turns.acquire()
        else:
            await self._turns.acquire()  # a turn is free: no timer to arm
        try:
            return await self._post(url, body, timeouts)
        finally:
            self._turns.release()

    async def _post(self, url: URL, body: bytes, timeouts: Timeouts) -> tuple[int, bytes]:
        """Opening a connection and waiting for the answer each end by their own timeout (one
        timer each, within the total; writing the request only hands it to the kernel)."""
        key = (url.scheme, url.host or "", url.port or 0)
        conn = self._take(key)
        if conn is None:
            async with asyncio.timeout(_least(timeouts.connect, timeouts.total)):
                conn = await self._open(url)
        try:
            status, answer, keep = await conn.exchange(
                self._head(url, len(body)) + body, _least(timeouts.read, timeouts.total)
            )
        except BaseException:
            conn.close()  # cancelled or failed half way: never handed to another request
            raise
        if keep and not self._closed and conn.usable():
            conn.idle_since = self._clock()
            self._idle.setdefault(key, deque()).append(conn)
        else:
            conn.close()
        return status, answer

    def _take(self, key: tuple[str, str, int]) -> _Exchange | None:
        idle = self._idle.get(key)
        now = self._clock()
        while idle:
            conn = idle.pop()  # the most recently used: the least likely to have timed out
            if conn.usable() and now - conn.idle_since <= self._max_idle:
                return conn
            conn.close()
        return None

    async def _open(self, url: URL) -> _Exchange:
        loop = asyncio.get_running_loop()
        tls = None
        if url.scheme == "https":
            if self._tls is None:
                self._tls = ssl.create_default_context()
            tls = self._tls
        port = url.port or (443 if tls else 80)
        host = url.host or ""
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = _interleave([(info[0], str(info[4][0]), int(info[4][1])) for info in infos])
        if len(addresses) <= 1:
            _, conn = await loop.create_connection(_Exchange, host, port, ssl=tls)
            return conn
        return await self._race(addresses, host, tls)

    @staticmethod
    async def _race(
        addresses: list[tuple[int, str, int]], host: str, tls: ssl.SSLContext | None
    ) -> _Exchange:
        """Happy Eyeballs (RFC 8305), as aiohttp has it: when the first address of the name
        does not answer (an IPv6 route that goes nowhere), the next is tried a quarter of a
        second later instead of after the whole connect timeout. By hand because uvloop's
        ``create_connection`` takes no ``happy_eyeballs_delay``. Every connection but the
        one used is closed, also when the race is cancelled."""
        loop = asyncio.get_running_loop()
        opened: list[_Exchange] = []

        async def attempt(address: tuple[int, str, int]) -> _Exchange:
            _, conn = await loop.create_connection(
                _Exchange, address[1], address[2], ssl=tls, server_hostname=host if tls else None
            )
            opened.append(conn)
            return conn

        winner: _Exchange | None = None
        try:
            winner, _, errors = await staggered_race(
                [functools.partial(attempt, a) for a in addresses], HAPPY_EYEBALLS_DELAY
            )
        finally:
            for conn in opened:
                if conn is not winner:
                    conn.close()
        if winner is None:
            raise OSError(f"could not connect to {host}: {', '.join(map(str, errors))}")
        return winner

    def _head(self, url: URL, length: int) -> bytes:
        head = self._heads.get(url)
        if head is None:
            host = url.host_port_subcomponent or ""  # an IPv6 address in brackets
            head = (
                f"POST {url.raw_path_qs} HTTP/1.1\r\nHost: {host}\r\n"
                f"User-Agent: {self._agent}\r\nContent-Type: application/json\r\n"
                "Accept: application/json\r\nContent-Length: "
            ).encode()
            if len(self._heads) < 64:  # the Bot API's few method URLs
                self._heads[url] = head
        return head + f"{length}\r\n\r\n".encode()

    def close(self) -> None:
        """Close every idle connection; those in use close when their request ends."""
        self._closed = True
        for idle in self._idle.values():
            for conn in idle:
                conn.close()
        self._idle.clear()


def _interleave(addresses: list[tuple[int, str, int]]) -> list[tuple[int, str, int]]:
    """The first address of each family, then the rest in turn (RFC 8305's interleave)."""
    families: dict[int, list[tuple[int, str, int]]] = {}
    for address in addresses:
        families.setdefault(address[0], []).append(address)
    lines = list(families.values())
    return [a for turn in itertools.zip_longest(*lines) for a in turn if a is not None]


def _least(*seconds: float | None) -> float | None:
    given = [s for s in seconds if s is not None]
    return min(given) if given else None
