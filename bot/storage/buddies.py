"""Buddies: who wants one (region, interests, a pause), each person's private do-not-pair
list, the rounds held and who was paired with whom.

What a pairing keeps per person is only whether they tapped anything on it (to notice two
introductions let pass); the answer to "did you two connect?" is never written anywhere.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.storage.database import Database
from bot.storage.times import from_db, to_db


@dataclass(frozen=True, slots=True)
class BuddyRow:
    """Someone in the buddy rounds."""

    person_id: int
    region: str | None
    interests: tuple[str, ...]
    paused_until: datetime | None = None
    missed: int = 0
    asked_to_stay: bool = False


@dataclass(frozen=True, slots=True)
class Pairing:
    """A pair (or a group of three) made in one round."""

    id: int
    round_no: int
    members: tuple[int, ...]

    def others(self, person_id: int) -> tuple[int, ...]:
        return tuple(m for m in self.members if m != person_id)


def _buddy(r: aiosqlite.Row) -> BuddyRow:
    return BuddyRow(
        person_id=r["person_id"],
        region=r["region"],
        interests=tuple(json.loads(r["interests"])),
        paused_until=from_db(r["paused_until"]),
        missed=r["missed"],
        asked_to_stay=bool(r["asked_to_stay"]),
    )


class BuddyRepository:
    holds = ("buddies", "buddy_avoid", "buddy_members")

    def __init__(self, db: Database) -> None:
        self.db = db
        #: In memory only: person id -> (pairing id, buddy) while their next message is a
        #: "Say hi" to pass on (a restart forgets it, which is the point).
        self.saying_hi: dict[int, tuple[int, int]] = {}

    # -- taking part ------------------------------------------------------------------------

    async def join(
        self, person_id: int, region: str | None, interests: Sequence[str], now: datetime
    ) -> None:
        """Join, or change region and interests; joining again also ends a pause."""
        await self.db.execute(
            "INSERT INTO buddies(person_id, region, interests, joined_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(person_id) DO UPDATE SET region = excluded.region,"
            " interests = excluded.interests, paused_until = NULL, missed = 0,"
            " asked_to_stay = 0",
            (person_id, region, json.dumps(list(interests)), to_db(now)),
        )

    async def get(self, person_id: int) -> BuddyRow | None:
        r = await self.db.fetchone("SELECT * FROM buddies WHERE person_id = ?", (person_id,))
        return None if r is None else _buddy(r)

    async def pause(self, person_id: int, until: datetime | None) -> None:
        await self.db.execute(
            "UPDATE buddies SET paused_until = ? WHERE person_id = ?", (to_db(until), person_id)
        )

    async def leave(self, person_id: int) -> bool:
        """Out of the rounds; their do-not-pair list goes too. False if they were not in."""
        was_in = await self.get(person_id) is not None
        await self.db.transaction(
            [
                ("DELETE FROM buddies WHERE person_id = ?", (person_id,)),
                ("DELETE FROM buddy_avoid WHERE person_id = ?", (person_id,)),
            ]
        )
        return was_in

    async def waiting(self, now: datetime) -> list[BuddyRow]:
        """Everyone a round pairs now: in, a member, not paused, not away, not being asked
        whether to stay in."""
        rows = await self.db.fetchall(
            "SELECT b.* FROM buddies b JOIN people p ON p.id = b.person_id"
            " WHERE (b.paused_until IS NULL OR b.paused_until <= ?)"
            " AND (p.away_until IS NULL OR p.away_until <= ?)"
            " AND b.asked_to_stay = 0"
            " AND EXISTS (SELECT 1 FROM roles r WHERE r.person_id = b.person_id"
            " AND r.role = 'peer') ORDER BY b.person_id",
            (to_db(now), to_db(now)),
        )
        return [_buddy(r) for r in rows]

    async def count(self) -> int:
        r = await self.db.fetchone("SELECT COUNT(*) FROM buddies")
        return int(r[0]) if r else 0

    # -- do not pair ------------------------------------------------------------------------

    async def avoid(self, person_id: int, other_id: int) -> None:
        await self.db.execute(
            "INSERT OR IGNORE INTO buddy_avoid(person_id, avoid_id) VALUES (?, ?)",
            (person_id, other_id),
        )

    async def unavoid(self, person_id: int, other_id: int) -> bool:
        """Take someone off one's own do-not-pair list; False if they were not on it."""
        async with self.db.begin() as conn:
            cur = await conn.execute(
                "DELETE FROM buddy_avoid WHERE person_id = ? AND avoid_id = ?",
                (person_id, other_id),
            )
            return cur.rowcount > 0

    async def avoided_by(self, person_id: int) -> list[int]:
        """One person's own do-not-pair list (shown to them alone)."""
        rows = await self.db.fetchall(
            "SELECT avoid_id FROM buddy_avoid WHERE person_id = ? ORDER BY avoid_id",
            (person_id,),
        )
        return [int(r["avoid_id"]) for r in rows]

    async def avoided_pairs(self) -> set[frozenset[int]]:
        """Every pair on either side's list; who asked is not part of the answer."""
        rows = await self.db.fetchall("SELECT person_id, avoid_id FROM buddy_avoid")
        return {frozenset((r["person_id"], r["avoid_id"])) for r in rows}

    # -- rounds and pairings ----------------------------------------------------------------

    async def last_round(self) -> int:
        r = await self.db.fetchone("SELECT MAX(round_no) FROM buddy_rounds")
        return int(r[0]) if r and r[0] is not None else 0

    async def history(self) -> dict[frozenset[int], int]:
        """For every two people ever paired, the last round they were paired in."""
        rows = await self.db.fetchall(
            "SELECT p.round_no, m.pairing_id, m.person_id FROM buddy_members m"
            " JOIN buddy_pairings p ON p.id = m.pairing_id ORDER BY m.pairing_id"
        )
        groups: dict[int, list[int]] = defaultdict(list)
        rounds: dict[int, int] = {}
        for r in rows:
            groups[r["pairing_id"]].append(r["person_id"])
            rounds[r["pairing_id"]] = r["round_no"]
        last: dict[frozenset[int], int] = {}
        for pairing_id, members in groups.items():
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    key = frozenset((a, b))
                    last[key] = max(last.get(key, 0), rounds[pairing_id])
        return last

    async def hold_round(
        self, round_no: int, groups: Sequence[Sequence[int]], now: datetime
    ) -> list[Pairing]:
        """Record a round and its pairings in one transaction."""
        made: list[Pairing] = []
        async with self.db.begin() as conn:
            await conn.execute(
                "INSERT INTO buddy_rounds(round_no, held_at) VALUES (?, ?)", (round_no, to_db(now))
            )
            for group in groups:
                cur = await conn.execute(
                    "INSERT INTO buddy_pairings(round_no) VALUES (?)", (round_no,)
                )
                pairing_id = int(cur.lastrowid or 0)
                await conn.executemany(
                    "INSERT INTO buddy_members(pairing_id, person_id) VALUES (?, ?)",
                    [(pairing_id, p) for p in group],
                )
                made.append(Pairing(pairing_id, round_no, tuple(group)))
        return made

    async def pairing(self, pairing_id: int) -> Pairing | None:
        rows = await self.db.fetchall(
            "SELECT p.round_no, m.person_id FROM buddy_pairings p"
            " JOIN buddy_members m ON m.pairing_id = p.id WHERE p.id = ? ORDER BY m.person_id",
            (pairing_id,),
        )
        if not rows:
            return None
        return Pairing(pairing_id, rows[0]["round_no"], tuple(r["person_id"] for r in rows))

    async def pairings_in(self, round_no: int) -> list[Pairing]:
        rows = await self.db.fetchall(
            "SELECT p.id FROM buddy_pairings p WHERE p.round_no = ? ORDER BY p.id", (round_no,)
        )
        found = [await self.pairing(r["id"]) for r in rows]
        return [p for p in found if p is not None]

    async def current(self, person_id: int) -> Pairing | None:
        """The person's pairing from the latest round, if they were paired in it."""
        r = await self.db.fetchone(
            "SELECT p.id FROM buddy_pairings p JOIN buddy_members m ON m.pairing_id = p.id"
            " WHERE m.person_id = ? AND p.round_no = (SELECT MAX(round_no) FROM buddy_rounds)",
            (person_id,),
        )
        return None if r is None else await self.pairing(r["id"])

    async def tapped(self, pairing_id: int, person_id: int) -> None:
        """They did something with this introduction: it was not let pass."""
        await self.db.transaction(
            [
                (
                    "UPDATE buddy_members SET tapped = 1 WHERE pairing_id = ? AND person_id = ?",
                    (pairing_id, person_id),
                ),
                (
                    "UPDATE buddies SET missed = 0, asked_to_stay = 0 WHERE person_id = ?",
                    (person_id,),
                ),
            ]
        )

    async def count_missed(self, round_no: int, ask_at: int) -> list[int]:
        """After a round's introductions had their time: add one to each untapped member's
        run of missed ones (a tap started it again at 0); return who reached ``ask_at`` and
        is now to be asked whether to stay in (their run starts again)."""
        async with self.db.begin() as conn:
            await conn.execute(
                "UPDATE buddies SET missed = missed + 1 WHERE person_id IN"
                " (SELECT m.person_id FROM buddy_members m JOIN buddy_pairings p"
                " ON p.id = m.pairing_id WHERE p.round_no = ? AND m.tapped = 0)",
                (round_no,),
            )
            cur = await conn.execute(
                "SELECT person_id FROM buddies WHERE missed >= ? ORDER BY person_id", (ask_at,)
            )
            asked = [int(r[0]) for r in await cur.fetchall()]
            await conn.execute(
                "UPDATE buddies SET missed = 0, asked_to_stay = 1 WHERE missed >= ?", (ask_at,)
            )
        return asked

    async def stay(self, person_id: int) -> None:
        await self.db.execute(
            "UPDATE buddies SET missed = 0, asked_to_stay = 0 WHERE person_id = ?", (person_id,)
        )

    # -- personal data ----------------------------------------------------------------------

    async def export_person(self, person_id: int) -> dict[str, Any]:
        me = await self.get(person_id)
        avoid = await self.db.fetchall(
            "SELECT avoid_id FROM buddy_avoid WHERE person_id = ? ORDER BY avoid_id",
            (person_id,),
        )
        rows = await self.db.fetchall(
            "SELECT p.id, p.round_no, m.tapped FROM buddy_pairings p"
            " JOIN buddy_members m ON m.pairing_id = p.id WHERE m.person_id = ? ORDER BY p.id",
            (person_id,),
        )
        pairings = []
        for r in rows:
            pairing = await self.pairing(r["id"])
            pairings.append(
                {
                    "round": r["round_no"],
                    "paired_with_member_numbers": list(pairing.others(person_id))
                    if pairing
                    else [],
                    "you_tapped_on_it": bool(r["tapped"]),
                }
            )
        return {
            "buddy_rounds": None
            if me is None
            else {
                "region": me.region,
                "interests": list(me.interests),
                "paused_until": to_db(me.paused_until),
                "introductions_let_pass_in_a_row": me.missed,
                "asked_whether_to_stay_in": me.asked_to_stay,
            },
            "buddy_do_not_pair_list": [r["avoid_id"] for r in avoid],
            "buddy_pairings": pairings,
        }

    async def erase_person(self, person_id: int) -> None:
        self.saying_hi.pop(person_id, None)
        await self.db.transaction(
            [
                ("DELETE FROM buddies WHERE person_id = ?", (person_id,)),
                (
                    "DELETE FROM buddy_avoid WHERE person_id = ? OR avoid_id = ?",
                    (person_id, person_id),
                ),
                ("DELETE FROM buddy_members WHERE person_id = ?", (person_id,)),
                (
                    "DELETE FROM buddy_pairings WHERE id NOT IN"
                    " (SELECT pairing_id FROM buddy_members)",
                    (),
                ),
            ]
        )
