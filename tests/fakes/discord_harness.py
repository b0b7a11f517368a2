"""Running the service on the real discord.py against the fake Discord, for tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.clock import Clock
from bot.config import Settings
from bot.core.commands import Router
from bot.platforms.discord import DiscordPlatform, Timing
from bot.service import Service, running
from handlers import ROUTERS
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.telegram_server import FakeTelegram
from tests.helpers import make_settings

FAST = Timing(
    defer_after=1.0,
    request_timeout=5.0,
    retry_first=0.1,
    retry_cap=0.5,
    startup_wait=5.0,
    guild_ready_timeout=0.05,
    stop_grace=1.0,
)


def discord_settings(tmp_path: Path, fake: FakeDiscord, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "discord_bot_token": fake.token,
        "discord_api_base_url": fake.api_url,
        "discord_gateway_url": fake.gateway_url,
    }
    values.update(overrides)
    return make_settings(tmp_path, **values)


def both_settings(tmp_path: Path, tg: FakeTelegram, dc: FakeDiscord, **overrides: Any) -> Settings:
    """Settings for one service on both fakes at once."""
    values: dict[str, Any] = {
        "telegram_bot_token": tg.token,
        "telegram_api_base_url": tg.base_url,
    }
    return discord_settings(tmp_path, dc, **(values | overrides))


@asynccontextmanager
async def discord_service(
    settings: Settings,
    *,
    timing: Timing = FAST,
    routers: Sequence[Router] = ROUTERS,
    clock: Clock | None = None,
) -> AsyncIterator[tuple[Service, DiscordPlatform]]:
    adapter = DiscordPlatform(settings, timing=timing)
    async with running(settings, adapters=[adapter], routers=routers, clock=clock) as svc:
        yield svc, adapter
