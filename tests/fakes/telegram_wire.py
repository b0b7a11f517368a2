"""The fake Bot API's wire level: decoding requests as PTB sends them (form fields, JSON-encoded
values, multipart files), Telegram-shaped error answers, and the misbehaviour it can be told to
show (injected errors and delays, Telegram's sending limits)."""

from __future__ import annotations

import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
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


@dataclass
class Rule:
    method: str
    times: int
    status: int | None = None
    retry_after: int | None = None
    delay: float = 0.0
    chat_id: int | None = None
    description: str | None = None  # the error text, when not the status's usual one


@dataclass
class Limits:
    """Telegram's sending limits as sliding windows over accepted sends."""

    bot: deque[float] = field(default_factory=deque)
    chats: dict[int, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def wait(self, chat_id: int, now: float) -> float:
        """Seconds until a send to ``chat_id`` would be within the limits (0: now)."""
        chat = (1, 1.0) if chat_id > 0 else (20, 60.0)
        for times, (count, period) in ((self.bot, (30, 1.0)), (self.chats[chat_id], chat)):
            while times and times[0] <= now - period:
                times.popleft()
            if len(times) >= count:
                return times[0] + period - now
        return 0.0

    def take(self, chat_id: int, now: float) -> None:
        self.bot.append(now)
        self.chats[chat_id].append(now)


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
