"""The member list stewards see: member numbers, roles and linked platforms, never names (the
bot stores none). It reads the people tables and keeps nothing of its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.model import Platform, Role
from bot.storage.database import Database


@dataclass(frozen=True, slots=True)
class RosterEntry:
    number: int
    roles: frozenset[Role]
    platforms: tuple[Platform, ...]


class RosterRepository:
    holds: tuple[str, ...] = ()  # reads people, accounts and roles; holds nothing itself

    def __init__(self, db: Database) -> None:
        self.db = db

    async def page(self, offset: int, limit: int) -> list[RosterEntry]:
        """Members in member-number order."""
        rows = await self.db.fetchall(
            "SELECT p.id,"
            " (SELECT group_concat(role) FROM roles WHERE person_id = p.id) AS roles,"
            " (SELECT group_concat(platform) FROM accounts WHERE person_id = p.id) AS platforms"
            " FROM people p JOIN roles r ON r.person_id = p.id AND r.role = ?"
            " ORDER BY p.id LIMIT ? OFFSET ?",
            (Role.PEER.value, limit, offset),
        )
        return [
            RosterEntry(
                int(r["id"]),
                frozenset(Role(x) for x in (r["roles"] or "").split(",") if x),
                tuple(sorted(Platform(x) for x in set((r["platforms"] or "").split(",")) if x)),
            )
            for r in rows
        ]

    async def export_person(self, person_id: int) -> dict[str, Any]:
        return {}  # everything shown here is exported by the people part

    async def erase_person(self, person_id: int) -> None:
        return None  # erased with the people part
