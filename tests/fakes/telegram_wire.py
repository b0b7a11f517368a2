"""The fake Bot API's wire level: decoding requests as PTB sends them (form fields, JSON-encoded
values, multipart files), Telegram-shaped error answers, and the misbehaviour it can be told to
show (injected errors and delays; Telegram's sending limits are in ``telegram_limits``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.conformance.recorder import check_telegram
from tests.fakes.telegram_methods import Files, Params
from tests.fakes.telegram_world import ApiError, BotMessage

# Parameters that stay strings; everything else arrives JSON-encoded (numbers, objects, lists).
_STRINGS = {"text", "caption", "parse_mode", "callback_query_id", "name", "url", "language_code"}


@dataclass
class Call:
    method: str
    params: Params
    files: Files
    at: float
    status: int
    message: BotMessage | None = None
    error: str | None = None  # the description of an error answer, as sent
    #: When the answer was written to the connection (``time.monotonic``, like ``at``); None
    #: if it could not be (the bot had gone).
    answered: float | None = None
    #: The client's port: which of the bot's connections carried it.
    peer: int = 0
    cut_short: bool = False  # answered 200 with its JSON cut short (``FakeTelegram.cut_short``)


@dataclass
class Rule:
    method: str
    times: int
    status: int | None = None
    retry_after: int | None = None
    delay: float = 0.0
    chat_id: int | None = None
    description: str | None = None  # the error text, when not the status's usual one
    after: int = 0  # matching calls let through before the rule applies
    cut_short: bool = False  # done, then answered 200 with the JSON cut short (not JSON)


async def decode(request: web.Request) -> tuple[Params, Files]:
    params: Params = {}
    files: Files = {}
    if request.content_type == "application/json":
        return dict(await request.json()), files
    form = await request.post()
    for key, value in list(form.items()) + list(request.query.items()):
        if isinstance(value, web.FileField):
            files[key] = (value.filename, value.file.read())
        elif key in _STRINGS:
            params[key] = value
        else:
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
    return params, files


async def conform(request: web.Request, method: str, files: Files) -> None:
    """Hand the request, as the server received it, to the conformance check."""
    if request.content_type == "application/json":
        check_telegram(method, dict(await request.json()), frozenset(files), form=False)
        return
    form = await request.post()  # aiohttp keeps the parsed form: no second read
    raw = {k: v for k, v in form.items() if not isinstance(v, web.FileField)}
    check_telegram(method, raw | dict(request.query), frozenset(files), form=True)


def injected(rule: Rule) -> ApiError:
    if rule.status == 429:
        retry = rule.retry_after or 1
        return ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
    if rule.description is not None:
        return ApiError(rule.status or 500, rule.description)
    return ApiError(rule.status or 500, "Internal Server Error")


def error_answer(exc: ApiError) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
    if exc.parameters:
        body["parameters"] = exc.parameters
    return web.json_response(body, status=exc.code)
