"""A debrief room as a conversation of the one relay engine (``bot/relay``).

Its endpoints are its people's private chats with the bot. The engine does everything a bridge
does (text, replies, edits, photos and voice notes, limits, formatting); what a room decides is
this policy: everything stays in memory (``ephemeral``: outbox messages and the id map), only
people in the room are relayed, and each shows under the name they chose for this room, in
every copy, reply and edit.
"""

from __future__ import annotations

from bot.core import markup
from bot.core.context import Context
from bot.core.events import Actor
from bot.core.replies import Reply
from bot.relay import Endpoint, RelayConversation, Shown
from handlers.debrief.live import Room, rooms


def key_of(room: Room) -> str:
    return f"debrief-{room.id}"


def endpoint_of(room: Room, person_id: int) -> Endpoint:
    chat = room.chats[person_id]
    return Endpoint(chat.platform, "user", chat.user_id)


class RoomPolicy:
    """What a debrief room decides for the relay engine."""

    ephemeral = True

    def __init__(self, ctx: Context, room_id: int) -> None:
        self._ctx = ctx
        self._room_id = room_id

    def _room(self) -> Room | None:
        return rooms(self._ctx).by_id.get(self._room_id)

    async def admit(
        self, conversation: RelayConversation, source: Endpoint, actor: Actor
    ) -> int | None:
        """Only someone in the room, from the private chat they are in it from, and only while
        they are a member (asked at every message)."""
        room = self._room()
        if room is None:
            return None
        person = await self._ctx.repo.people.by_account(actor.account)
        if person is None or not person.is_member or room.chats.get(person.id) != actor.account:
            return None
        from handlers.debrief.rooms import touch

        touch(self._ctx, room)
        return person.id

    async def shown(
        self, conversation: RelayConversation, person_id: int, actor: Actor, target: Endpoint
    ) -> Shown:
        """The pseudonym they chose (or the name they joined under): never the account's."""
        room = self._room()
        name = room.shown.get(person_id) if room is not None else None
        return Shown(name or self._ctx.text("debrief.someone"))

    async def refused(
        self, conversation: RelayConversation, person_id: int | None, target: Endpoint, reason: str
    ) -> None:
        room = self._room()
        if person_id is None or room is None or person_id not in room.chats:
            return
        text = self._ctx.text("debrief.not_delivered", reason=markup.escape(reason))
        await self._ctx.messenger.to_destination(
            room.destination(person_id), Reply(text), person_id=person_id, ephemeral=True
        )

    async def too_large(
        self,
        conversation: RelayConversation,
        person_id: int,
        target: Endpoint,
        filename: str,
        size: int | None,
    ) -> str:
        megabytes = f"{(size or 0) / 1_000_000:.1f}"
        room = self._room()
        if room is not None and person_id in room.chats:
            told = self._ctx.text(
                "debrief.file_too_large_you", file=markup.escape(filename), size=megabytes
            )
            await self._ctx.messenger.to_destination(
                room.destination(person_id), Reply(told), person_id=person_id, ephemeral=True
            )
        return self._ctx.text("debrief.file_too_large_note", file=filename, size=megabytes)


def _conversation(ctx: Context, room: Room) -> RelayConversation:
    endpoints = [endpoint_of(room, p) for p in room.chats]
    relay = ctx.relay
    assert relay is not None
    existing = relay.get(key_of(room))
    policy = existing.policy if existing is not None else RoomPolicy(ctx, room.id)
    return RelayConversation(key_of(room), endpoints, policy)


async def opened(ctx: Context, room: Room) -> None:
    """The room's conversation starts with its opener's chat."""
    if ctx.relay is not None:
        ctx.relay.add(_conversation(ctx, room))


async def entered(ctx: Context, room: Room, person_id: int) -> None:
    if ctx.relay is not None:
        ctx.relay.add(_conversation(ctx, room))


async def left(ctx: Context, room: Room, person_id: int) -> None:
    """Their chat stops being part of the room (call after taking them out of ``chats``)."""
    if ctx.relay is not None:
        ctx.relay.add(_conversation(ctx, room))


async def closed(ctx: Context, room: Room) -> None:
    """Delete every copy the relay made in the room, where the platforms allow, and forget its
    id map (it only ever lived in memory)."""
    relay = ctx.relay
    if relay is None:
        return
    await relay.delete_copies(key_of(room))
    relay.remove(key_of(room))
