"""Button tokens: the short opaque id a button carries, and what pressing it means.

A token is derived from what the button does, so the same button sent to a thousand people is
one row, and it is stored, so a button keeps working after a restart. Twelve base32 characters
fit Telegram's 64-byte callback data and Discord's 100-character custom id with room to spare.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.core.replies import Payload
from bot.storage.database import Database
from bot.storage.times import to_db

BUTTON_LIFETIME = timedelta(days=90)


@dataclass(frozen=True, slots=True)
class StoredButton:
    action: str
    payload: dict[str, Any]
    person_id: int | None


def make_token(action: str, payload: Payload, person_id: int | None) -> str:
    blob = json.dumps([action, dict(payload), person_id], sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(blob.encode()).digest()
    return base64.b32encode(digest).decode()[:12].lower()


class ButtonRepository:
    holds = ("buttons",)

    def __init__(self, db: Database) -> None:
        self.db = db

    async def mint(
        self, action: str, payload: Payload, person_id: int | None, now: datetime
    ) -> str:
        (token,) = await self.mint_many([(action, payload, person_id)], now)
        return token

    async def mint_many(
        self, buttons: Sequence[tuple[str, Payload, int | None]], now: datetime
    ) -> list[str]:
        """Tokens for several buttons in one write (a reply's nine topic buttons are one
        round trip to the database, not nine)."""
        tokens = [make_token(action, payload, person_id) for action, payload, person_id in buttons]
        if not tokens:
            return tokens
        expires = to_db(now + BUTTON_LIFETIME)
        rows = {  # one row per token: the same button twice in a reply is one row
            token: (token, action, json.dumps(dict(payload), sort_keys=True), person_id, expires)
            for token, (action, payload, person_id) in zip(tokens, buttons, strict=True)
        }
        await self.db.execute(
            "INSERT INTO buttons(token, action, payload, person_id, expires_at) VALUES "
            + ", ".join("(?, ?, ?, ?, ?)" for _ in rows)
            + " ON CONFLICT(token) DO UPDATE SET expires_at = excluded.expires_at",
            [value for row in rows.values() for value in row],
        )
        return tokens

    async def lookup(self, token: str, now: datetime) -> StoredButton | None:
        row = await self.db.fetchone(
            "SELECT action, payload, person_id FROM buttons WHERE token = ? AND expires_at > ?",
            (token, to_db(now)),
        )
        if row is None:
            return None
        return StoredButton(row["action"], json.loads(row["payload"]), row["person_id"])

    async def purge_expired(self, now: datetime) -> int:
        return await self.db.execute_rowcount(
            "DELETE FROM buttons WHERE expires_at <= ?", (to_db(now),)
        )

    async def export_person(self, person_id: int) -> dict[str, Any]:
        rows = await self.db.fetchall(
            "SELECT action, payload, expires_at FROM buttons WHERE person_id = ? ORDER BY token",
            (person_id,),
        )
        return {
            "buttons_only_you_can_press": [
                {"does": r["action"], "with": json.loads(r["payload"]), "until": r["expires_at"]}
                for r in rows
            ]
        }

    async def erase_person(self, person_id: int) -> None:
        # Also buttons on someone else's message that act on this person (a steward's
        # "remove #12"): by convention their payload names them under the key "person".
        await self.db.execute(
            "DELETE FROM buttons WHERE person_id = ? OR json_extract(payload, '$.person') = ?",
            (person_id, person_id),
        )
