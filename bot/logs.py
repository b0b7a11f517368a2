"""Logging that never carries a token or what anyone wrote.

Our own code logs ids, counts and error types only. Library loggers are capped at INFO (at
DEBUG discord.py and python-telegram-bot print whole payloads, message text included), and
every formatted line passes through a redactor that masks tokens, including the Telegram token
that sits inside Bot API URLs. The one library line that logs a whole answer above INFO (an
unreadable answer from the Bot API, which echoes the message sent) keeps only its length.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO

_TOKEN_IN_URL = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")
_TELEGRAM_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}")
_LIBRARIES = ("discord", "telegram", "httpx", "httpcore", "apscheduler", "aiosqlite", "websockets")


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str], fmt: str) -> None:
        super().__init__(fmt)
        self._secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, "[token]")
        text = _TOKEN_IN_URL.sub("/bot[token]", text)
        return _TELEGRAM_TOKEN.sub("[token]", text)


class _WithoutPayload(logging.Filter):
    """python-telegram-bot logs an answer it cannot read as JSON whole, at ERROR ("Can not
    load invalid JSON data"), and Telegram's answer to a send holds the message's text: the
    line keeps saying what happened and how long the answer was, never what it held."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith("Can not load invalid JSON"):
            held = record.args[0] if isinstance(record.args, tuple) and record.args else ""
            record.msg = "Can not load invalid JSON data (%d characters, not logged)"
            record.args = (len(held) if isinstance(held, str | bytes) else 0,)
            # The traceback's exception (json's) says where parsing stopped, nothing held.
            record.exc_info, record.exc_text = None, None
        return True


_PAYLOAD_LOGGERS = ("telegram.request.BaseRequest",)


def keep_payloads_out() -> None:
    """Put :class:`_WithoutPayload` on the library loggers that would log an answer whole.
    Called where those libraries are used (``bot/platforms/telegram/http.py``, on import),
    so it holds for the service, the tests and one-off commands alike."""
    for name in _PAYLOAD_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _WithoutPayload) for f in logger.filters):
            logger.addFilter(_WithoutPayload())


def configure(level: str, secrets: Iterable[str], stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        RedactingFormatter(secrets, "%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in _LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level)))
    for name in ("httpx", "httpcore", "apscheduler", "aiosqlite"):
        logging.getLogger(name).setLevel(logging.WARNING)
