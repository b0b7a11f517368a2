"""What a bridged space decides, as a relay :class:`~bot.relay.Policy`: only verified members'
messages cross (asked at every message, so a removed member's stop at once), authors show
under their display name, and a copy that could not be delivered is reported to its author."""

from __future__ import annotations

import logging

from bot.core import markup
from bot.core.context import Context
from bot.core.events import Actor
from bot.core.replies import Reply
from bot.relay import Endpoint, RelayConversation, Shown
from bot.storage.relay import Bridge

log = logging.getLogger(__name__)


class BridgePolicy:
    """Shared by every bridged conversation of the service."""

    ephemeral = False

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def admit(
        self, conversation: RelayConversation, source: Endpoint, actor: Actor
    ) -> int | None:
        # None: not verified (the space watch flags them) and nothing of theirs crosses.
        spaces = self._ctx.repo.spaces
        return await spaces.verified_person(source.platform, source.id, actor.account)

    async def shown(
        self, conversation: RelayConversation, person_id: int, actor: Actor, target: Endpoint
    ) -> Shown:
        return Shown(actor.display_name or self._ctx.text("bridge.someone"))

    async def refused(
        self, conversation: RelayConversation, person_id: int | None, target: Endpoint, reason: str
    ) -> None:
        if person_id is None:
            return
        space = await self._ctx.repo.spaces.get(target.platform, target.id)
        where = space.title if space else target.platform.value.title()
        text = self._ctx.text(
            "bridge.not_delivered", space=markup.escape(where), reason=markup.escape(reason)
        )
        await self._ctx.messenger.to_person(person_id, Reply(text), origin="bridge:refused")

    async def too_large(
        self,
        conversation: RelayConversation,
        person_id: int,
        target: Endpoint,
        filename: str,
        size: int | None,
    ) -> str:
        megabytes = f"{(size or 0) / 1_000_000:.1f}"
        told = self._ctx.text(
            "bridge.file_too_large_you",
            file=markup.escape(filename),
            size=megabytes,
            app=target.platform.value.title(),
        )
        await self._ctx.messenger.to_person(person_id, Reply(told), origin="bridge:too-large")
        return self._ctx.text("bridge.file_too_large_note", file=filename, size=megabytes)


def conversation_of(bridge: Bridge, policy: BridgePolicy) -> RelayConversation:
    endpoints = [Endpoint(p, "chat", chat) for p, chat in bridge.endpoints]
    return RelayConversation(bridge.key, endpoints, policy)


async def load(ctx: Context, policy: BridgePolicy) -> int:
    """Give the relay every bridged conversation (at start, and after each change)."""
    relay = ctx.relay
    assert relay is not None
    bridges = await ctx.repo.bridges.all()
    current = {b.key for b in bridges}
    for conv in relay.conversations():
        if conv.key.startswith("bridge-") and conv.key not in current:
            relay.remove(conv.key)
    for bridge in bridges:
        if len(bridge.endpoints) >= 2:
            relay.add(conversation_of(bridge, policy))
        else:
            relay.remove(bridge.key)
    return len(bridges)
