"""People, their platform accounts and roles: every write to them is here, marked
``@_changes`` so it forgets what ``known`` remembers (``bot.storage.known_people``)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Coroutine, Iterable
from datetime import datetime, time
from typing import Any, Concatenate, ParamSpec, TypeVar

import aiosqlite

from bot.core.model import AccountRef, Person, Platform, QuietHours, Role
from bot.storage.database import Database
from bot.storage.known_people import KnownPeople
from bot.storage.times import from_db, to_db


def _person(row: aiosqlite.Row, roles: Iterable[str]) -> Person:
    quiet = None
    if row["quiet_start"] and row["quiet_end"]:
        quiet = QuietHours(
            time.fromisoformat(row["quiet_start"]), time.fromisoformat(row["quiet_end"])
        )
    return Person(
        id=row["id"],
        roles=frozenset(Role(r) for r in roles),
        timezone=row["timezone"],
        quiet_hours=quiet,
        # Absent before migration 0010 (a database being upgraded is read by the same code);
        # a Row's ``in`` looks at values, so its keys are asked for.
        away_until=from_db(row["away_until"]) if "away_until" in row.keys() else None,  # noqa: SIM118
    )


P = ParamSpec("P")
R = TypeVar("R")


def _changes(
    write: Callable[Concatenate[PeopleRepository, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[PeopleRepository, P], Coroutine[Any, Any, R]]:
    """A write to people, accounts or roles: what is remembered is forgotten before it (a
    lookup under way keeps nothing) and after it (nothing read meanwhile is kept)."""

    @functools.wraps(write)
    async def changing(people: PeopleRepository, /, *args: P.args, **kwargs: P.kwargs) -> R:
        people.known.forget()
        try:
            return await write(people, *args, **kwargs)
        finally:
            people.known.forget()

    return changing


class PeopleRepository:
    holds = ("people", "accounts", "roles")

    def __init__(self, db: Database) -> None:
        self.db = db
        self.known = KnownPeople()
        db.on_rollback(self.known.forget)

    async def get(self, person_id: int) -> Person | None:
        row = await self.db.fetchone("SELECT * FROM people WHERE id = ?", (person_id,))
        if row is None:
            return None
        roles = await self.db.fetchall("SELECT role FROM roles WHERE person_id = ?", (person_id,))
        return _person(row, (r["role"] for r in roles))

    async def get_many(self, person_ids: Iterable[int]) -> dict[int, Person]:
        """Several people in one read (a burst of due schedules asks for thousands)."""
        wanted = sorted(set(person_ids))
        found: dict[int, Person] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            # Their roles come with them, in the same trip to SQLite's thread.
            rows = await self.db.fetchall(
                "SELECT *, (SELECT json_group_array(role) FROM roles"
                " WHERE roles.person_id = people.id) AS role_list"
                f" FROM people WHERE id IN ({marks})",
                chunk,
            )
            for row in rows:
                found[row["id"]] = _person(row, json.loads(row["role_list"]))
        return found

    async def by_account(self, account: AccountRef) -> Person | None:
        """The person with their roles (every command starts here): from memory when nothing
        about anyone was written since the database last said, else one query."""
        known, person = self.known.get(account)
        if known:
            return person
        version = self.known.version
        person = await self._by_account(account)
        self.known.keep(version, account, person)
        return person

    async def _by_account(self, account: AccountRef) -> Person | None:
        rows = await self.db.fetchall(
            "SELECT p.*, r.role AS role FROM accounts a JOIN people p ON p.id = a.person_id"
            " LEFT JOIN roles r ON r.person_id = p.id"
            " WHERE a.platform = ? AND a.user_id = ?",
            (account.platform.value, account.user_id),
        )
        if not rows:
            return None
        return _person(rows[0], (r["role"] for r in rows if r["role"] is not None))

    @_changes
    async def create(self, account: AccountRef, roles: Iterable[Role], now: datetime) -> Person:
        """A new person with one account; used when someone joins, or for bootstrap stewards."""
        stamp = to_db(now)
        async with self.db.begin() as conn:
            cur = await conn.execute("INSERT INTO people(created_at) VALUES (?)", (stamp,))
            person_id = int(cur.lastrowid or 0)
            await conn.execute(
                "INSERT INTO accounts(platform, user_id, person_id, linked_at) VALUES (?, ?, ?, ?)",
                (account.platform.value, account.user_id, person_id, stamp),
            )
            await conn.executemany(
                "INSERT INTO roles(person_id, role, granted_at) VALUES (?, ?, ?)",
                [(person_id, r.value, stamp) for r in set(roles)],
            )
        person = await self.get(person_id)
        assert person is not None
        return person

    async def accounts(self, person_id: int) -> list[AccountRef]:
        """The person's accounts, most recently linked first."""
        rows = await self.db.fetchall(
            "SELECT platform, user_id FROM accounts WHERE person_id = ?"
            " ORDER BY linked_at DESC, rowid DESC",
            (person_id,),
        )
        return [AccountRef(Platform(r["platform"]), r["user_id"]) for r in rows]

    @_changes
    async def link_account(self, person_id: int, account: AccountRef, now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO accounts(platform, user_id, person_id, linked_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(platform, user_id) DO UPDATE SET person_id = excluded.person_id,"
            " linked_at = excluded.linked_at",
            (account.platform.value, account.user_id, person_id, to_db(now)),
        )

    async def reach_account(self, person_id: int) -> AccountRef | None:
        """Where to send things meant for this person: their chosen platform, else the
        account they linked last."""
        return (await self.reach_accounts([person_id])).get(person_id)

    async def reach_accounts(self, person_ids: Iterable[int]) -> dict[int, AccountRef]:
        """Where each person is reached (see :meth:`reach_account`), in one read for a whole
        burst of due prompts; a person with no account left is absent."""
        wanted = sorted(set(person_ids))
        if not wanted:
            return {}
        rows = await self.db.fetchall(
            "SELECT a.person_id, a.platform, a.user_id, p.reach_on FROM accounts a"
            " JOIN people p ON p.id = a.person_id"
            " WHERE a.person_id IN (SELECT value FROM json_each(?))"
            " ORDER BY a.person_id, a.linked_at DESC, a.rowid DESC",
            (json.dumps(wanted),),
        )
        found: dict[int, AccountRef] = {}
        for r in rows:
            account = AccountRef(Platform(r["platform"]), r["user_id"])
            pid = r["person_id"]
            chosen = r["reach_on"] is not None and r["platform"] == r["reach_on"]
            if pid not in found or (chosen and found[pid].platform.value != r["reach_on"]):
                found[pid] = account  # the latest linked, or the latest on the chosen app
        return found

    @_changes
    async def set_reach_on(self, person_id: int, platform: Platform | None) -> None:
        await self.db.execute(
            "UPDATE people SET reach_on = ? WHERE id = ?",
            (platform.value if platform else None, person_id),
        )

    @_changes
    async def grant(self, person_id: int, role: Role, now: datetime) -> None:
        await self.db.execute(
            "INSERT OR IGNORE INTO roles(person_id, role, granted_at) VALUES (?, ?, ?)",
            (person_id, role.value, to_db(now)),
        )

    @_changes
    async def revoke(self, person_id: int, role: Role) -> bool:
        """Take a role away; False if it would remove the network's last steward. The count
        and the delete are one statement, so two stewards removing each other at the same
        moment cannot leave the network with none."""
        removed = await self.db.execute_rowcount(
            "DELETE FROM roles WHERE person_id = ? AND role = ?"
            " AND (role != 'steward' OR (SELECT COUNT(*) FROM roles WHERE role = 'steward') > 1)",
            (person_id, role.value),
        )
        return removed > 0

    async def count_with_role(self, role: Role) -> int:
        row = await self.db.fetchone("SELECT COUNT(*) FROM roles WHERE role = ?", (role.value,))
        return int(row[0]) if row else 0

    async def with_role(self, role: Role) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT person_id FROM roles WHERE role = ? ORDER BY person_id", (role.value,)
        )
        return [int(r["person_id"]) for r in rows]

    @_changes
    async def set_timezone(self, person_id: int, timezone: str | None) -> None:
        await self.db.execute("UPDATE people SET timezone = ? WHERE id = ?", (timezone, person_id))

    @_changes
    async def set_quiet_hours(self, person_id: int, quiet: QuietHours | None) -> None:
        await self.db.execute(
            "UPDATE people SET quiet_start = ?, quiet_end = ? WHERE id = ?",
            (
                quiet.start.strftime("%H:%M") if quiet else None,
                quiet.end.strftime("%H:%M") if quiet else None,
                person_id,
            ),
        )

    @_changes
    async def set_away(self, person_id: int, until: datetime | None) -> None:
        """``/away until``: one pause for everything scheduled for the person (None: back)."""
        await self.db.execute(
            "UPDATE people SET away_until = ? WHERE id = ?", (to_db(until), person_id)
        )

    async def export_person(self, person_id: int) -> dict[str, Any]:
        person = await self.get(person_id)
        if person is None:
            return {}
        row = await self.db.fetchone(
            "SELECT created_at, reach_on FROM people WHERE id = ?", (person_id,)
        )
        assert row is not None
        return {
            "member_since": row["created_at"],
            "roles": sorted(r.value for r in person.roles),
            "accounts": [str(a) for a in await self.accounts(person_id)],
            "timezone": person.timezone,
            "quiet_hours": str(person.quiet_hours) if person.quiet_hours else None,
            "reach_me_on": row["reach_on"],
            "away_until": to_db(person.away_until),
        }

    @_changes
    async def erase_person(self, person_id: int) -> None:
        # Accounts and roles cascade from people; deleting them first keeps the intent explicit.
        await self.db.transaction(
            [
                ("DELETE FROM roles WHERE person_id = ?", (person_id,)),
                ("DELETE FROM accounts WHERE person_id = ?", (person_id,)),
                ("DELETE FROM people WHERE id = ?", (person_id,)),
            ]
        )
