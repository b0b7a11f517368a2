"""Answering slash commands and button presses on the interaction itself.

Why these answers bypass the outbox: an interaction is answered through its own webhook
token, valid for 15 minutes, which is not subject to the channel's 5-per-5-seconds limit the
outbox paces for, and which only this process can use while the token lives, so queueing the
answer (perhaps across a restart) would only make it late or impossible. Answering in place is
also the only way to answer privately in a server channel: PERSONAL and DISCREET replies are
ephemeral (only the person who asked sees them), SPACE replies are public.

Discord wants a first answer within 3 seconds. If dispatch has not finished by ``defer_after``
the interaction is deferred (a private "thinking…" for commands, a silent acknowledgement for
buttons) and the replies follow when ready. If the interaction cannot be answered at all (it
expired, or the network failed), the remaining replies go through the outbox instead, where
the messenger picks a place that keeps their privacy; nothing is dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import aiohttp
import discord
from discord.utils import MISSING

from bot.core.dispatch import Dispatcher
from bot.core.events import Actor, Conversation
from bot.core.model import AccountRef, Platform
from bot.core.replies import Privacy
from bot.messenger import Prepared
from bot.platforms.discord.render import NO_MENTIONS, render

log = logging.getLogger(__name__)

NETWORK_ERRORS = (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError)


def actor(interaction: discord.Interaction) -> Actor:
    user = interaction.user
    return Actor(AccountRef(Platform.DISCORD, str(user.id)), user.display_name)


def conversation(interaction: discord.Interaction) -> Conversation:
    """A DM with the bot is private; a server channel is a space."""
    return Conversation(
        Platform.DISCORD, str(interaction.channel_id), is_private=interaction.guild_id is None
    )


@dataclass
class _State:
    """What has been said on one interaction so far."""

    button: bool
    placeholder: bool = False  # a private "thinking…" waits to be replaced
    source_is_original: bool = False  # editing the original edits the pressed button's message


class Responder:
    def __init__(self, dispatcher: Dispatcher, defer_after: float) -> None:
        self._dispatcher = dispatcher
        self._defer_after = defer_after

    async def answer(
        self,
        interaction: discord.Interaction,
        produce: Callable[[], Awaitable[list[Prepared]]],
        *,
        button: bool,
        command: str = "",
    ) -> None:
        state = _State(button, source_is_original=button)
        task = asyncio.ensure_future(produce())
        try:
            done, _ = await asyncio.wait({task}, timeout=self._defer_after)
            if not done:
                await self._defer(interaction, state)
            prepared = await task
        finally:
            task.cancel()  # only has an effect if we are being stopped
        for index, reply in enumerate(prepared):
            try:
                await self._send(interaction, reply, state)
            except NETWORK_ERRORS as exc:
                log.warning(
                    "discord: could not answer an interaction in channel %s (%s);"
                    " sending the answer through the outbox",
                    interaction.channel_id,
                    type(exc).__name__,
                )
                await self._through_outbox(interaction, prepared[index:])
                return
        if not prepared:
            await self._nothing(interaction, state, command)

    async def _defer(self, interaction: discord.Interaction, state: _State) -> None:
        try:
            if state.button:
                await interaction.response.defer()
            else:
                await interaction.response.defer(ephemeral=True, thinking=True)
                state.placeholder = True
        except NETWORK_ERRORS as exc:
            log.warning("discord: could not defer an interaction (%s)", type(exc).__name__)

    async def _send(self, interaction: discord.Interaction, reply: Prepared, state: _State) -> None:
        message = reply.message
        rendered = render(message.text, message.buttons, message.attachment)
        ephemeral = reply.privacy is not Privacy.SPACE
        last = len(rendered.chunks) - 1
        for index, chunk in enumerate(rendered.chunks):
            view = rendered.view if index == last else None
            file = rendered.file() if index == last else None
            if (
                index == 0
                and reply.replace
                and state.button
                and state.source_is_original
                and (not ephemeral or _pressed_on_ephemeral(interaction))
            ):
                # A personal answer never overwrites a message everyone can see.
                await self._replace(interaction, chunk, view, file)
                continue
            await self._say(interaction, state, chunk, view, file, ephemeral)

    async def _replace(
        self,
        interaction: discord.Interaction,
        chunk: str | None,
        view: discord.ui.View | None,
        file: discord.File | None,
    ) -> None:
        """Edit the message the pressed button sat on."""
        files = [file] if file else []
        if not interaction.response.is_done():
            await interaction.response.edit_message(content=chunk, view=view, attachments=files)
        else:
            await interaction.edit_original_response(
                content=chunk, view=view, attachments=files, allowed_mentions=NO_MENTIONS
            )

    async def _say(
        self,
        interaction: discord.Interaction,
        state: _State,
        chunk: str | None,
        view: discord.ui.View | None,
        file: discord.File | None,
        ephemeral: bool,
    ) -> None:
        if not interaction.response.is_done():
            await interaction.response.send_message(
                chunk,
                view=view or MISSING,
                file=file or MISSING,
                ephemeral=ephemeral,
                allowed_mentions=NO_MENTIONS,
            )
            state.source_is_original = False
            return
        if state.placeholder:
            state.placeholder = False
            if ephemeral:
                await interaction.edit_original_response(
                    content=chunk,
                    view=view,
                    attachments=[file] if file else MISSING,
                    allowed_mentions=NO_MENTIONS,
                )
                return
            await interaction.delete_original_response()  # the private placeholder
        await interaction.followup.send(
            chunk or MISSING,
            view=view or MISSING,
            file=file or MISSING,
            ephemeral=ephemeral,
            allowed_mentions=NO_MENTIONS,
            wait=True,
        )

    async def _nothing(self, interaction: discord.Interaction, state: _State, command: str) -> None:
        """Dispatch had nothing to say. A button press is acknowledged silently; a command
        gets a short private note, since Discord shows an error when nothing comes back."""
        try:
            if state.button:
                if not interaction.response.is_done():
                    await interaction.response.defer()
                return
            text = self._dispatcher.ctx.text("discord.no_answer", command=command)
            if not interaction.response.is_done():
                await interaction.response.send_message(text, ephemeral=True)
            elif state.placeholder:
                await interaction.edit_original_response(content=text)
        except NETWORK_ERRORS as exc:
            log.warning("discord: could not acknowledge an interaction (%s)", type(exc).__name__)

    async def _through_outbox(
        self, interaction: discord.Interaction, prepared: Sequence[Prepared]
    ) -> None:
        ctx = self._dispatcher.ctx
        who = actor(interaction)
        person = await ctx.repo.people.by_account(who.account)
        pressed = interaction.message
        pressed_id = None
        if pressed is not None and not pressed.flags.ephemeral:
            pressed_id = str(pressed.id)
        await ctx.messenger.reply(
            conversation(interaction),
            who,
            prepared,
            person_id=person.id if person else None,
            pressed_message_id=pressed_id,
        )


def _pressed_on_ephemeral(interaction: discord.Interaction) -> bool:
    """Whether the pressed button sat on a message only this person sees: an ephemeral one,
    or any message in their private chat with the bot."""
    if interaction.guild_id is None:
        return True
    message = interaction.message
    return message is not None and message.flags.ephemeral
