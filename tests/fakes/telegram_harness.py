"""Running the real service with the real Telegram adapter against the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.core.commands import Router
from bot.platforms.base import PlatformAdapter
from bot.platforms.telegram import TelegramPlatform
from bot.service import Service, running
from handlers import ROUTERS
from tests.fakes.telegram_server import FakeTelegram
from tests.helpers import make_settings


@asynccontextmanager
async def fake_telegram(**options: Any) -> AsyncIterator[FakeTelegram]:
    fake = await FakeTelegram(**options).start()
    try:
        yield fake
    finally:
        await fake.stop()


def telegram_settings(tmp_path: Path, fake: FakeTelegram, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": fake.token,
        "telegram_api_base_url": fake.base_url,
    }
    return make_settings(tmp_path, **(values | overrides))


def adapter(settings: Settings, **options: Any) -> TelegramPlatform:
    """The adapter with short timeouts so tests that inject failures stay quick."""
    values: dict[str, Any] = {"read_timeout": 3.0, "poll_timeout": 5.0, "backoff": (0.2, 2.0)}
    return TelegramPlatform(settings, **(values | options))


@asynccontextmanager
async def telegram_service(
    settings: Settings,
    *,
    routers: Sequence[Router] = ROUTERS,
    others: Sequence[PlatformAdapter] = (),
    **options: Any,
) -> AsyncIterator[tuple[Service, TelegramPlatform]]:
    platform = adapter(settings, **options)
    async with running(settings, adapters=[platform, *others], routers=routers) as svc:
        yield svc, platform
