"""The lean HTTP path for the Bot API's JSON requests (bot/platforms/telegram/jsonpost.py),
against a small HTTP/1.1 server on 127.0.0.1 that answers the way a front server such as
Telegram's can: kept-alive connections it may close while idle, answers with a length or in
chunks, ``Connection: close``, or no answer at all. What a user would notice if any of these
went wrong: a message lost, sent twice, or every later message stuck.

(The whole adapter goes through this path against the Telegram fake in the other
tests/platforms/test_telegram_* files, cancellations included: test_telegram_stall.py.)"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import socket
import struct
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
from yarl import URL

from bot.platforms.telegram.jsonpost import JsonPoster, Timeouts, _Exchange
from tests.outbox.test_crash import until

ROOMY = Timeouts(connect=30.0, read=30.0, total=60.0)  # a safety net only


@dataclass
class Server:
    """Answers each request by ``answer(n)`` (n counts requests from 1): the raw bytes to
    write, and whether to close the connection afterwards (None: write nothing, keep it)."""

    answer: Callable[[int], tuple[bytes | None, bool]]
    bodies: list[bytes] = field(default_factory=list)
    connections: int = 0
    closed_by_client: int = 0
    idle_closed: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                self.bodies.append(await reader.readexactly(length))
                data, close = self.answer(len(self.bodies))
                if data is not None:
                    writer.write(data)
                    await writer.drain()
                if close:
                    writer.close()
                    self.idle_closed.set()
                    return
        except asyncio.IncompleteReadError:
            self.closed_by_client += 1
            writer.close()


def ok(result: object, *, extra: str = "") -> bytes:
    body = json.dumps({"ok": True, "result": result}).encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{extra}"
    return f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


def chunked(result: object) -> bytes:
    body = json.dumps({"ok": True, "result": result}).encode()
    halves = [body[: len(body) // 2], body[len(body) // 2 :]]
    chunks = b"".join(f"{len(h):x}\r\n".encode() + h + b"\r\n" for h in halves)
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked"
    return head + b"\r\n\r\n" + chunks + b"0\r\n\r\n"


@asynccontextmanager
async def serving(server: Server) -> AsyncIterator[tuple[JsonPoster, URL]]:
    listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    poster = JsonPoster("test", limit=4)
    try:
        yield poster, URL(f"http://127.0.0.1:{port}/botTOKEN/sendMessage")
    finally:
        poster.close()
        listening.close()
        await listening.wait_closed()


async def test_a_kept_alive_connection_carries_the_next_request() -> None:
    server = Server(lambda n: (ok({"message_id": n}), False))
    async with serving(server) as (poster, url):
        first = await poster.post(url, b'{"text": "one"}', ROOMY, None)
        second = await poster.post(url, b'{"text": "two"}', ROOMY, None)
    assert [json.loads(first[1])["result"], json.loads(second[1])["result"]] == [
        {"message_id": 1},
        {"message_id": 2},
    ]
    assert server.bodies == [b'{"text": "one"}', b'{"text": "two"}']
    assert server.connections == 1


async def test_a_connection_the_server_closed_while_idle_is_not_used_and_nothing_is_lost() -> None:
    server = Server(lambda n: (ok({"message_id": n}), n == 1))  # closes after the first
    async with serving(server) as (poster, url):
        await poster.post(url, b'{"text": "one"}', ROOMY, None)
        await server.idle_closed.wait()
        # the client has seen the close (as a connection idle for a while would have)
        await until(lambda: not any(c.usable() for d in poster._idle.values() for c in d))
        status, body = await poster.post(url, b'{"text": "two"}', ROOMY, None)
    assert status == 200 and json.loads(body)["result"] == {"message_id": 2}
    assert server.bodies == [b'{"text": "one"}', b'{"text": "two"}']  # each sent once
    assert server.connections == 2


async def test_an_answer_in_chunks_is_read_whole() -> None:
    server = Server(lambda n: (chunked({"message_id": n, "text": "x" * 300}), False))
    async with serving(server) as (poster, url):
        _, body = await poster.post(url, b"{}", ROOMY, None)
        _, again = await poster.post(url, b"{}", ROOMY, None)
    assert json.loads(body)["result"] == {"message_id": 1, "text": "x" * 300}
    assert json.loads(again)["result"]["message_id"] == 2
    assert server.connections == 1


@pytest.mark.parametrize(
    "head",
    [b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", b"HTTP/1.0 200 OK\r\n\r\n"],
    ids=["http-1.1-connection-close", "http-1.0"],
)
async def test_an_answer_ended_by_closing_the_connection_is_read_whole_and_sent_once(
    head: bytes,
) -> None:
    """No length and no chunks: the body ends where the connection does. Taken as a broken
    connection, the outbox would send the message again at every retry."""
    body = json.dumps({"ok": True, "result": {"message_id": 7, "text": "y" * 300}}).encode()
    server = Server(lambda n: (head + body, True))
    async with serving(server) as (poster, url):
        status, answer = await poster.post(url, b'{"text": "once"}', ROOMY, None)
        assert not any(poster._idle.values())  # that connection is over: not kept
    assert status == 200 and json.loads(answer)["result"]["message_id"] == 7
    assert server.bodies == [b'{"text": "once"}']


async def test_a_connection_reset_in_the_middle_of_such_an_answer_is_an_error() -> None:
    """Cut by an error (a reset) rather than closed, the body may be short: not an answer."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{"ok": tr')
        await writer.drain()
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()  # closed with a reset, not an end of stream

    listening = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    poster = JsonPoster("test", limit=4)
    try:
        with pytest.raises(ConnectionError):
            await poster.post(URL(f"http://127.0.0.1:{port}/botT/sendMessage"), b"{}", ROOMY, None)
    finally:
        poster.close()
        listening.close()
        await listening.wait_closed()


async def test_an_interim_answer_is_not_taken_for_the_answer() -> None:
    """A front server may send ``100 Continue`` (or ``103 Early Hints``) first: the message
    went out once, and its answer is the one that follows."""
    interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
    server = Server(lambda n: (interim + ok({"message_id": n}), False))
    async with serving(server) as (poster, url):
        status, body = await poster.post(url, b'{"text": "one"}', ROOMY, None)
        again, _ = await poster.post(url, b'{"text": "two"}', ROOMY, None)
    assert status == 200 and json.loads(body)["result"] == {"message_id": 1}
    assert again == 200
    assert server.bodies == [b'{"text": "one"}', b'{"text": "two"}']
    assert server.connections == 1  # kept alive through it


async def test_an_answer_that_says_connection_close_is_not_kept() -> None:
    server = Server(lambda n: (ok({"message_id": n}, extra="Connection: close\r\n"), False))
    async with serving(server) as (poster, url):
        await poster.post(url, b"{}", ROOMY, None)
        await poster.post(url, b"{}", ROOMY, None)
    assert server.connections == 2


async def test_a_request_cancelled_while_waiting_closes_its_connection_and_later_ones_go_out() -> (
    None
):
    server = Server(lambda n: (None if n == 1 else ok({"message_id": n}), False))
    async with serving(server) as (poster, url):
        stuck = asyncio.create_task(poster.post(url, b'{"text": "stuck"}', ROOMY, None))
        await until(lambda: len(server.bodies) == 1)
        stuck.cancel()
        with pytest.raises(asyncio.CancelledError):
            await stuck
        await until(lambda: server.closed_by_client == 1)  # its connection was not kept
        status, _ = await poster.post(url, b'{"text": "next"}', ROOMY, None)
    assert status == 200
    assert server.connections == 2


async def test_a_request_with_no_answer_ends_by_its_read_timeout() -> None:
    server = Server(lambda n: (None, False))
    async with serving(server) as (poster, url):
        with pytest.raises(TimeoutError):
            await poster.post(url, b"{}", Timeouts(connect=30.0, read=0.05, total=60.0), None)
        await until(lambda: server.closed_by_client == 1)


async def test_a_server_that_closes_without_answering_is_a_connection_error() -> None:
    server = Server(lambda n: (None, True))
    async with serving(server) as (poster, url):
        with pytest.raises(ConnectionError):
            await poster.post(url, b"{}", ROOMY, None)
        assert server.bodies == [b"{}"]  # sent once; the outbox decides about trying again


async def test_an_ipv6_address_in_the_url_is_named_in_brackets_in_the_host_header() -> None:
    """``Host: ::1:8081`` is not a valid header: a strict server refuses it with a 400, and
    every message would then fail for good."""
    heads: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        heads.append(head)
        await reader.readexactly(2)
        writer.write(ok({"message_id": 1}))
        await writer.drain()

    listening = await asyncio.start_server(handle, "::1", 0)
    port = listening.sockets[0].getsockname()[1]
    poster = JsonPoster("test", limit=4)
    try:
        status, _ = await poster.post(
            URL(f"http://[::1]:{port}/botT/sendMessage"), b"{}", ROOMY, None
        )
    finally:
        poster.close()
        listening.close()
        await listening.wait_closed()
    assert status == 200
    [host] = [line for line in heads[0].split(b"\r\n") if line.lower().startswith(b"host:")]
    assert host == f"Host: [::1]:{port}".encode()


async def test_a_connection_idle_too_long_is_not_used() -> None:
    """A NAT on the way may have forgotten a connection idle for a while: a request written
    into it would wait for its read timeout and then go again. One idle longer than
    ``max_idle`` is closed, and the request opens a fresh one."""
    now = [1000.0]
    server = Server(lambda n: (ok({"message_id": n}), False))
    listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    url = URL(f"http://127.0.0.1:{port}/botT/sendMessage")
    poster = JsonPoster("test", limit=4, max_idle=15.0, clock=lambda: now[0])
    try:
        await poster.post(url, b'{"n": 1}', ROOMY, None)
        now[0] += 14.0
        await poster.post(url, b'{"n": 2}', ROOMY, None)  # recent enough: used again
        assert server.connections == 1
        now[0] += 15.5
        status, _ = await poster.post(url, b'{"n": 3}', ROOMY, None)
        assert status == 200
        assert server.connections == 2
        await until(lambda: server.closed_by_client == 1)  # the old one was closed
    finally:
        poster.close()
        listening.close()
        await listening.wait_closed()
    assert server.bodies == [b'{"n": 1}', b'{"n": 2}', b'{"n": 3}']


async def test_an_address_that_does_not_answer_gives_way_to_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The Bot API's name gives two addresses and the first never answers (an IPv6 route
    that goes nowhere): the next is tried soon after (Happy Eyeballs) instead of after the
    whole connect timeout, which here, 60 s, is only a safety net."""
    server = Server(lambda n: (ok({"message_id": n}), False))
    listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    good = listening.sockets[0].getsockname()[1]
    # An address that never answers: a listener whose queue is full drops every new SYN.
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(0)
    filling = []
    for _ in range(3):
        sock = socket.socket()
        sock.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            sock.connect(hole.getsockname())
        filling.append(sock)
    silent = hole.getsockname()[1]
    loop = asyncio.get_running_loop()
    resolve = loop.getaddrinfo

    async def two_addresses(host: object, port: object, **kwargs: object) -> object:
        if host != "api.example":
            return await resolve(host, port, **kwargs)  # type: ignore[arg-type]
        tcp = (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "")
        return [(*tcp, ("127.0.0.1", silent)), (*tcp, ("127.0.0.1", good))]

    monkeypatch.setattr(loop, "getaddrinfo", two_addresses)
    poster = JsonPoster("test", limit=4)
    url = URL("http://api.example/botT/sendMessage")
    try:
        timeouts = Timeouts(connect=60.0, read=60.0, total=120.0)
        status, _ = await poster.post(url, b"{}", timeouts, None)
    finally:
        poster.close()
        listening.close()
        await listening.wait_closed()
        for sock in [*filling, hole]:
            sock.close()
    assert status == 200 and server.bodies == [b"{}"]


async def test_a_request_written_into_a_closed_connection_leaves_no_timer_and_logs_no_error() -> (
    None
):
    """A write the transport refuses (uvloop's raises on a connection closed between opening
    and writing; both loops refuse a write after ``write_eof``) is an error for that request
    only: its read timer must not stay armed and later fail a future nobody awaits, which
    asyncio reports at ERROR as "Future exception was never retrieved"."""
    loop = asyncio.get_running_loop()
    reported: list[dict[str, object]] = []
    before = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    listening = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    try:
        lost = asyncio.Event()

        class Watched(_Exchange):
            def connection_lost(self, exc: Exception | None) -> None:
                super().connection_lost(exc)
                lost.set()

        transport, conn = await loop.create_connection(Watched, "127.0.0.1", port)
        transport.write_eof()  # any write now raises RuntimeError
        refused = False
        try:
            await conn.exchange(b"POST / HTTP/1.1\r\n\r\n", 0.001)
        except RuntimeError:  # not kept: its traceback would keep the exchange's future alive
            refused = True
        assert refused
        # Past the timeout: a timer armed for 1 ms fires before a sleep of 50 ms ends, however
        # slow the machine (timers run in the order of their deadlines).
        await asyncio.sleep(0.05)
        conn.close()
        await lost.wait()
        del conn, transport
        await asyncio.sleep(0)
        gc.collect()
        await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(before)
        listening.close()
        await listening.wait_closed()
    assert [c.get("message") for c in reported] == []
