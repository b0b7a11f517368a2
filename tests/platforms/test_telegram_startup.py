"""Starting on Telegram: a bad token is one plain line, a network that is down is waited out
in the background, and logs never hold a token or what anyone wrote."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import logs
from bot.core.errors import SettingsError
from bot.core.model import Platform
from bot.core.replies import Reply
from bot.outbox import Destination
from tests.fakes.telegram_harness import (
    adapter,
    fake_telegram,
    telegram_service,
    telegram_settings,
)
from tests.fakes.telegram_server import FakeTelegram
from tests.helpers import CONTENT, console_service

WRONG_TOKEN = "700100200:AAWrongTokenWrongTokenWrongToken_zz9"


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """Our own logging set-up writing to a buffer; the previous set-up comes back after."""
    root = logging.getLogger()
    names = ("telegram", "httpx", "httpcore", "apscheduler", "aiosqlite", "discord", "websockets")
    saved = list(root.handlers), root.level, {n: logging.getLogger(n).level for n in names}
    stream = io.StringIO()
    yield stream
    handlers, level, levels = saved
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_an_invalid_token_stops_start_up_with_one_plain_line(
    tmp_path: Path, log_stream: io.StringIO
) -> None:
    async with fake_telegram() as fake:
        settings = telegram_settings(tmp_path, fake, telegram_bot_token=WRONG_TOKEN)
        logs.configure("DEBUG", settings.secrets(), log_stream)
        with pytest.raises(SettingsError) as raised:
            async with telegram_service(settings):
                pass
    line = str(raised.value)
    assert line.startswith("TELEGRAM_BOT_TOKEN: ") and "@BotFather" in line
    assert "\n" not in line and WRONG_TOKEN not in line
    assert WRONG_TOKEN.split(":")[1] not in log_stream.getvalue()


async def test_the_command_line_prints_the_token_problem_and_exits_2(tmp_path: Path) -> None:
    async with fake_telegram() as fake:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": WRONG_TOKEN,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
            "CONTENT_DIR": str(CONTENT),
        }
        env.pop("DISCORD_BOT_TOKEN", None)
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=tmp_path,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        async with asyncio.timeout(60):
            _, err = await process.communicate()
    stderr = err.decode()
    assert process.returncode == 2, stderr
    assert stderr.strip().splitlines()[-1].startswith("TELEGRAM_BOT_TOKEN: Telegram does not")
    assert "Traceback" not in stderr
    assert WRONG_TOKEN.split(":")[1] not in stderr


async def test_a_network_down_at_start_is_retried_without_holding_up_the_rest(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    fake = FakeTelegram()
    fake.port = free_port()
    settings = telegram_settings(tmp_path, fake)
    telegram = adapter(settings, backoff=(0.2, 1.0))
    async with console_service(settings, adapters=[telegram]) as (_, console):
        # Telegram is unreachable, yet the console answers at once.
        assert "/crisis" in await console.say("/help")
        await fake.start(fake.port)
        try:
            user = fake.user("Ash")
            fake.say(user, "/crisis")
            [answer] = await fake.wait_messages(user.id, timeout=20)
        finally:
            await fake.stop()
    assert "9-8-8" in answer.plain
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("bot.platforms")]
    assert any("cannot reach the Bot API yet" in m for m in messages)
    assert any(m.startswith("telegram: connected as @") for m in messages)


async def test_logs_hold_neither_tokens_nor_what_anyone_wrote(
    tmp_path: Path, log_stream: io.StringIO
) -> None:
    async with fake_telegram() as fake:
        user, group = fake.user("Val"), fake.group()
        settings = telegram_settings(tmp_path, fake, log_level="DEBUG")
        logs.configure("DEBUG", settings.secrets(), log_stream)
        # httpx prints every request URL, token included; let it, to see it masked.
        logging.getLogger("httpx").setLevel(logging.INFO)
        fake.fail("sendMessage", 500, chat_id=group.id)
        blocked = fake.user("Bex")
        fake.block(blocked)
        async with telegram_service(settings) as (svc, _):
            fake.say(user, "my private words about a hard shift")
            fake.say(user, "/crisis so much pain tonight", group)
            space = Destination(Platform.TELEGRAM, "chat", str(group.id))
            await svc.ctx.messenger.to_destination(space, Reply("Quiet reminder for nights"))
            them = Destination(Platform.TELEGRAM, "user", str(blocked.id))
            await svc.ctx.messenger.to_destination(them, Reply("Checking in softly"))
            # The hint and the "didn't understand" answer reach Val privately.
            await fake.wait_messages(user.id, 2)
            await fake.wait_messages(group.id)
            assert await svc.ctx.outbox.drain(timeout=10)
    out = log_stream.getvalue()
    assert "/bot[token]/sendMessage" in out  # the URLs were logged, masked
    assert fake.token.split(":")[1] not in out
    assert "telegram:chat:" in out  # the failed delivery is logged with where it went
    for words in ("private words", "pain tonight", "Quiet reminder", "Checking in softly"):
        assert words not in out


async def test_a_permanent_error_at_start_gives_one_plain_line_and_stops(
    tmp_path: Path,
) -> None:
    """The fault: python-telegram-bot's BadRequest is a NetworkError, so a refusal at start
    was retried for ever in the background and polling never began."""
    async with fake_telegram() as fake:
        fake.fail("setMyCommands", 400, description="Bad Request: BOT_COMMAND_INVALID")
        with pytest.raises(SettingsError) as raised:
            async with telegram_service(telegram_settings(tmp_path, fake)):
                pass
        tries = len(fake.calls_of("setMyCommands"))
    line = str(raised.value)
    assert line.startswith("TELEGRAM_BOT_TOKEN: Telegram refused to start the bot")
    assert "Bot_command_invalid" in line and "\n" not in line
    assert tries == 1 and fake.polls == 0
