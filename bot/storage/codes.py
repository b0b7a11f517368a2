"""One-time codes: invitations to join the network, and codes that link a second account.

Both are the same thing: random, short enough to type on a phone, redeemable once, expiring.
Only a SHA-256 hash of each code is stored, so the table cannot be read to join. Codes carry
about 49 bits of randomness and wrong tries are throttled per account (:class:`Attempts`), so
guessing is hopeless. Who redeemed a code is never recorded: no one can trace who invited whom.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from bot.storage.database import Database
from bot.storage.times import from_db, to_db

#: No 0/O, 1/I/L, so a code read aloud or copied by hand survives.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 10
#: Used and expired codes are kept this long after expiry, to answer "expired" kindly.
KEEP_AFTER_EXPIRY = timedelta(days=30)

Kind = Literal["invite", "link", "bridge"]


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(text: str) -> str:
    """What a person typed, as stored before hashing: case and separators do not matter."""
    return re.sub(r"[^A-Za-z0-9]", "", text).upper()


def shown(code: str) -> str:
    """``K7QP2XWM9A`` as ``K7QP2-XWM9A``: easier to read and type."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def looks_like_code(text: str) -> bool:
    cleaned = normalise(text)
    return len(cleaned) == LENGTH and all(ch in ALPHABET for ch in cleaned)


class State(StrEnum):
    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class StoredCode:
    code_hash: str
    kind: str
    role: str | None
    person_id: int | None
    expires_at: datetime


class Attempts:
    """Wrong codes per account, in memory only (a restart forgives; nothing is written down):
    after ``allowed`` wrong tries within ``window``, the account waits until the oldest ages
    out."""

    def __init__(self, allowed: int = 5, window: timedelta = timedelta(minutes=15)) -> None:
        self.allowed = allowed
        self.window = window
        self._failures: dict[str, deque[datetime]] = {}

    def _recent(self, account: str, now: datetime) -> deque[datetime]:
        times = self._failures.get(account, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            self._failures.pop(account, None)
        return times

    def wait(self, account: str, now: datetime) -> timedelta | None:
        """How long ``account`` must wait before trying again; None if it may try now."""
        times = self._recent(account, now)
        if len(times) < self.allowed:
            return None
        return times[0] + self.window - now

    def failed(self, account: str, now: datetime) -> None:
        self._recent(account, now)
        self._failures.setdefault(account, deque()).append(now)

    def forget(self, account: str) -> None:
        self._failures.pop(account, None)


class CodeRepository:
    holds = ("codes",)

    def __init__(self, db: Database) -> None:
        self.db = db
        self.attempts = Attempts()

    async def issue(
        self,
        kind: Kind,
        person_id: int,
        now: datetime,
        lifetime: timedelta,
        role: str | None = None,
    ) -> str:
        """A new code; only its hash is stored. Returns the code itself, to show once."""
        code = new_code()
        await self.db.execute(
            "INSERT INTO codes(code_hash, kind, role, person_id, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (hash_code(code), kind, role, person_id, to_db(now), to_db(now + lifetime)),
        )
        return code

    async def check(self, code_hash: str, kind: Kind, now: datetime) -> State:
        row = await self.db.fetchone(
            "SELECT expires_at, used_at FROM codes WHERE code_hash = ? AND kind = ?",
            (code_hash, kind),
        )
        if row is None:
            return State.UNKNOWN
        if row["used_at"] is not None:
            return State.USED
        expires = from_db(row["expires_at"])
        assert expires is not None
        return State.VALID if expires > now else State.EXPIRED

    async def claim(self, code_hash: str, kind: Kind, now: datetime) -> StoredCode | None:
        """Use a code: only one claim of a valid code ever succeeds, however many race."""
        async with self.db.begin() as conn:
            async with conn.execute(
                "UPDATE codes SET used_at = ? WHERE code_hash = ? AND kind = ?"
                " AND used_at IS NULL AND expires_at > ?",
                (to_db(now), code_hash, kind, to_db(now)),
            ) as cur:
                if cur.rowcount != 1:
                    return None
            async with conn.execute(
                "SELECT code_hash, kind, role, person_id, expires_at FROM codes"
                " WHERE code_hash = ?",
                (code_hash,),
            ) as found:
                row = await found.fetchone()
        assert row is not None
        expires = from_db(row["expires_at"])
        assert expires is not None
        return StoredCode(row["code_hash"], row["kind"], row["role"], row["person_id"], expires)

    async def open_count(self, person_id: int, kind: Kind, now: datetime) -> int:
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM codes WHERE person_id = ? AND kind = ? AND used_at IS NULL"
            " AND expires_at > ?",
            (person_id, kind, to_db(now)),
        )
        return int(row[0]) if row else 0

    async def withdraw(self, person_id: int, kind: Kind) -> int:
        """Cancel the codes someone issued that nobody used yet (when they leave or are
        removed, their invitations stop working)."""
        return await self.db.execute_rowcount(
            "DELETE FROM codes WHERE person_id = ? AND kind = ? AND used_at IS NULL",
            (person_id, kind),
        )

    async def purge(self, now: datetime) -> int:
        return await self.db.execute_rowcount(
            "DELETE FROM codes WHERE expires_at <= ?", (to_db(now - KEEP_AFTER_EXPIRY),)
        )

    async def export_person(self, person_id: int) -> dict[str, Any]:
        rows = await self.db.fetchall(
            "SELECT kind, role, created_at, expires_at, used_at FROM codes WHERE person_id = ?"
            " ORDER BY created_at",
            (person_id,),
        )
        invites = [
            {
                "role": r["role"],
                "issued": r["created_at"],
                "expires": r["expires_at"],
                "used": r["used_at"] is not None,
            }
            for r in rows
            if r["kind"] == "invite"
        ]
        links = sum(1 for r in rows if r["kind"] == "link" and r["used_at"] is None)
        return {"invitations_you_issued": invites, "account_link_codes_waiting": links}

    async def erase_person(self, person_id: int) -> None:
        await self.db.execute("DELETE FROM codes WHERE person_id = ?", (person_id,))
