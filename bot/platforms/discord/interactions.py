"""From a Discord interaction to a neutral event and back: what a slash command, an
autocomplete or a button press does. Answering itself is in ``answers``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import discord
from discord import app_commands

from bot.core.dispatch import Dispatcher
from bot.core.errors import describe_without_text, incident_code
from bot.core.events import AutocompleteEvent, ButtonEvent, CommandEvent
from bot.messenger import Prepared
from bot.platforms.discord.answers import Responder, actor, conversation

log = logging.getLogger(__name__)


class Interactions:
    """The callbacks the slash commands, the autocompletes and :class:`PcButton` call."""

    def __init__(self, dispatcher: Dispatcher, defer_after: float) -> None:
        self._dispatcher = dispatcher
        self._responder = Responder(dispatcher, defer_after)
        self._answering: set[asyncio.Task[Any]] = set()

    async def command(
        self,
        interaction: discord.Interaction,
        name: str,
        subcommand: str | None,
        values: dict[str, object],
    ) -> None:
        event = CommandEvent(
            actor(interaction), conversation(interaction), name, options=values,
            subcommand=subcommand,
        )  # fmt: skip
        await self._answer(interaction, lambda: self._dispatcher.command(event), False, name)

    async def button(self, interaction: discord.Interaction, token: str) -> None:
        pressed = interaction.message
        event = ButtonEvent(
            actor(interaction),
            conversation(interaction),
            token,
            message_id=str(pressed.id) if pressed is not None else None,
        )
        await self._answer(interaction, lambda: self._dispatcher.button(event), True, "")

    async def suggest(
        self,
        interaction: discord.Interaction,
        name: str,
        subcommand: str | None,
        option: str,
        partial: str,
    ) -> list[str]:
        filled = {k: v for k, v in interaction.namespace if k != option}
        event = AutocompleteEvent(
            actor(interaction), conversation(interaction), name, option, partial, subcommand,
            filled,
        )  # fmt: skip
        return await self._dispatcher.autocomplete(event)

    async def tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """discord.py could not run a command (e.g. Discord still shows an old one). Log it
        without what was typed, and answer so the person is not left waiting."""
        code = incident_code()
        log.error("incident %s: a Discord command failed\n%s", code, describe_without_text(error))
        if interaction.response.is_done():
            return
        with contextlib.suppress(discord.HTTPException, aiohttp.ClientError, OSError):
            text = self._dispatcher.ctx.text("core.error", code=code)
            await interaction.response.send_message(text, ephemeral=True)

    async def finish(self, grace: float) -> None:
        """Let answers in progress finish (within ``grace`` seconds), then cancel the rest."""
        if self._answering:
            await asyncio.wait(set(self._answering), timeout=grace)
        for task in list(self._answering):
            task.cancel()

    async def _answer(
        self,
        interaction: discord.Interaction,
        produce: Callable[[], Awaitable[list[Prepared]]],
        button: bool,
        name: str,
    ) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._answering.add(task)
        try:
            await self._responder.answer(interaction, produce, button=button, command=name)
        except Exception as exc:
            log.error(
                "incident %s: answering a Discord %s failed\n%s",
                incident_code(),
                "button" if button else f"/{name}",
                describe_without_text(exc),
            )
        finally:
            if task is not None:
                self._answering.discard(task)
