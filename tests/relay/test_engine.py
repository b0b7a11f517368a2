"""The relay engine against a scripted platform: one engine for both kinds of conversation.
A debrief-like conversation (ephemeral) keeps nothing on disk; an edit waits for the copy it
edits; a deletion reaches copies still on their way; duplicates are refused; closing deletes
every copy. The adapters are tested through the fake servers (tests/platforms/test_bridge*)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.core.events import Actor, Conversation, MessageEdited, MessagePosted, MessagesDeleted
from bot.core.model import AccountRef, Platform
from bot.core.richtext import RichText
from bot.outbox import Destination, Limit, Op, Outbox, OutgoingMessage
from bot.relay import Endpoint, MessageRef, Relay, RelayConversation, Shown
from bot.relay.engine import DeleteOutcome
from bot.storage.database import Database
from bot.storage.outbox import OutboxRepository
from bot.storage.relay import RelayMapRepository


@dataclass
class Scripted:
    """Every private chat on one platform; a gate holds deliveries back when a test asks."""

    platform: Platform = Platform.CONSOLE
    max_text: int = 4000
    global_limit: Limit | None = None
    done: list[tuple[Destination, OutgoingMessage]] = field(default_factory=list)
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))
    delivered: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def until(self, check: Callable[[], bool]) -> None:
        """Wait (at most 5 s, as a safety net) until ``check()`` holds after a delivery."""
        async with asyncio.timeout(5), self.delivered:
            await self.delivered.wait_for(check)

    def limit_for(self, destination: Destination) -> Limit | None:
        return None

    async def deliver(self, destination: Destination, message: OutgoingMessage) -> list[str]:
        await self.gate.wait()
        self.done.append((destination, message))
        async with self.delivered:
            self.delivered.notify_all()
        if message.op is Op.DELETE:
            return []
        if message.op is Op.EDIT:
            return list(message.parts)
        return [str(next(self.ids))]


class Room:
    """A policy like a debrief room's: in memory only, each person under a pseudonym."""

    ephemeral = True

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.refusals: list[str] = []

    async def admit(
        self, conversation: RelayConversation, source: Endpoint, actor: Actor
    ) -> int | None:
        return int(actor.account.user_id) if actor.account.user_id in self.names else None

    async def shown(
        self, conversation: RelayConversation, person_id: int, actor: Actor, target: Endpoint
    ) -> Shown:
        return Shown(self.names[actor.account.user_id])

    async def refused(
        self, conversation: RelayConversation, person_id: int | None, target: Endpoint, reason: str
    ) -> None:
        self.refusals.append(reason)

    async def too_large(
        self,
        conversation: RelayConversation,
        person_id: int,
        target: Endpoint,
        filename: str,
        size: int | None,
    ) -> str:
        return f"[{filename} too large]"


def _actor(user: str) -> Actor:
    return Actor(AccountRef(Platform.CONSOLE, user), f"real name {user}")


def _private(user: str) -> Conversation:
    return Conversation(Platform.CONSOLE, f"dm-{user}", True)


def posted(user: str, message_id: str, text: str) -> MessagePosted:
    return MessagePosted(_private(user), _actor(user), message_id, RichText(text))


@asynccontextmanager
async def engine(tmp_path: Path) -> AsyncIterator[tuple[Relay, Scripted, Database]]:
    db = await Database.open(tmp_path / "relay.sqlite3")
    outbox = Outbox(OutboxRepository(db), db)
    platform = Scripted()
    outbox.register(platform)
    relay = Relay(outbox, RelayMapRepository(db), now=lambda: datetime.now(UTC))
    await outbox.start()
    try:
        yield relay, platform, db
    finally:
        platform.gate.set()
        await outbox.stop()
        await db.close()


def room(relay: Relay) -> tuple[RelayConversation, Room]:
    policy = Room({"1": "Heron", "2": "Otter", "3": "Wren"})
    eps = [Endpoint(Platform.CONSOLE, "user", u) for u in ("1", "2", "3")]
    conv = RelayConversation("debrief-test", eps, policy)
    relay.add(conv)
    return conv, policy


async def _rows(db: Database, table: str) -> int:
    row = await db.fetchone(f"SELECT COUNT(*) FROM {table}")
    return int(row[0]) if row else 0


async def test_a_room_relays_under_pseudonyms_and_keeps_nothing_on_disk(tmp_path: Path) -> None:
    async with engine(tmp_path) as (relay, platform, db):
        room(relay)
        assert await relay.handle(posted("1", "a1", "what happened tonight"))
        queued_rows = await _rows(db, "outbox")
        platform.gate.set()
        assert await relay._outbox.drain(timeout=5)
        mapped_rows = await _rows(db, "relay_map")
        stranger = await relay.handle(posted("9", "z1", "let me in"))
    assert queued_rows == 0 and mapped_rows == 0
    assert sorted(d.id for d, _ in platform.done) == ["2", "3"]
    assert all(m.relayed[0].author == "Heron" for _, m in platform.done)
    assert all("real name" not in m.text for _, m in platform.done)
    assert stranger is False  # not an endpoint of any conversation: not the relay's


async def test_an_edit_before_delivery_waits_for_the_copy(tmp_path: Path) -> None:
    async with engine(tmp_path) as (relay, platform, _):
        room(relay)
        await relay.handle(posted("1", "a1", "frist"))
        edit = MessageEdited(_private("1"), _actor("1"), "a1", RichText("first"))
        await relay.handle(edit)
        platform.gate.set()
        await platform.until(lambda: sum(m.op is Op.EDIT for _, m in platform.done) == 2)
    edits = [m for _, m in platform.done if m.op is Op.EDIT]
    assert [m.relayed[0].text.text for m in edits] == ["first", "first"]
    assert all(m.parts for m in edits)


async def test_deleting_reaches_copies_still_on_their_way(tmp_path: Path) -> None:
    async with engine(tmp_path) as (relay, platform, _):
        room(relay)
        await relay.handle(posted("2", "b1", "sorry, wrong room"))
        await relay.handle(MessagesDeleted(_private("2"), ("b1",), _actor("2")))
        platform.gate.set()
        await platform.until(lambda: sum(m.op is Op.DELETE for _, m in platform.done) == 2)
    sent = {m.parts or (m.target_id,) for _, m in platform.done if m.op is Op.DELETE}
    assert len(sent) == 2


async def test_a_duplicate_event_is_refused_and_closing_deletes_every_copy(tmp_path: Path) -> None:
    async with engine(tmp_path) as (relay, platform, _):
        conv, _ = room(relay)
        platform.gate.set()
        await relay.handle(posted("3", "c1", "one"))
        await relay.handle(posted("3", "c1", "one"))  # delivered twice by the platform
        assert await relay._outbox.drain(timeout=5)
        sends = [m for _, m in platform.done if m.op is Op.SEND]
        queued = await relay.delete_copies(conv.key)
        assert await relay._outbox.drain(timeout=5)
        deletes = [m for _, m in platform.done if m.op is Op.DELETE]
        outcome = await relay.delete_request(_ref("3", "c1"), 3, may_delete_any=False)
    assert len(sends) == 2 and relay.stats["duplicates"] == 1
    assert queued == 2 and len(deletes) == 2
    assert outcome == DeleteOutcome.UNKNOWN  # forgotten once its copies were deleted


def _ref(user: str, message_id: str) -> MessageRef:
    return MessageRef(Endpoint(Platform.CONSOLE, "user", user), message_id)
