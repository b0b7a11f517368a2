"""What a debrief room holds while it is open, in memory only.

Storage keeps just that a room exists and who is in it (``bot/storage/debrief.py``). Everything
else lives here for this run of the service and is gone at a restart, which then ends the room:
the name each person shows, the private chat they are in it from, who was asked, when the room
was last active, and the ids of messages the bot sent into it (so they can be deleted on close).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.context import Context
from bot.core.model import AccountRef
from bot.outbox import DeliveryReport, Destination

MAX_PEOPLE = 8
ORIGIN = "debrief:"
#: Origin of an invitation: ``debrief-invite:<room id>:<who asked>`` (not under ``ORIGIN``,
#: since an invitation goes to someone not yet in the room).
INVITE_ORIGIN = "debrief-invite:"


@dataclass(slots=True)
class Sent:
    """One message the bot put in someone's private chat for the room."""

    destination: Destination
    message_id: str
    at: datetime


@dataclass(slots=True)
class Room:
    id: int
    opener_id: int
    last_active: datetime
    #: Who is in the room and the private chat they are in it from.
    chats: dict[int, AccountRef] = field(default_factory=dict)
    #: The name each person shows here: their pseudonym, or their display name.
    shown: dict[int, str] = field(default_factory=dict)
    #: Members asked by name (an invitation) who have not answered.
    invited: set[int] = field(default_factory=set)
    #: Companions asked by "any available peer", while nobody has taken it.
    asked_any: set[int] = field(default_factory=set)
    #: Who took an "any available peer" request (until they finish joining).
    claimed_by: set[int] = field(default_factory=set)
    #: Invitations whose inviter waits in place for the app's answer, by who was asked.
    awaited: dict[int, asyncio.Future[DeliveryReport]] = field(default_factory=dict)
    warned: bool = False
    sent: list[Sent] = field(default_factory=list)

    def destination(self, person_id: int) -> Destination:
        chat = self.chats[person_id]
        return Destination(chat.platform, "user", chat.user_id)

    def others(self, person_id: int) -> list[int]:
        return [p for p in self.chats if p != person_id]

    @property
    def origin(self) -> str:
        return f"{ORIGIN}{self.id}"


@dataclass(slots=True)
class Rooms:
    """Every open room of this run, by id, and which room each person is in."""

    by_id: dict[int, Room] = field(default_factory=dict)
    #: Rooms closed in this run (ids only), so a note still on its way is deleted on arrival.
    closed: set[int] = field(default_factory=set)

    def of(self, person_id: int) -> Room | None:
        return next((r for r in self.by_id.values() if person_id in r.chats), None)

    def at_chat(self, chat: AccountRef) -> Room | None:
        return next((r for r in self.by_id.values() if chat in r.chats.values()), None)


def rooms(ctx: Context) -> Rooms:
    """This run's open rooms (made on first use)."""
    found = ctx.memory.get("debrief")
    if not isinstance(found, Rooms):
        found = ctx.memory["debrief"] = Rooms()
    return found
