"""Peer spaces stewards registered, who the bot has noticed in them, and the one check that
says whether an account may be in a space at all (:meth:`SpaceRepository.is_verified_for_space`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.core.model import AccountRef, Platform, Role
from bot.storage.database import Database
from bot.storage.times import to_db

#: Stewards hear about an unverified account in a space at most this often.
FLAG_AGAIN_AFTER = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Space:
    platform: Platform
    chat_id: str
    place_id: str
    title: str


def _space(row: Any) -> Space:
    return Space(Platform(row["platform"]), row["chat_id"], row["place_id"], row["title"])


class SpaceRepository:
    holds = ("space_presence",)

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- the check every relay must make ---------------------------------------------------

    async def is_verified_for_space(
        self, platform: Platform, chat_id: str, account: AccountRef
    ) -> bool:
        """True only if ``chat_id`` is a registered peer space and ``account`` belongs to a
        member of the network. Anything that passes on what an account says in a space (the
        relay) must ask this first, and pass nothing on when it says no."""
        return await self.verified_person(platform, chat_id, account) is not None

    async def verified_person(
        self, platform: Platform, chat_id: str, account: AccountRef
    ) -> int | None:
        """The same check, answering with the member's person id (the relay needs it to know
        who wrote what, in one query per message)."""
        row = await self.db.fetchone(
            "SELECT a.person_id FROM spaces s"
            " JOIN accounts a ON a.platform = s.platform"
            " JOIN roles r ON r.person_id = a.person_id AND r.role = ?"
            " WHERE s.platform = ? AND s.chat_id = ? AND a.platform = ? AND a.user_id = ?",
            (Role.PEER.value, platform.value, chat_id, account.platform.value, account.user_id),
        )
        return None if row is None else int(row[0])

    async def verified_users(self, platform: Platform) -> frozenset[str]:
        """Every account id on ``platform`` that belongs to a member (for audits)."""
        rows = await self.db.fetchall(
            "SELECT a.user_id FROM accounts a JOIN roles r ON r.person_id = a.person_id"
            " AND r.role = ? WHERE a.platform = ?",
            (Role.PEER.value, platform.value),
        )
        return frozenset(r["user_id"] for r in rows)

    # -- registered spaces ------------------------------------------------------------------

    async def add(self, space: Space, now: datetime) -> bool:
        """Register a space (or refresh its title); False if it was already registered."""
        known = await self.get(space.platform, space.chat_id)
        await self.db.execute(
            "INSERT INTO spaces(platform, chat_id, place_id, title, added_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT(platform, chat_id)"
            " DO UPDATE SET place_id = excluded.place_id, title = excluded.title",
            (space.platform.value, space.chat_id, space.place_id, space.title, to_db(now)),
        )
        return known is None

    async def get(self, platform: Platform, chat_id: str) -> Space | None:
        row = await self.db.fetchone(
            "SELECT * FROM spaces WHERE platform = ? AND chat_id = ?", (platform.value, chat_id)
        )
        return None if row is None else _space(row)

    async def all(self) -> list[Space]:
        rows = await self.db.fetchall("SELECT * FROM spaces ORDER BY added_at, platform, chat_id")
        return [_space(r) for r in rows]

    async def in_place(self, platform: Platform, place_id: str) -> list[Space]:
        rows = await self.db.fetchall(
            "SELECT * FROM spaces WHERE platform = ? AND place_id = ? ORDER BY added_at",
            (platform.value, place_id),
        )
        return [_space(r) for r in rows]

    async def remove(self, platform: Platform, chat_id: str) -> bool:
        touched = await self.db.execute_rowcount(
            "DELETE FROM spaces WHERE platform = ? AND chat_id = ?", (platform.value, chat_id)
        )
        return touched > 0

    async def moved(self, platform: Platform, old: str, new: str) -> None:
        """A group got a new id (Telegram supergroups): follow it. On Telegram a group is its
        own place, so the place moves too."""
        await self.db.execute(
            "UPDATE spaces SET chat_id = ?,"
            " place_id = CASE WHEN place_id = ? THEN ? ELSE place_id END"
            " WHERE platform = ? AND chat_id = ?",
            (new, old, new, platform.value, old),
        )

    # -- who the bot noticed ----------------------------------------------------------------

    async def seen(self, platform: Platform, chat_id: str, user_id: str) -> None:
        """Note an account in a registered space (does nothing for other chats). Only that it
        is there, not when: nothing keeps a record of how active anyone is."""
        await self.db.execute(
            "INSERT INTO space_presence(platform, chat_id, user_id)"
            " SELECT platform, chat_id, ? FROM spaces WHERE platform = ? AND chat_id = ?"
            " ON CONFLICT(platform, chat_id, user_id) DO NOTHING",
            (user_id, platform.value, chat_id),
        )

    async def seen_in(self, platform: Platform, chat_id: str) -> frozenset[str]:
        rows = await self.db.fetchall(
            "SELECT user_id FROM space_presence WHERE platform = ? AND chat_id = ?",
            (platform.value, chat_id),
        )
        return frozenset(r["user_id"] for r in rows)

    async def should_flag(
        self, platform: Platform, chat_id: str, user_id: str, now: datetime
    ) -> bool:
        """True (once a day at most) if stewards should hear about this account here."""
        touched = await self.db.execute_rowcount(
            "UPDATE space_presence SET flagged_at = ? WHERE platform = ? AND chat_id = ?"
            " AND user_id = ? AND (flagged_at IS NULL OR flagged_at <= ?)",
            (to_db(now), platform.value, chat_id, user_id, to_db(now - FLAG_AGAIN_AFTER)),
        )
        return touched > 0

    async def gone(self, platform: Platform, chat_ids: Sequence[str], user_id: str) -> None:
        """The account left these spaces (or was taken out)."""
        await self.db.executemany(
            "DELETE FROM space_presence WHERE platform = ? AND chat_id = ? AND user_id = ?",
            [(platform.value, chat_id, user_id) for chat_id in chat_ids],
        )

    async def forget_accounts(self, accounts: Iterable[AccountRef]) -> None:
        await self.db.executemany(
            "DELETE FROM space_presence WHERE platform = ? AND user_id = ?",
            [(a.platform.value, a.user_id) for a in accounts],
        )

    async def export_account(self, account: AccountRef) -> list[str]:
        """Titles of the spaces the bot noticed this account in."""
        rows = await self.db.fetchall(
            "SELECT s.title FROM space_presence p JOIN spaces s"
            " ON s.platform = p.platform AND s.chat_id = p.chat_id"
            " WHERE p.platform = ? AND p.user_id = ? ORDER BY s.title",
            (account.platform.value, account.user_id),
        )
        return [r["title"] for r in rows]

    # -- personal data ----------------------------------------------------------------------

    async def _accounts(self, person_id: int) -> list[AccountRef]:
        rows = await self.db.fetchall(
            "SELECT platform, user_id FROM accounts WHERE person_id = ?", (person_id,)
        )
        return [AccountRef(Platform(r["platform"]), r["user_id"]) for r in rows]

    async def export_person(self, person_id: int) -> dict[str, Any]:
        seen: list[str] = []
        for account in await self._accounts(person_id):
            seen += await self.export_account(account)
        return {"peer_spaces_you_were_seen_in": sorted(set(seen))}

    async def erase_person(self, person_id: int) -> None:
        # /forgetme clears presence by account before anything is erased (accounts may be gone
        # by the time this part runs); this covers any other caller.
        await self.forget_accounts(await self._accounts(person_id))
