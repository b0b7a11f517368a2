"""How the fake Discord records requests and breaks on purpose: every REST call is kept
(method, path, JSON, file names, status), and :class:`Fault` answers matching requests with a
429 (with Discord's body and ``X-RateLimit`` headers, optionally global), any other error
status, or late (before carrying it out, or after: ``held``)."""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes.discord_model import json_response


@dataclass
class Call:
    method: str
    path: str  # without /api/v10
    json: Any
    files: list[str]
    status: int = 0


@dataclass
class Fault:
    """Answer matching requests with an error (or answer them late) ``times`` times."""

    method: str
    path: re.Pattern[str]
    status: int | None
    times: int
    retry_after: float = 1.0
    is_global: bool = False
    code: int = 0
    delay: float = 0.0
    #: Carry the request out, but answer only once this is set (an answer lost in flight).
    held: asyncio.Event | None = None
    hits: int = 0
    #: Matching requests let through before the fault applies (a long message's later parts).
    after: int = 0

    def response(self) -> web.Response:
        assert self.status is not None
        if self.status != 429:
            return error(self.status, self.code, f"injected {self.status}")
        headers = {
            "Retry-After": str(max(1, round(self.retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + self.retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{self.retry_after:.3f}",
            "X-RateLimit-Scope": "global" if self.is_global else "user",
            "Via": "1.1 google",
        }
        if self.is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {
            "message": "You are being rate limited.",
            "retry_after": self.retry_after,
            "global": self.is_global,
            "code": 0,
        }
        return json_response(body, status=429, headers=headers)


def needs_auth(path: str) -> bool:
    return not path.startswith(
        ("/interactions/", "/webhooks/", "/gateway", "/cdn/", "/attachments/", "/stickers/")
    )


async def parse_body(request: web.Request) -> tuple[Any, list[str]]:
    """JSON, or multipart with ``payload_json`` and ``files[n]`` (as discord.py sends)."""
    if not request.can_read_body:
        return None, []
    if request.content_type.startswith("multipart/"):
        form = await request.post()
        files = [
            f.filename for k, f in form.items() if k.startswith("files[") and hasattr(f, "filename")
        ]
        raw = form.get("payload_json")
        return (json.loads(str(raw)) if raw else None), files
    text = await request.text()
    return (json.loads(text) if text else None), []


def error(status: int, code: int, message: str) -> web.Response:
    return json_response({"message": message, "code": code}, status=status)
