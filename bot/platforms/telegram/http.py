"""python-telegram-bot's HTTP requests over aiohttp, so a cancelled request is safe.

Why not PTB's default (httpx): httpcore's connection pool leaks a slot for good when a request
is cancelled after the pool gave it a new connection and before it ran (httpcore #1093). Under
CPU contention, cancellations land in that window often (PTB's pool timeout cancels waiting
requests; stopping cancels sends in flight), and once every slot has leaked, every later
request fails with "Pool timeout" and nothing is sent again. aiohttp's connector hands a
cancelled request's connection back (discord.py relies on the same), and every request ends by
its own timeouts, so nothing outside ever needs to cancel one.
"""

from __future__ import annotations

import json
import logging

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)

#: Connections to the Bot API for everything but getUpdates (which has its own request).
POOL_SIZE = 64


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a bounded connector; timeouts as PTB means them."""

    def __init__(
        self,
        *,
        pool_size: int = POOL_SIZE,
        connect_timeout: float = 10.0,
        read_timeout: float = 10.0,
        write_timeout: float = 20.0,
        pool_timeout: float = 10.0,
    ) -> None:
        self._pool_size = pool_size
        self._connect = connect_timeout
        self._read = read_timeout
        self._write = write_timeout
        self._pool = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        read = self._read if isinstance(read_timeout, DefaultValue) else read_timeout
        write = self._write if isinstance(write_timeout, DefaultValue) else write_timeout
        connect = self._connect if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool if isinstance(pool_timeout, DefaultValue) else pool_timeout
        parts = [t for t in (read, write, connect, pool) if t is not None]
        timeout = aiohttp.ClientTimeout(
            # Every request ends by itself: waiting for a slot, connecting, sending and reading
            # together never take longer than the four allowances added up.
            total=sum(parts) if len(parts) == 4 else None,
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=read,
        )
        try:
            body, content_type = _body(request_data)
            headers = {"User-Agent": self.USER_AGENT}
            if content_type is not None:
                headers["Content-Type"] = content_type
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                body = await response.read()
        except TimeoutError as exc:
            raise TimedOut(f"aiohttp: {type(exc).__name__}") from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
        if log.isEnabledFor(logging.DEBUG):  # the token in the URL is masked by bot.logs
            log.debug("HTTP Request: %s %s %d", method, url, response.status)
        return response.status, body


def _body(
    request_data: RequestData | None,
) -> tuple[aiohttp.FormData | bytes | None, str | None]:
    """The request's body and its content type: JSON when no file goes along (one
    ``json.dumps``, where a form would URL-encode every field: the cheaper of the two forms
    the Bot API accepts), a multipart form when one does."""
    if request_data is None:
        return None, None
    files = request_data.multipart_data
    if not files:
        return json.dumps(request_data.parameters).encode(), "application/json"
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime)
    return form, None
