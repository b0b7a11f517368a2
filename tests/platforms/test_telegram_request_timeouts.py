"""The timeouts python-telegram-bot gives one call (``read_timeout=`` and the others, each
over the request's own when given, PTB's ``DEFAULT_NONE``) reach the lean JSON path
(bot/platforms/telegram/http.py → jsonpost.py): a call that asked to wait a short time is not
held for the request's long default.

The server below answers only once the test lets it (an event), so nothing depends on the
machine's speed: the call's own short timeout always ends first, and the long defaults (a
minute) only bound a test that would otherwise hang."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiohttp import web
from telegram.error import TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.platforms.telegram.http import AiohttpRequest

#: The request's own four timeouts: a minute each, far beyond the test's safety net.
LONGS = {f"{kind}_timeout": 60.0 for kind in ("connect", "read", "write", "pool")}


@asynccontextmanager
async def held_server(
    release: asyncio.Event, arrived: asyncio.Event | None = None
) -> AsyncIterator[tuple[str, list[str]]]:
    """A Bot API stand-in that answers every method once ``release`` is set (and sets
    ``arrived`` when a request came); the URL of sendMessage and the bodies it was sent."""
    seen: list[str] = []

    async def answer(request: web.Request) -> web.Response:
        seen.append(await request.text())
        if arrived is not None:
            arrived.set()
        await release.wait()
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/botTOKEN/{method}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/botTOKEN/sendMessage", seen
    finally:
        release.set()
        await runner.cleanup()


def text(value: str) -> RequestData:
    return RequestData([RequestParameter("text", value, None)])


@asynccontextmanager
async def request(pool_size: int = 4) -> AsyncIterator[AiohttpRequest]:
    made = AiohttpRequest(pool_size=pool_size, **LONGS)
    await made.initialize()
    try:
        yield made
    finally:
        await made.shutdown()


async def test_a_calls_own_read_timeout_ends_a_slow_answer() -> None:
    release = asyncio.Event()
    async with held_server(release) as (url, seen), request() as req:
        async with asyncio.timeout(30):  # a safety net: the call's 0.05 s ends it first
            with pytest.raises(TimedOut):
                await req.do_request(url, "POST", text("hello"), read_timeout=0.05)
        release.set()
        async with asyncio.timeout(30):
            status, _ = await req.do_request(url, "POST", text("again"))
    assert status == 200
    assert seen == ['{"text": "hello"}', '{"text": "again"}']


async def test_a_calls_own_pool_timeout_ends_its_wait_for_a_connection() -> None:
    """One connection, busy with a request the server holds: a call that asked to wait at
    most 0.05 s for one gives up, and was never sent."""
    release, arrived = asyncio.Event(), asyncio.Event()
    async with held_server(release, arrived) as (url, seen), request(pool_size=1) as req:
        first = asyncio.create_task(req.do_request(url, "POST", text("first")))
        async with asyncio.timeout(30):
            await arrived.wait()  # the first holds the only connection
            with pytest.raises(TimedOut):
                await req.do_request(url, "POST", text("second"), pool_timeout=0.05)
        release.set()
        async with asyncio.timeout(30):
            status, _ = await first
    assert status == 200
    assert seen == ['{"text": "first"}']
