"""A debrief room as a conversation of the one relay engine (``bot/relay``).

Placeholder until the engine lands: the room's endpoints are its people's private chats.
"""

from __future__ import annotations

from bot.core.context import Context
from handlers.debrief.live import Room


async def opened(ctx: Context, room: Room) -> None:
    return None


async def entered(ctx: Context, room: Room, person_id: int) -> None:
    return None


async def left(ctx: Context, room: Room, person_id: int) -> None:
    return None


async def closed(ctx: Context, room: Room) -> None:
    return None
