"""Settings from the environment and ``.env``, checked once at start-up.

A bad setting stops start-up with one plain line naming the setting and what to do about it,
never a traceback: the people who run this are peers and volunteers, not only programmers.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.core.errors import SettingsError
from bot.core.model import AccountRef

_TELEGRAM_TOKEN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,}$")
_DISCORD_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")


#: No IANA timezone name is longer than this (the longest is 32 characters); a longer one is
#: refused before the filesystem sees it (a name over 255 bytes made ZoneInfo raise OSError).
TIMEZONE_MAX = 64


def check_timezone(name: str) -> str:
    try:
        if len(name.encode("utf-8", "replace")) > TIMEZONE_MAX:
            raise ValueError("too long")
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        shown = name if len(name) <= 40 else name[:40] + "…"
        raise ValueError(
            f"'{shown}' is not a timezone; use an IANA name such as America/Vancouver"
        ) from None
    return name


class Settings(BaseSettings):
    """Everything the service reads from its environment. See ``.env.example``."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="forbid",
        case_sensitive=False,
        validate_default=True,
    )

    telegram_bot_token: SecretStr | None = None
    """Token from @BotFather. Unset: Telegram stays off."""

    discord_bot_token: SecretStr | None = None
    """Token from the Discord developer portal. Unset: Discord stays off."""

    telegram_api_base_url: str | None = None
    """A self-hosted Bot API server, e.g. http://127.0.0.1:8081/bot. Unset: Telegram's own."""

    discord_api_base_url: str | None = None
    """Discord REST base, e.g. http://127.0.0.1:9000/api/v10. Unset: Discord's own."""

    discord_gateway_url: str | None = None
    """Discord gateway websocket, e.g. ws://127.0.0.1:9000/gateway. Unset: Discord's own."""

    discord_peer_role: str = "Peer"
    """Name of the Discord role that opens the peer channels."""

    discord_command_guild: int | None = None
    """A server id: sync slash commands to that server only (for trying changes; they are
    then not offered in DMs). Unset: commands are global, in every server and in DMs."""

    database_path: Path = Path("data/peer-circle.sqlite3")
    """The SQLite file. Its folder is created if missing."""

    content_dir: Path = Path("content")
    """Folder of curated content (crisis lines, resources, prompts, wording)."""

    default_timezone: str = "America/Vancouver"
    """Timezone for people who have not chosen one, and for space schedules."""

    network_name: str = "Peer Circle"
    """What the network is called in messages."""

    stewards: Annotated[list[AccountRef], NoDecode] = Field(default_factory=list)
    """First stewards, e.g. telegram:12345,discord:67890."""

    debrief_idle_minutes: int = Field(default=120, ge=15, le=24 * 60)
    """A debrief room closes after this many quiet minutes (15 to 1440)."""

    debrief_warning_minutes: int = Field(default=10, ge=1, le=60)
    """How many minutes before a quiet room closes its people are told (1 to 60)."""

    log_level: str = "INFO"
    """DEBUG, INFO, WARNING or ERROR. Logs never contain message text or tokens."""

    relay_watchdog_seconds: float = Field(default=120.0, gt=0)
    """The bridge's watchdog: a platform connection silent this long is reconnected (and it
    is logged)."""

    uvloop: bool = True
    """Run on uvloop, a faster event loop, where it is installed (Linux and macOS); false:
    asyncio's own loop. See bot/eventloop.py."""

    @field_validator("telegram_bot_token", mode="after")
    @classmethod
    def _telegram_token(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not v.get_secret_value():
            return None
        if v is not None and not _TELEGRAM_TOKEN.match(v.get_secret_value()):
            raise ValueError(
                "this does not look like a Telegram bot token (digits, a colon, then letters);"
                " copy it again from @BotFather"
            )
        return v

    @field_validator("discord_bot_token", mode="after")
    @classmethod
    def _discord_token(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not v.get_secret_value():
            return None
        if v is not None and not _DISCORD_TOKEN.match(v.get_secret_value()):
            raise ValueError(
                "this does not look like a Discord bot token (three parts separated by dots);"
                " copy it again from the developer portal, Bot page"
            )
        return v

    @field_validator("telegram_api_base_url", "discord_api_base_url", "discord_gateway_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            return None
        if v is not None and not re.match(r"^(https?|wss?)://[^\s/]+", v):
            raise ValueError(f"'{v}' is not a web address starting with http:// or ws://")
        return v.rstrip("/") if v else v

    @field_validator("discord_command_guild", mode="before")
    @classmethod
    def _guild(cls, v: Any) -> Any:
        if isinstance(v, str):
            if not v.strip():
                return None
            if not v.strip().isdigit():
                raise ValueError(
                    "use the server's id (a long number: right-click the server, Copy Server ID)"
                )
        return v

    @field_validator("default_timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return check_timezone(v)

    @field_validator("log_level")
    @classmethod
    def _level(cls, v: str) -> str:
        level = v.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("use DEBUG, INFO, WARNING or ERROR")
        return level

    @field_validator("stewards", mode="before")
    @classmethod
    def _stewards(cls, v: Any) -> list[AccountRef]:
        if isinstance(v, str):
            return [AccountRef.parse(part) for part in v.split(",") if part.strip()]
        return list(v or [])

    @property
    def console_only(self) -> bool:
        return self.telegram_bot_token is None and self.discord_bot_token is None

    def secrets(self) -> list[str]:
        """Values that must never appear in a log line."""
        return [
            t.get_secret_value()
            for t in (self.telegram_bot_token, self.discord_bot_token)
            if t is not None
        ]


def load_settings(**overrides: Any) -> Settings:
    """Read settings, turning validation errors into one plain line (SettingsError)."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]).upper() if err["loc"] else "SETTINGS"
        msg = str(err.get("msg", "is not valid")).removeprefix("Value error, ")
        if err.get("type") == "extra_forbidden":
            raise SettingsError(
                f"{name}: Peer Circle has no such setting. Check the spelling against"
                " .env.example, or remove it."
            ) from None
        raise SettingsError(f"{name}: {msg}.") from None
