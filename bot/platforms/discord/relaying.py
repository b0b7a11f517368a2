"""Discord for the relay engine: messages people post, edit and delete as neutral events; the
relay port (files fetched from Discord's CDN, the guild's own upload limit, history paged for
catch-up, reconnecting the gateway); and relayed messages sent "as" their author through a
channel webhook the bot creates once and reuses.

Why webhooks: they show each author's name (and an avatar where a URL exists that holds no
token), which a bot's own messages cannot. They cannot reply, so a reply crosses as a short
line with a link to the message it answers (no quoted text, so a deleted message's words are
never left behind in a quote). Everything posted through them allows no mentions but those the
relay resolved to linked members, so no @everyone, @here or role ping ever crosses.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import discord
from discord.utils import MISSING

from bot.core.events import MediaRef, MessagePosted
from bot.core.model import Platform
from bot.core.richtext import RichText, Style
from bot.outbox import delivered_parts
from bot.outbox.message import Destination, Op, OutgoingMessage, Relayed
from bot.platforms.discord import relay_format, relay_media
from bot.platforms.discord.client import PeerClient
from bot.platforms.discord.relay_events import posted
from bot.platforms.discord.render import MAX_TEXT, nonce
from bot.relay.ports import Fetched

log = logging.getLogger(__name__)

#: The name of the webhook the bot makes in each bridged channel.
WEBHOOK_NAME = "Peer Circle bridge"
_UNKNOWN_WEBHOOK = 10015
_UNKNOWN_MESSAGE = 10008
_INVALID_FORM = 50035
_NAME_LIMIT = 80


# -- sending as an author --------------------------------------------------------------------------


def allowed_mentions(rich: RichText) -> discord.AllowedMentions:
    """Only the members the relay resolved to a Discord account may be pinged."""
    users = [
        discord.Object(id=int(s.account.user_id))
        for s in rich.spans
        if s.style is Style.MENTION
        and s.account is not None
        and s.account.platform is Platform.DISCORD
    ]
    return discord.AllowedMentions(
        everyone=False, roles=False, users=users or False, replied_user=False
    )


def safe_name(name: str) -> str:
    """A webhook username Discord accepts: 1-80 characters, not naming Discord or Clyde."""
    cleaned = name.replace("discord", "disc\u200bord").replace("Discord", "Disc\u200bord")
    cleaned = cleaned.replace("clyde", "cly\u200bde").replace("Clyde", "Cly\u200bde").strip()
    return (cleaned or "Someone")[:_NAME_LIMIT]


class Webhooks:
    """One webhook per bridged channel, found or created once, recreated if deleted."""

    def __init__(self, client: Callable[[], PeerClient | None]) -> None:
        self._client = client
        self._hooks: dict[int, discord.Webhook] = {}

    async def get(self, channel: discord.TextChannel) -> discord.Webhook:
        known = self._hooks.get(channel.id)
        if known is not None:
            return known
        client = self._client()
        me = client.user if client else None
        for hook in await channel.webhooks():
            if (
                hook.token
                and hook.name == WEBHOOK_NAME
                and me
                and hook.user
                and hook.user.id == me.id
            ):
                self._hooks[channel.id] = hook
                return hook
        hook = await channel.create_webhook(name=WEBHOOK_NAME, reason="Peer Circle: the bridge")
        self._hooks[channel.id] = hook
        return hook

    def forget(self, channel_id: int) -> None:
        self._hooks.pop(channel_id, None)


class RelaySender:
    """Relayed messages to a Discord channel through its webhook; to a direct message (a
    debrief room) as the bot, with the author's name in bold and native replies."""

    def __init__(self, client: Callable[[], PeerClient | None]) -> None:
        self._client = client
        self.webhooks = Webhooks(client)

    async def deliver(
        self, channel: discord.abc.Messageable, message: OutgoingMessage
    ) -> list[str]:
        if isinstance(channel, discord.TextChannel):
            try:
                return await self._by_webhook(channel, message)
            except discord.NotFound as exc:
                if exc.code != _UNKNOWN_WEBHOOK:
                    raise
                log.info("discord: the bridge's webhook was deleted; making a new one")
                self.webhooks.forget(channel.id)
                return await self._by_webhook(channel, message)
        return await self._as_bot(channel, message)

    async def _by_webhook(
        self, channel: discord.TextChannel, message: OutgoingMessage
    ) -> list[str]:
        hook = await self.webhooks.get(channel)
        if message.op is Op.DELETE:
            for part in message.parts or (str(message.target_id),):
                await self._delete(hook, channel, int(part))
            return []
        authors = {r.author for r in message.relayed}
        rich = message.relayed_text(names=len(authors) > 1)
        first = message.relayed[0]
        parts = relay_format.markdown_parts(rich) if rich.text else []
        if message.op is Op.SEND and first.quote:
            link = channel.get_partial_message(int(first.quote)).jump_url
            line = f"-# ↪ [{_reply_label(first)}]({link})\n"
            parts = (
                [line + parts[0]]
                if parts and len(line + parts[0]) <= MAX_TEXT
                else [line.rstrip(), *parts]
            )
        mentions = allowed_mentions(rich)
        name = safe_name(first.author) if len(authors) == 1 else WEBHOOK_NAME
        avatar = first.avatar_url if len(authors) == 1 else None
        if message.op is Op.EDIT:
            return await self._edit_parts(hook, channel, message, parts, mentions, name, avatar)
        return await self._send_parts(hook, message, parts, mentions, name, avatar)

    async def _send_parts(
        self,
        hook: discord.Webhook,
        message: OutgoingMessage,
        parts: list[str],
        mentions: discord.AllowedMentions,
        name: str,
        avatar: str | None,
    ) -> list[str]:
        done = delivered_parts()  # sent by an earlier try, or before a restart: not again
        file = _file(message)
        if not parts and file is None:
            parts = ["\u200b"]
        done.expect(parts or [""])
        for index, content in enumerate(parts or [""]):
            if index < len(done):
                continue
            ids: list[str] = []  # one, or a few when the part went as plain text
            last = index == max(len(parts), 1) - 1
            attach = file if last and file is not None else None
            try:
                sent = await hook.send(
                    content=content or MISSING,
                    username=name,
                    avatar_url=avatar or MISSING,
                    allowed_mentions=mentions,
                    file=attach or MISSING,
                    wait=True,
                )
            except discord.HTTPException as exc:
                if exc.code != _INVALID_FORM or not content:
                    raise
                # Discord refused the markup: the same words as plain text, never dropped.
                plain = relay_format.plain_fallback(content)
                for n, words in enumerate(plain):
                    if attach is not None:
                        attach.reset()
                    sent = await hook.send(
                        content=words,
                        username=name,
                        avatar_url=avatar or MISSING,
                        allowed_mentions=discord.AllowedMentions.none(),
                        file=attach if attach is not None and n == len(plain) - 1 else MISSING,
                        wait=True,
                    )
                    if n < len(plain) - 1:
                        ids.append(str(sent.id))
            ids.append(str(sent.id))
            done.sent(*ids)
        return done.ids()

    async def _edit_parts(
        self,
        hook: discord.Webhook,
        channel: discord.TextChannel,
        message: OutgoingMessage,
        parts: list[str],
        mentions: discord.AllowedMentions,
        name: str,
        avatar: str | None,
    ) -> list[str]:
        old = list(message.parts) or [str(message.target_id)]
        done = delivered_parts()  # an added part sent before a retry is not sent again
        done.expect(parts)
        for index, content in enumerate(parts):
            if index < len(done):
                continue
            if index < len(old):
                await hook.edit_message(int(old[index]), content=content, allowed_mentions=mentions)
                done.sent(old[index])
            else:
                sent = await hook.send(
                    content=content, username=name, avatar_url=avatar or MISSING,
                    allowed_mentions=mentions, wait=True,
                )  # fmt: skip
                done.sent(str(sent.id))
        ids = done.ids()
        for extra in old[len(ids) :]:
            await self._delete(hook, channel, int(extra))
        return ids

    async def _delete(
        self, hook: discord.Webhook, channel: discord.TextChannel, message_id: int
    ) -> None:
        """A copy the webhook posted, or (``/delete``) someone's original, which needs the
        bot's Manage Messages permission."""
        try:
            await hook.delete_message(message_id)
            return
        except discord.NotFound as exc:
            if exc.code == _UNKNOWN_WEBHOOK:
                raise
        except discord.Forbidden:
            pass
        try:
            await channel.get_partial_message(message_id).delete()
        except discord.NotFound:
            return  # already gone

    async def _as_bot(
        self, channel: discord.abc.Messageable, message: OutgoingMessage
    ) -> list[str]:
        target_channel: Any = channel  # a DM channel (any messageable with partial messages)
        if message.op is Op.DELETE:
            for part in message.parts or (str(message.target_id),):
                with contextlib.suppress(discord.NotFound):
                    await target_channel.get_partial_message(int(part)).delete()
            return []
        rich = message.relayed_text()
        parts = relay_format.markdown_parts(rich) if rich.text else []
        mentions = allowed_mentions(rich)
        done = delivered_parts()  # sent by an earlier try, or before a restart: not again
        done.expect(parts or [""])
        if message.op is Op.EDIT:
            old = list(message.parts) or [str(message.target_id)]
            for index, content in enumerate(parts):
                if index < len(done):
                    continue
                if index < len(old):
                    await target_channel.get_partial_message(int(old[index])).edit(
                        content=content, allowed_mentions=mentions
                    )
                    done.sent(old[index])
                else:
                    sent = await target_channel.send(content, allowed_mentions=mentions)
                    done.sent(str(sent.id))
            ids = done.ids()
            for extra in old[len(ids) :]:
                with contextlib.suppress(discord.NotFound):
                    await target_channel.get_partial_message(int(extra)).delete()
            return ids
        file = _file(message)
        for index, content in enumerate(parts or [""]):
            if index < len(done):
                continue
            last = index == max(len(parts), 1) - 1
            reference = None
            if index == 0 and message.reply_to:
                reference = discord.MessageReference(
                    message_id=int(message.reply_to),
                    channel_id=target_channel.id,
                    fail_if_not_exists=False,
                )
            sent = await target_channel.send(
                content or None,
                allowed_mentions=mentions,
                file=file if last and file is not None else MISSING,
                reference=reference,  # None is send's own default; MISSING is refused
                nonce=nonce(message, done, index, content),
            )
            done.sent(str(sent.id))
        return done.ids()


def _reply_label(relayed: Relayed) -> str:
    return "replying to a message"


def _file(message: OutgoingMessage) -> discord.File | None:
    return None if message.attachment is None else relay_media.to_file(message.attachment)


# -- the port -------------------------------------------------------------------------------------


class DiscordRelay:
    """The relay port of the Discord adapter."""

    def __init__(self, client: Callable[[], PeerClient | None]) -> None:
        self._client = client

    @property
    def last_event(self) -> float:
        client = self._client()
        return client.last_frame if client is not None else 0.0

    def upload_limit(self, destination: Destination, media: MediaRef) -> int:
        client = self._client()
        guild = None
        if destination.kind == "chat" and client is not None:
            channel = client.get_channel(int(destination.id))
            guild = getattr(channel, "guild", None)
        return relay_media.upload_limit(guild if isinstance(guild, discord.Guild) else None)

    async def fetch(self, media: MediaRef, limit: int) -> Fetched:
        client = self._client()
        if client is None:
            raise ConnectionError("not connected to Discord")
        return await relay_media.fetch(client, media, limit)

    async def history(
        self, chat_id: str, after: str | None, since: datetime
    ) -> AsyncIterator[MessagePosted]:
        client = self._client()
        if client is None:
            return
        if after is None:
            return  # nothing relayed here yet: the conversation starts now, not 24 h back
        channel = client.get_channel(int(chat_id)) or await client.fetch_channel(int(chat_id))
        if not isinstance(channel, discord.abc.Messageable):
            return
        # discord.py pages through all of it, 100 at a time, oldest first: no cap.
        async for message in channel.history(
            limit=None, after=discord.Object(id=int(after)), oldest_first=True
        ):
            if message.created_at < since:
                continue  # older than the window catch-up covers
            event = posted(message)
            if event is not None:
                yield event

    async def reconnect(self) -> None:
        client = self._client()
        if client is not None and client.ws is not None:
            await client.ws.close(code=4000)  # discord.py reconnects and resumes
