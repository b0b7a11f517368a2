"""The bridge's tables: which peer spaces are joined into one conversation, the codes that
join them, and the relay's durable message map (ids only, never text)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.core.model import Platform
from bot.relay.model import Copy, Endpoint, Group, MessageRef
from bot.storage.database import Database
from bot.storage.times import to_db

#: How long the map keeps ids: replies, edits and deletions work for this long.
MAP_KEPT_FOR = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Bridge:
    id: int
    endpoints: tuple[tuple[Platform, str], ...]

    @property
    def key(self) -> str:
        return f"bridge-{self.id}"


class BridgeRepository:
    """Bridged conversations and their endpoints. Names nobody (codes are in ``codes``)."""

    holds = ("bridges", "bridge_endpoints", "bridge_offers")

    def __init__(self, db: Database) -> None:
        self.db = db

    async def all(self) -> list[Bridge]:
        rows = await self.db.fetchall(
            "SELECT b.id, e.platform, e.chat_id FROM bridges b"
            " JOIN bridge_endpoints e ON e.bridge_id = b.id ORDER BY b.id, e.rowid"
        )
        found: dict[int, list[tuple[Platform, str]]] = defaultdict(list)
        for r in rows:
            found[int(r["id"])].append((Platform(r["platform"]), r["chat_id"]))
        return [Bridge(i, tuple(eps)) for i, eps in found.items()]

    async def of(self, platform: Platform, chat_id: str) -> Bridge | None:
        row = await self.db.fetchone(
            "SELECT bridge_id FROM bridge_endpoints WHERE platform = ? AND chat_id = ?",
            (platform.value, chat_id),
        )
        return None if row is None else await self.get(int(row[0]))

    async def get(self, bridge_id: int) -> Bridge | None:
        rows = await self.db.fetchall(
            "SELECT platform, chat_id FROM bridge_endpoints WHERE bridge_id = ? ORDER BY rowid",
            (bridge_id,),
        )
        exists = await self.db.fetchone("SELECT 1 FROM bridges WHERE id = ?", (bridge_id,))
        if exists is None:
            return None
        return Bridge(bridge_id, tuple((Platform(r[0]), r[1]) for r in rows))

    async def start(self, platform: Platform, chat_id: str, now: datetime) -> Bridge:
        """The conversation this space is in, or a new one with only this space."""
        found = await self.of(platform, chat_id)
        if found is not None:
            return found
        ids = await self.db.transaction(
            [
                ("INSERT INTO bridges(created_at) VALUES (?)", (to_db(now),)),
                (
                    "INSERT INTO bridge_endpoints(bridge_id, platform, chat_id)"
                    " VALUES (last_insert_rowid(), ?, ?)",
                    (platform.value, chat_id),
                ),
            ]
        )
        return Bridge(ids[0], ((platform, chat_id),))

    async def offer(self, code_hash: str, bridge_id: int) -> None:
        await self.db.execute(
            "INSERT INTO bridge_offers(code_hash, bridge_id) VALUES (?, ?)", (code_hash, bridge_id)
        )

    async def offered(self, code_hash: str) -> int | None:
        row = await self.db.fetchone(
            "SELECT bridge_id FROM bridge_offers WHERE code_hash = ?", (code_hash,)
        )
        return None if row is None else int(row[0])

    async def join(self, bridge_id: int, platform: Platform, chat_id: str) -> None:
        """Add a space to a conversation (moving it out of any other, which ends if it is
        left with one endpoint)."""
        await self.leave(platform, chat_id)
        await self.db.execute(
            "INSERT INTO bridge_endpoints(bridge_id, platform, chat_id) VALUES (?, ?, ?)",
            (bridge_id, platform.value, chat_id),
        )

    async def leave(self, platform: Platform, chat_id: str) -> Bridge | None:
        """Take a space out; returns what remains of its conversation (None if it ended)."""
        found = await self.of(platform, chat_id)
        if found is None:
            return None
        await self.db.execute(
            "DELETE FROM bridge_endpoints WHERE platform = ? AND chat_id = ?",
            (platform.value, chat_id),
        )
        await self.prune()
        return await self.get(found.id)

    async def prune(self) -> None:
        """End conversations left with fewer than two endpoints, except those a waiting code
        may still join."""
        await self.db.execute(
            "DELETE FROM bridges WHERE id NOT IN (SELECT bridge_id FROM bridge_offers)"
            " AND (SELECT COUNT(*) FROM bridge_endpoints e WHERE e.bridge_id = bridges.id) < 2"
        )

    async def export_person(self, person_id: int) -> dict[str, Any]:
        return {}  # conversations and endpoints name places, not people

    async def erase_person(self, person_id: int) -> None:
        return None


class RelayMapRepository:
    """The durable message map (:class:`bot.relay.MessageMap`) of bridged spaces."""

    holds = ("relay_map",)

    def __init__(self, db: Database) -> None:
        self.db = db

    async def known(self, ref: MessageRef) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM relay_map WHERE endpoint = ? AND message_id = ? LIMIT 1",
            (str(ref.endpoint), ref.message_id),
        )
        return row is not None

    async def add_source(
        self, conversation: str, source: MessageRef, person_id: int | None, at: datetime
    ) -> bool:
        touched = await self.db.execute_rowcount(
            "INSERT INTO relay_map(conversation, origin, endpoint, message_id, item, person_id,"
            " created_at) VALUES (?, ?, ?, ?, -1, ?, ?) ON CONFLICT DO NOTHING",
            (
                conversation,
                str(source),
                str(source.endpoint),
                source.message_id,
                person_id,
                to_db(at),
            ),
        )
        return touched == 1

    async def add_copy(
        self, conversation: str, source: MessageRef, copy: Copy, at: datetime, first: bool = False
    ) -> None:
        """Record a copy (nothing if the original was forgotten meanwhile). The author's
        person id is copied from the original's row in the same statement."""
        origin = str(source)
        insert = (
            "INSERT INTO relay_map(conversation, origin, endpoint, message_id, item, part,"
            " shared, person_id, created_at) SELECT ?, origin, ?, ?, ?, ?, ?, person_id, ?"
            " FROM relay_map WHERE origin = ? AND item = -1 ON CONFLICT DO NOTHING"
        )
        rows = [
            (
                conversation,
                str(copy.endpoint),
                part,
                copy.item,
                n,
                int(copy.shared),
                to_db(at),
                origin,
            )
            for n, part in enumerate(copy.parts)
        ]
        if first and len(rows) == 1:
            await self.db.execute(insert, rows[0])  # the common case: one statement
            return
        statements: list[tuple[str, tuple[Any, ...]]] = []
        if not first:
            statements.append(
                (
                    "DELETE FROM relay_map WHERE origin = ? AND endpoint = ? AND item = ?",
                    (origin, str(copy.endpoint), copy.item),
                )
            )
        statements += [(insert, row) for row in rows]
        await self.db.transaction(statements)

    async def groups_of(self, ref: MessageRef) -> list[Group]:
        rows = await self.db.fetchall(
            "SELECT m.* FROM relay_map m WHERE m.origin IN (SELECT origin FROM relay_map"
            " WHERE endpoint = ? AND message_id = ?) ORDER BY m.origin, m.endpoint, m.item, m.part",
            (str(ref.endpoint), ref.message_id),
        )
        return _groups(rows)

    async def forget(self, source: MessageRef) -> None:
        await self.db.execute("DELETE FROM relay_map WHERE origin = ?", (str(source),))

    async def last_id(self, endpoint: Endpoint, before: datetime) -> str | None:
        row = await self.db.fetchone(
            "SELECT message_id FROM relay_map WHERE endpoint = ? AND created_at < ?"
            " ORDER BY length(message_id) DESC, message_id DESC LIMIT 1",
            (str(endpoint), to_db(before)),
        )
        return None if row is None else str(row[0])

    async def groups_in(self, conversation: str) -> list[Group]:
        rows = await self.db.fetchall(
            "SELECT * FROM relay_map WHERE conversation = ? ORDER BY origin, endpoint, item, part",
            (conversation,),
        )
        return _groups(rows)

    async def drop(self, conversation: str) -> None:
        await self.db.execute("DELETE FROM relay_map WHERE conversation = ?", (conversation,))

    async def purge(self, now: datetime) -> int:
        """Forget ids older than 30 days (the housekeeping job)."""
        return await self.db.execute_rowcount(
            "DELETE FROM relay_map WHERE created_at < ?", (to_db(now - MAP_KEPT_FOR),)
        )

    async def export_person(self, person_id: int) -> dict[str, Any]:
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM relay_map WHERE person_id = ? AND item = -1", (person_id,)
        )
        count = int(row[0]) if row else 0
        return {"relayed_messages_whose_ids_are_mapped": count} if count else {}

    async def erase_person(self, person_id: int) -> None:
        await self.db.execute("DELETE FROM relay_map WHERE person_id = ?", (person_id,))


def _groups(rows: list[Any]) -> list[Group]:
    by_origin: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        by_origin[r["origin"]].append(r)
    groups = []
    for origin, found in by_origin.items():
        source = MessageRef.parse(origin)
        person = next((r["person_id"] for r in found if r["item"] == -1), None)
        parts: dict[tuple[str, int], list[str]] = defaultdict(list)
        shared: dict[tuple[str, int], bool] = {}
        for r in found:
            if r["item"] >= 0:
                parts[(r["endpoint"], r["item"])].append(r["message_id"])
                shared[(r["endpoint"], r["item"])] = bool(r["shared"]) or shared.get(
                    (r["endpoint"], r["item"]), False
                )
        copies = tuple(
            Copy(Endpoint.parse(ep), item, tuple(ids), shared[(ep, item)])
            for (ep, item), ids in parts.items()
        )
        groups.append(Group(found[0]["conversation"], source, person, copies))
    return groups
