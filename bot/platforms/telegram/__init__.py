"""Telegram, on python-telegram-bot 22. See ``platform.py`` for the adapter and
``docs/setup-telegram.md`` for creating the bot."""

from bot.platforms.telegram.platform import TelegramPlatform

__all__ = ["TelegramPlatform"]
