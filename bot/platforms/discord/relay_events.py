"""Discord messages people post, edit and delete, as the relay's neutral events.

Kept apart from the client so the client can call it: the bot's own messages and every
webhook's posts are never events (no loops), and only messages people write (not joins, pins
or other system messages) are.
"""

from __future__ import annotations

import discord

from bot.core.events import (
    Actor,
    Conversation,
    MessageEdited,
    MessagePosted,
    MessagesDeleted,
)
from bot.core.model import AccountRef, Platform
from bot.platforms.discord import relay_format, relay_media


def _conversation(channel_id: int, guild_id: int | None) -> Conversation:
    return Conversation(Platform.DISCORD, str(channel_id), guild_id is None)


def _actor(message: discord.Message) -> Actor | None:
    author = message.author
    if author.bot or message.webhook_id is not None or author.system:
        return None  # the bot itself, its own (or any) webhook's posts: no loops
    return Actor(AccountRef(Platform.DISCORD, str(author.id)), author.display_name)


def posted(message: discord.Message) -> MessagePosted | None:
    actor = _actor(message)
    if actor is None or message.type not in (
        discord.MessageType.default,
        discord.MessageType.reply,
    ):
        return None
    text, media = relay_media.read(message)
    if not text.text and not media:
        return None
    reference = message.reference
    reply_to = None
    if reference is not None and reference.message_id and message.type is discord.MessageType.reply:
        reply_to = str(reference.message_id)
    guild_id = message.guild.id if message.guild else None
    return MessagePosted(
        _conversation(message.channel.id, guild_id),
        actor,
        str(message.id),
        text,
        reply_to=reply_to,
        media=media,
        at=message.created_at,
    )


def edited(payload: discord.RawMessageUpdateEvent) -> MessageEdited | None:
    message = payload.message
    actor = _actor(message)
    if actor is None or "content" not in payload.data:
        return None  # an embed appearing is not an edit anyone made
    return MessageEdited(
        _conversation(payload.channel_id, payload.guild_id),
        actor,
        str(payload.message_id),
        relay_format.from_message(message),
    )


def deleted(
    payload: discord.RawMessageDeleteEvent | discord.RawBulkMessageDeleteEvent,
    dm_with: discord.abc.User | None = None,
) -> MessagesDeleted:
    if isinstance(payload, discord.RawBulkMessageDeleteEvent):
        ids = tuple(str(i) for i in sorted(payload.message_ids))
    else:
        ids = (str(payload.message_id),)
    actor = None
    if dm_with is not None:
        actor = Actor(AccountRef(Platform.DISCORD, str(dm_with.id)), dm_with.display_name)
    return MessagesDeleted(_conversation(payload.channel_id, payload.guild_id), ids, actor)
