"""Button tokens: the short opaque id a button carries, and what pressing it means.

A token is derived from what the button does, so the same button sent to a thousand people is
one row, and it is stored, so a button keeps working after a restart. It is keyed (HMAC-SHA256)
with a random secret the database makes once and keeps, so nobody outside can work out the
token of a button they were not sent (an unkeyed hash of action, payload and person could be
computed by anyone who read this code). Twelve base32 characters fit Telegram's 64-byte
callback data and Discord's 100-character custom id with room to spare.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
import sqlite3
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from bot.core.replies import Payload
from bot.storage.database import Database, is_disk_full
from bot.storage.times import to_db

BUTTON_LIFETIME = timedelta(days=90)
#: A button whose stored row still has this much of its lifetime left is not written again: the
#: same topic buttons shown to everyone all day are one write a day, not one per answer.
_STILL_FRESH = BUTTON_LIFETIME - timedelta(days=1)
#: Buttons that work only while this run lasts (see ``remember``), newest kept.
_RUN_ONLY_KEEP = 10_000


@dataclass(frozen=True, slots=True)
class StoredButton:
    action: str
    payload: dict[str, Any]
    person_id: int | None


def make_token(key: bytes, action: str, payload: Payload, person_id: int | None) -> str:
    same = _same(action, payload, person_id)
    if isinstance(same, tuple):
        return _token_of(key, same)
    blob = json.dumps([action, dict(payload), person_id], sort_keys=True, separators=(",", ":"))
    return _token(key, blob)


def _same(action: str, payload: Payload, person_id: int | None) -> object:
    """What tells one button from another without spelling it out: its action, payload items
    and person (the same payload in another order only costs one more hash), or, for a
    payload holding something unhashable, the text its token is made from."""
    # Each value with its type: True and 1 are equal in Python, not in the token's JSON.
    same = (action, tuple((k, type(v), v) for k, v in payload.items()), person_id)
    try:
        hash(same)
    except TypeError:
        return json.dumps([action, dict(payload), person_id], sort_keys=True)
    return same


@lru_cache(maxsize=4096)  # the same buttons under thousands of prompts in a burst
def _token_of(
    key: bytes, same: tuple[str, tuple[tuple[str, type, object], ...], int | None]
) -> str:
    action, items, person_id = same
    payload = {k: v for k, _, v in items}
    blob = json.dumps([action, payload, person_id], sort_keys=True, separators=(",", ":"))
    return _token(key, blob)


@lru_cache(maxsize=4096)  # the same buttons (topics, crisis lines) are shown all day
def _token(key: bytes, blob: str) -> str:
    digest = hmac.digest(key, blob.encode(), "sha256")
    return base64.b32encode(digest).decode()[:12].lower()


class ButtonRepository:
    holds = ("buttons",)

    def __init__(self, db: Database) -> None:
        self.db = db
        self._key: bytes | None = None
        self._unsaved_key = secrets.token_bytes(32)
        self._unsaved: dict[str, tuple[StoredButton, datetime]] = {}
        self._run_only: OrderedDict[str, StoredButton] = OrderedDict()
        self._written: dict[str, datetime] = {}  # token → the expiry its row was given
        #: Counts erasures, so a write that was under way while one ran is not remembered as
        #: still on disk (the erasure may have deleted its row after it was written).
        self._erasures = 0
        db.on_rollback(self._forget_written)

    def _forget_written(self) -> None:
        """A transaction rolled back (a burst of due schedules that failed): rows its buttons
        wrote are gone, so the next answer writes them again instead of trusting this memo
        (the button would say it expired)."""
        self._written.clear()

    async def key(self) -> bytes:
        """The database's own button key, made the first time it is needed."""
        if self._key is None:
            row = await self.db.fetchone("SELECT value FROM secrets WHERE name = 'buttons'")
            if row is None:
                try:
                    await self.db.execute(
                        "INSERT OR IGNORE INTO secrets(name, value) VALUES ('buttons', ?)",
                        (secrets.token_bytes(32),),
                    )
                except sqlite3.OperationalError as exc:
                    if not is_disk_full(exc):
                        raise
                    return self._unsaved_key  # buttons work until a restart; not after
                row = await self.db.fetchone("SELECT value FROM secrets WHERE name = 'buttons'")
                assert row is not None
            self._key = bytes(row["value"])
        return self._key

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
        if not buttons:
            return []
        key = await self.key()
        # One hash for the same button, known by its payload's items without spelling them
        # out: the same few buttons under thousands of prompts in a burst are worked out once
        # each (the same payload given in another order is only worked out once more).
        made: dict[object, str] = {}
        found: dict[str, tuple[str, Payload, int | None]] = {}  # one row per token
        tokens = []
        for action, payload, person_id in buttons:
            same = _same(action, payload, person_id)
            token = made.get(same)
            if token is None:
                token = made[same] = make_token(key, action, payload, person_id)
                found[token] = (action, payload, person_id)
            tokens.append(token)
        expires = now + BUTTON_LIFETIME
        if all(self._written.get(token, now) - now > _STILL_FRESH for token in found):
            return tokens  # every row is there, with most of its lifetime left
        rows = {
            token: (token, action, json.dumps(dict(payload), sort_keys=True), person_id)
            for token, (action, payload, person_id) in found.items()
        }
        erasures = self._erasures
        try:
            await self.db.execute(
                "INSERT INTO buttons(token, action, payload, person_id, expires_at) VALUES "
                + ", ".join("(?, ?, ?, ?, ?)" for _ in rows)
                + " ON CONFLICT(token) DO UPDATE SET expires_at = excluded.expires_at",
                [value for row in rows.values() for value in (*row, to_db(expires))],
            )
        except sqlite3.OperationalError as exc:
            if not is_disk_full(exc):
                raise
            # The disk is full: the buttons still work, from memory, until a restart, so an
            # answer (crisis lines above all) is never held back by a write it does not need.
            for token, (action, payload, person_id) in zip(tokens, buttons, strict=True):
                self._unsaved[token] = (StoredButton(action, dict(payload), person_id), expires)
            return tokens
        if erasures != self._erasures:
            return tokens  # an erasure ran meanwhile: the next answer writes these again
        if len(self._written) > _RUN_ONLY_KEEP:
            self._written.clear()  # only a saving: forgetting means one write more
        self._written.update((token, expires) for token in rows)
        return tokens

    def remember(self, buttons: Sequence[tuple[str, Payload, int | None]]) -> list[str]:
        """Tokens for buttons that only mean something while this run lasts (a "more" button
        paging through a list held in memory): kept in memory, never written, so answering
        costs no write and nothing of them is on disk. After a restart they have expired."""
        tokens = []
        for action, payload, person_id in buttons:
            token = make_token(self._unsaved_key, action, payload, person_id)
            self._run_only[token] = StoredButton(action, dict(payload), person_id)
            self._run_only.move_to_end(token)
            tokens.append(token)
        while len(self._run_only) > _RUN_ONLY_KEEP:
            self._run_only.popitem(last=False)
        return tokens

    async def lookup(self, token: str, now: datetime) -> StoredButton | None:
        run_only = self._run_only.get(token)
        if run_only is not None:
            return run_only
        unsaved = self._unsaved.get(token)
        if unsaved is not None and unsaved[1] > now:
            return unsaved[0]
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
        held = [
            {"does": r["action"], "with": json.loads(r["payload"]), "until": r["expires_at"]}
            for r in rows
        ]
        held += [  # made while the disk was full, kept in memory only
            {"does": b.action, "with": b.payload, "until": to_db(until)}
            for b, until in self._unsaved.values()
            if b.person_id == person_id
        ]
        held += [  # working only while this run lasts, never written
            {"does": b.action, "with": b.payload, "until": "this run of the bot ends"}
            for b in self._run_only.values()
            if b.person_id == person_id
        ]
        return {"buttons_only_you_can_press": held}

    async def erase_person(self, person_id: int) -> None:
        self._unsaved = {
            t: (b, until)
            for t, (b, until) in self._unsaved.items()
            if b.person_id != person_id and b.payload.get("person") != person_id
        }
        self._run_only = OrderedDict(
            (t, b)
            for t, b in self._run_only.items()
            if b.person_id != person_id and b.payload.get("person") != person_id
        )
        self._written.clear()  # rows may be gone: the next answer writes its buttons again
        self._erasures += 1
        # Also buttons on someone else's message that act on this person (a steward's
        # "remove #12"): by convention their payload names them under the key "person".
        await self.db.execute(
            "DELETE FROM buttons WHERE person_id = ? OR json_extract(payload, '$.person') = ?",
            (person_id, person_id),
        )
