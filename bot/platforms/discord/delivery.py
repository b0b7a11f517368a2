"""Sending, editing and deleting through Discord's REST API for the outbox, and mapping what
goes wrong to what the outbox should do next.

discord.py retries a 429 by sleeping inside the request. A short wait only holds up the one
destination whose outbox worker is waiting, never the others (each destination has its own
worker). Longer waits are not slept: the client is built with ``max_ratelimit_timeout``, so
discord.py raises ``RateLimited`` instead, which becomes :class:`RetryLater` and the row stays
queued (in the table, so a restart keeps it). A global 429 (``X-RateLimit-Global``) is noticed
on its way in and pauses the whole platform rather than one destination.

Every part of an outbox message is sent with a nonce made from its outbox rows
(``render.nonce``), and discord.py asks Discord to enforce it: a request whose answer was lost
(a timeout, or a crash while it was in flight) and is sent again after a retry or a restart
gets back the message Discord already made, and nobody sees it twice. Relayed messages posted
through a channel's webhook have no such field (Execute Webhook takes no nonce).
"""

from __future__ import annotations

import asyncio
import logging
import time
from types import SimpleNamespace
from typing import Any

import aiohttp
import discord
from discord.utils import MISSING

from bot.outbox import Destination, Op, OutgoingMessage, delivered_parts
from bot.outbox.delivery import PermanentFailure, RetryLater, TransientFailure
from bot.platforms.discord.client import PeerClient
from bot.platforms.discord.relaying import RelaySender
from bot.platforms.discord.render import NO_MENTIONS, nonce, render

log = logging.getLogger(__name__)

_CANNOT_DM = 50007  # DMs closed, the bot blocked, or no server shared with it
_REFUSALS = {
    _CANNOT_DM: "cannot send messages to this user (DMs closed or the bot is blocked)",
    50001: "the bot cannot see this channel",
    50013: "the bot lacks permission in this channel",
    160002: "the bot cannot read message history in this channel, which replies need",
}
_MISSING = {
    10003: "unknown channel",
    10008: "unknown message",
    10013: "unknown user",
}


class Sender:
    """The outbox side of the adapter. ``client`` is set once logged in."""

    def __init__(self, request_timeout: float) -> None:
        self.client: PeerClient | None = None
        self.logged_in = asyncio.Event()
        self._timeout = request_timeout
        self._dm_channels: dict[str, int] = {}
        self.relayed = RelaySender(lambda: self.client)
        self._global_until = 0.0
        self.trace = aiohttp.TraceConfig()
        self.trace.on_request_end.append(self._watch_global_limit)

    async def _watch_global_limit(
        self,
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        headers = params.response.headers
        if params.response.status == 429 and headers.get("X-RateLimit-Global") == "true":
            wait = float(headers.get("Retry-After", "1"))
            self._global_until = max(self._global_until, time.monotonic() + wait)

    async def deliver(self, destination: Destination, message: OutgoingMessage) -> list[str]:
        try:
            async with asyncio.timeout(self._timeout):
                return await self._deliver(destination, message)
        except discord.RateLimited as exc:
            is_global = time.monotonic() < self._global_until
            raise RetryLater(exc.retry_after, "platform" if is_global else "destination") from None
        except discord.Forbidden as exc:
            reason = _REFUSALS.get(exc.code, "Discord refused it (403)")
            unreachable = exc.code == _CANNOT_DM
            raise PermanentFailure(f"{reason} [{exc.code}]", unreachable=unreachable) from None
        except discord.NotFound as exc:
            if message.op is Op.DELETE:
                return []  # already gone, which is what was wanted
            raise PermanentFailure(f"{_MISSING.get(exc.code, 'not found')} [{exc.code}]") from None
        except discord.DiscordServerError as exc:
            raise TransientFailure(f"Discord answered {exc.status}") from None
        except discord.HTTPException as exc:
            if exc.status == 429:  # answered without Discord's own headers, e.g. by a proxy
                raise RetryLater(_retry_after(exc.response)) from None
            raise PermanentFailure(f"Discord refused it ({exc.status}) [{exc.code}]") from None
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise TransientFailure(type(exc).__name__) from None
        except ValueError:
            raise PermanentFailure("not a Discord id") from None

    async def _deliver(self, destination: Destination, message: OutgoingMessage) -> list[str]:
        client = await self._client()
        if message.relayed or message.parts:
            channel_id = await self._channel_id(client, destination)
            found = client.get_channel(channel_id) if destination.kind == "chat" else None
            if destination.kind == "chat" and found is None:
                found = await client.fetch_channel(channel_id)
            text_channel = found if isinstance(found, discord.TextChannel) else None
            return await self.relayed.deliver(
                text_channel or client.get_partial_messageable(channel_id), message
            )
        channel = client.get_partial_messageable(await self._channel_id(client, destination))
        if message.op is Op.DELETE:
            await channel.get_partial_message(int(message.target_id or "")).delete()
            return []
        rendered = render(message.text, message.buttons, message.attachment)
        if message.op is Op.EDIT:
            target = channel.get_partial_message(int(message.target_id or ""))
            file = rendered.file()
            await target.edit(
                content=rendered.chunks[0],
                view=rendered.view,
                attachments=[file] if file else MISSING,
                allowed_mentions=NO_MENTIONS,
            )
            return [str(target.id)]
        reference = None
        if message.reply_to:
            reference = discord.MessageReference(
                message_id=int(message.reply_to), channel_id=channel.id, fail_if_not_exists=False
            )
        done = delivered_parts()  # sent by an earlier try, or before a restart: not again
        done.expect([chunk or "" for chunk in rendered.chunks])
        last = len(rendered.chunks) - 1
        for index, chunk in enumerate(rendered.chunks):
            if index < len(done):
                continue
            view, file = (rendered.view, rendered.file()) if index == last else (None, None)
            replying: dict[str, Any] = {"reference": reference} if index == 0 and reference else {}
            replying["nonce"] = nonce(message, done, index, chunk)  # None: discord.py picks one
            sent = await channel.send(
                chunk,
                view=view or MISSING,
                file=file or MISSING,
                allowed_mentions=NO_MENTIONS,
                **replying,
            )
            done.sent(str(sent.id))
        return done.ids()

    async def _client(self) -> PeerClient:
        """Wait (within the request timeout) for the adapter to be logged in."""
        await self.logged_in.wait()
        assert self.client is not None
        return self.client

    async def _channel_id(self, client: PeerClient, destination: Destination) -> int:
        """A ``chat`` is a channel id; a ``user`` needs their DM channel, opened once and
        remembered (opening it again is harmless, but costs a request)."""
        if destination.kind == "chat":
            return int(destination.id)
        known = self._dm_channels.get(destination.id)
        if known is None:
            dm = await client.create_dm(discord.Object(id=int(destination.id)))
            known = self._dm_channels[destination.id] = dm.id
        return known


def _retry_after(response: aiohttp.ClientResponse | object) -> float:
    headers = getattr(response, "headers", {})
    try:
        return float(headers.get("Retry-After", 5))
    except (TypeError, ValueError):
        return 5.0
