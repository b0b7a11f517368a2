"""python-telegram-bot's HTTP requests over aiohttp, so a cancelled request is safe.

Why not PTB's default (httpx): httpcore's connection pool leaks a slot for good when a request
is cancelled after the pool gave it a new connection and before it ran (httpcore #1093). Under
CPU contention, cancellations land in that window often (PTB's pool timeout cancels waiting
requests; stopping cancels sends in flight), and once every slot has leaked, every later
request fails with "Pool timeout" and nothing is sent again. aiohttp's connector hands a
cancelled request's connection back (discord.py relies on the same), and every request ends by
its own timeouts, so nothing outside ever needs to cancel one.

Why :meth:`AiohttpRequest.call`: the outbox's sends, edits and deletions need only the new
message's id from Telegram's answer. Through PTB's ``Bot`` each one also checked and encoded
every parameter again and built a full ``telegram.Message`` from the answer (about a fifth of
the bot's own CPU per message, benchmarks/outbox_fanout.py ``--profile``); ``call`` sends the
plain JSON values and hands back the answer's ``result`` as JSON, parsed as PTB parses it
(both ways by orjson, falling back to ``json`` and PTB for what it refuses: ``_dumps``,
``_loads`` say where the values could differ);
an answer that is not a success goes through PTB's own ``BaseRequest.post``, so Telegram's
errors are PTB's exceptions exactly as before.

JSON POSTs (every request without a file: sends, edits, deletions, getUpdates) leave aiohttp
for a lean kept-alive path (``jsonpost.py``), with the same timeouts and the same errors
(TimedOut, NetworkError); files still go through aiohttp's session.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

from bot.logs import keep_payloads_out
from bot.platforms.telegram.jsonpost import JsonPoster, Timeouts

log = logging.getLogger(__name__)
keep_payloads_out()  # PTB would log an unreadable answer, message text and all: bot/logs.py

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
        self._poster: JsonPoster | None = None  # JSON POSTs: the lean path (jsonpost.py)
        self._limits = _Limits.of(read_timeout, write_timeout, connect_timeout, pool_timeout)
        self._urls: dict[str, URL] = {}  # the Bot API's method URLs, parsed once

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0)
            # The Bot API sets no cookies: no jar to look through and update on every request.
            self._session = aiohttp.ClientSession(
                connector=connector, cookie_jar=aiohttp.DummyCookieJar()
            )
            self._poster = JsonPoster(self.USER_AGENT, self._pool_size)

    async def shutdown(self) -> None:
        if self._poster is not None:
            self._poster.close()
            self._poster = None
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
        if self._session is None or self._session.closed or self._poster is None:
            raise RuntimeError("AiohttpRequest is not initialized")
        given = (read_timeout, write_timeout, connect_timeout, pool_timeout)
        if all(isinstance(t, DefaultValue) for t in given):
            limits = self._limits  # most requests: built once
        else:  # a value given for this call wins over the request's own (PTB's DEFAULT_NONE)
            mine_all = (self._read, self._write, self._connect, self._pool)
            read, write, connect, pool = (
                mine if isinstance(t, DefaultValue) else t
                for t, mine in zip(given, mine_all, strict=True)
            )
            limits = _Limits.of(read, write, connect, pool)
        body, content_type = _body(request_data)
        if method == "POST" and content_type == _JSON_TYPE and isinstance(body, bytes):
            return await self._post_json(url, body, limits)
        timeout = limits.aiohttp
        try:
            headers = _JSON if content_type == _JSON_TYPE else {"User-Agent": self.USER_AGENT}
            async with self._session.request(
                method,
                self._url(url) if method == "POST" else url,
                data=body,
                headers=headers,
                timeout=timeout,
            ) as response:
                body = await response.read()
        except TimeoutError as exc:
            raise TimedOut(f"aiohttp: {type(exc).__name__}") from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
        if log.isEnabledFor(logging.DEBUG):  # the token in the URL is masked by bot.logs
            log.debug("HTTP Request: %s %s %d", method, url, response.status)
        return response.status, body

    async def _post_json(self, url: str, body: bytes, limits: _Limits) -> tuple[int, bytes]:
        """A JSON body POSTed on the lean path (jsonpost.py), with the same timeouts and
        PTB's errors as through aiohttp."""
        assert self._poster is not None
        where = self._url(url)
        try:
            status, answer = await self._poster.post(
                where if isinstance(where, URL) else URL(where), body, limits.json, limits.pool
            )
        except TimeoutError as exc:
            raise TimedOut(f"HTTP: {type(exc).__name__}") from exc
        except OSError as exc:
            raise NetworkError(f"HTTP: {type(exc).__name__}: {exc}") from exc
        if log.isEnabledFor(logging.DEBUG):  # the token in the URL is masked by bot.logs
            log.debug("HTTP Request: POST %s %d", url, status)
        return status, answer

    async def call(self, url: str, values: dict[str, Any]) -> Any:
        """One Bot API method with plain JSON ``values`` (no file); the answer's ``result`` as
        JSON. Raises what PTB's methods raise (RetryAfter, Forbidden, BadRequest, ...).

        Straight to the lean path: the body PTB's ``post`` would send (the values that are
        not None, as JSON), its errors for a failed exchange, its parsing of a good answer;
        an answer that is not a success is read by PTB itself (``_Answered``), so every
        refusal is PTB's own exception exactly. Plain JSON values need none of the
        conversions PTB tries on each parameter (files, dates, Telegram objects)."""
        body = _dumps({name: v for name, v in values.items() if v is not None})
        try:
            if self._session is None or self._session.closed or self._poster is None:
                raise RuntimeError("AiohttpRequest is not initialized")  # as do_request
            status, payload = await self._post_json(url, body, self._limits)
        except TelegramError:
            raise
        except Exception as exc:  # as BaseRequest._request_wrapper words it
            raise NetworkError(f"Unknown error in HTTP implementation: {exc!r}") from exc
        if 200 <= status <= 299:
            return self._loads(payload)["result"]
        return await _Answered(status, payload).post(url)

    def _loads(self, payload: bytes) -> Any:
        """A good answer's JSON, read by orjson (3.4 us against PTB's 17.4 for a typical
        answer, on every message), and by PTB's ``parse_json_payload`` for anything orjson
        does not take (bytes that are not UTF-8, NaN, a number beyond a double's range, text
        that is not JSON), so those give PTB's result or PTB's error. The values read are the
        ones PTB would read, except an integer beyond 64 bits (above 2**64 - 1 or below
        -2**63), which orjson reads as a float where ``json`` keeps it exact: the Bot API's
        ids and counts stay within 52 bits, and ``call``'s users read only a message's id."""
        try:
            return orjson.loads(payload)
        except orjson.JSONDecodeError:
            return self.parse_json_payload(payload)

    def _url(self, url: str) -> URL | str:
        """The Bot API's few method URLs parsed once (aiohttp parses a string every time)."""
        parsed = self._urls.get(url)
        if parsed is None:
            if len(self._urls) >= _KNOWN_URLS:
                return url  # not one of the few: a file's address, say
            parsed = self._urls[url] = URL(url)
        return parsed


@dataclass(frozen=True, slots=True)
class _Limits:
    """PTB's four timeouts for one request, in the form each client takes: aiohttp's for
    files, jsonpost's and its wait for a free connection for the rest."""

    aiohttp: aiohttp.ClientTimeout
    json: Timeouts
    pool: float | None

    @classmethod
    def of(
        cls, read: float | None, write: float | None, connect: float | None, pool: float | None
    ) -> _Limits:
        parts = [t for t in (read, write, connect, pool) if t is not None]
        # Every request ends by itself: waiting for a slot, connecting, sending and reading
        # together never take longer than the four allowances added up.
        total = sum(parts) if len(parts) == 4 else None
        return cls(
            aiohttp.ClientTimeout(
                total=total,
                connect=None if pool is None or connect is None else pool + connect,
                sock_connect=connect,
                sock_read=read,
            ),
            Timeouts(connect=connect, read=read, total=total),
            pool,
        )


class _Answered(BaseRequest):
    """An answer already read, handed to PTB's own ``post`` so it raises for it exactly what
    it raises for any answer (RetryAfter with its wait, Forbidden, BadRequest, ...)."""

    def __init__(self, status: int, payload: bytes) -> None:
        self._answer = status, payload

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, *args: object, **kwargs: object) -> tuple[int, bytes]:
        return self._answer


_JSON_TYPE = "application/json"
_JSON = {"User-Agent": BaseRequest.USER_AGENT, "Content-Type": _JSON_TYPE}
_KNOWN_URLS = 64


def _dumps(values: dict[str, Any]) -> bytes:
    """``call``'s plain JSON values (str, int, float, bool, None, lists and dicts of them) as
    a request's body: by orjson (0.8 us against ``json.dumps``'s 23.4 for a typical send;
    compact UTF-8, which the Bot API reads as it reads ``json.dumps``'s escapes), by
    ``json.dumps`` for an integer beyond 64 bits, which orjson refuses, so the same values
    arrive. One difference is left: a float NaN or infinity, which orjson writes as null
    where ``json.dumps`` writes ``NaN`` (not JSON, which the Bot API would refuse); nothing
    the outbox sends holds one. (Other types are not plain JSON and ``call`` is not given
    them: orjson would write a datetime, dataclass or UUID that ``json.dumps`` refuses.)"""
    try:
        return orjson.dumps(values)
    except orjson.JSONEncodeError:
        return json.dumps(values).encode()


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
        return json.dumps(request_data.parameters).encode(), _JSON_TYPE
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime)
    return form, None
