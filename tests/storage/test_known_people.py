"""Who sent a command is remembered between commands (bot/storage/known_people.py), and never
out of date: every write about a person shows in the very next lookup, a write undone by a
rolled-back transaction is not remembered, an erased person is nobody at once, and no code
outside bot/storage/people.py writes to the tables it remembers."""

from __future__ import annotations

import inspect
import re
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest

from bot.core.model import AccountRef, Platform, QuietHours, Role
from bot.storage.database import Database
from bot.storage.people import PeopleRepository, _changes
from tests.helpers import REPO, console_service, make_settings

NOW = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
ALEX = AccountRef(Platform.TELEGRAM, "101")
ALEX_ON_DISCORD = AccountRef(Platform.DISCORD, "202")
SAM = AccountRef(Platform.TELEGRAM, "303")


@pytest.fixture
async def people(tmp_path: Path) -> AsyncIterator[PeopleRepository]:
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        yield PeopleRepository(db)
    finally:
        await db.close()


def _count_reads(people: PeopleRepository, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []
    real = people.db.fetchall

    async def counted(sql: str, params: Any = ()) -> Any:
        reads.append(sql)
        return await real(sql, params)

    monkeypatch.setattr(people.db, "fetchall", counted)
    return reads


async def test_a_member_is_read_once_then_known(
    people: PeopleRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = await people.create(ALEX, (Role.PEER,), NOW)
    reads = _count_reads(people, monkeypatch)
    for _ in range(3):
        found = await people.by_account(ALEX)
        assert found is not None and found.id == made.id and found.is_member
    for _ in range(3):
        assert await people.by_account(SAM) is None  # not a member: remembered too
    assert len(reads) == 2


async def test_every_write_about_a_person_shows_in_the_next_lookup(
    people: PeopleRepository,
) -> None:
    async def looked_up() -> None:  # every account remembered before each write
        for account in (ALEX, ALEX_ON_DISCORD, SAM):
            await people.by_account(account)

    await looked_up()
    sam = await people.create(SAM, (Role.PEER,), NOW)  # nobody, until Sam joins
    assert (await people.by_account(SAM)) == sam
    alex = await people.create(ALEX, (Role.PEER,), NOW)

    await looked_up()
    await people.link_account(alex.id, ALEX_ON_DISCORD, NOW)
    linked = await people.by_account(ALEX_ON_DISCORD)
    assert linked is not None and linked.id == alex.id

    await looked_up()
    await people.grant(alex.id, Role.MENTOR, NOW)
    assert Role.MENTOR in (await people.by_account(ALEX) or alex).roles
    await looked_up()
    assert await people.revoke(alex.id, Role.MENTOR)
    assert Role.MENTOR not in (await people.by_account(ALEX_ON_DISCORD) or alex).roles

    quiet = QuietHours(time(22, 0), time(7, 0))
    for write in (
        people.set_timezone(alex.id, "America/Vancouver"),
        people.set_quiet_hours(alex.id, quiet),
        people.set_away(alex.id, NOW),
    ):
        await looked_up()
        await write
    now_known = await people.by_account(ALEX)
    assert now_known is not None
    assert now_known.timezone == "America/Vancouver"
    assert now_known.quiet_hours == quiet
    assert now_known.away_until == NOW

    await looked_up()
    await people.link_account(sam.id, ALEX_ON_DISCORD, NOW)  # the account moves to Sam
    moved = await people.by_account(ALEX_ON_DISCORD)
    assert moved is not None and moved.id == sam.id

    await looked_up()
    await people.erase_person(alex.id)  # /forgetme, through the erase hooks
    assert await people.by_account(ALEX) is None


async def test_a_rolled_back_write_is_not_remembered(people: PeopleRepository) -> None:
    alex = await people.create(ALEX, (Role.PEER,), NOW)
    with pytest.raises(RuntimeError):
        async with people.db.batch():
            await people.grant(alex.id, Role.STEWARD, NOW)
            inside = await people.by_account(ALEX)  # reads the write not yet committed
            assert inside is not None and Role.STEWARD in inside.roles
            raise RuntimeError("the batch fails")
    after = await people.by_account(ALEX)
    assert after is not None and Role.STEWARD not in after.roles


async def _a_commit_that_fails(db: Database) -> None:
    """Make the coming COMMIT fail for real: a row that names nobody, its foreign key checked
    only at COMMIT. SQLite refuses the COMMIT and stays in the transaction, as it may on a
    full disk."""
    await db.conn.execute("PRAGMA defer_foreign_keys = ON")
    await db.conn.execute(
        "INSERT INTO selfcare_saved (person_id, prompt_id) VALUES (?, ?)", (999_999, "p")
    )


async def test_a_write_whose_commit_fails_is_not_remembered(people: PeopleRepository) -> None:
    alex = await people.create(ALEX, (Role.PEER,), NOW)
    with pytest.raises(sqlite3.IntegrityError):
        async with people.db.batch():
            await people.grant(alex.id, Role.STEWARD, NOW)
            inside = await people.by_account(ALEX)  # reads the write not yet committed
            assert inside is not None and Role.STEWARD in inside.roles
            await _a_commit_that_fails(people.db)
    after = await people.by_account(ALEX)
    assert after is not None and Role.STEWARD not in after.roles
    # Nothing is left half-done: the next write commits, and shows.
    await people.grant(alex.id, Role.MENTOR, NOW)
    assert not people.db.conn.in_transaction
    again = await people.by_account(ALEX)
    assert again is not None and Role.MENTOR in again.roles and Role.STEWARD not in again.roles


async def test_a_transaction_whose_commit_fails_is_not_remembered(
    people: PeopleRepository,
) -> None:
    """The same for one transaction of its own (``Database.begin``), outside any batch."""
    alex = await people.create(ALEX, (Role.PEER,), NOW)
    with pytest.raises(sqlite3.IntegrityError):
        async with people.db.begin() as conn:
            await conn.execute(
                "INSERT INTO roles(person_id, role, granted_at) VALUES (?, 'steward', ?)",
                (alex.id, "2026-11-29T18:00:00+00:00"),
            )
            inside = await people.by_account(ALEX)
            assert inside is not None and Role.STEWARD in inside.roles
            await _a_commit_that_fails(people.db)
    after = await people.by_account(ALEX)
    assert after is not None and Role.STEWARD not in after.roles
    await people.grant(alex.id, Role.MENTOR, NOW)  # the connection is not stuck inside it
    again = await people.by_account(ALEX)
    assert again is not None and Role.MENTOR in again.roles


async def test_a_lookup_answered_across_a_write_is_not_kept(people: PeopleRepository) -> None:
    """A lookup that started before a write and ends after it may hold the old answer: it is
    used by its caller, never remembered for the next one."""
    alex = await people.create(ALEX, (Role.PEER,), NOW)
    version = people.known.version
    before = await people._by_account(ALEX)  # the read of a lookup under way
    await people.grant(alex.id, Role.MENTOR, NOW)
    people.known.keep(version, ALEX, before)
    after = await people.by_account(ALEX)
    assert after is not None and Role.MENTOR in after.roles


async def test_a_role_given_by_command_counts_at_the_next_command(tmp_path: Path) -> None:
    """End to end: the console's steward steps down to peer, and steward tools close to them
    at the very next command (the network keeps another steward)."""
    settings = make_settings(tmp_path)
    async with console_service(settings) as (svc, console):
        people = svc.ctx.repo.people
        await people.create(SAM, (Role.PEER, Role.STEWARD), NOW)
        me = await people.by_account(AccountRef(Platform.CONSOLE, "local"))
        assert me is not None
        assert f"#{me.id} ·" in await console.say("/members")
        assert f"Member #{me.id} is now a peer." in await console.say(f"/role #{me.id} peer")
        assert f"#{me.id} ·" not in await console.say("/members")


WRITES = re.compile(
    r"\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+"
    r"(?:people|accounts|roles)\b",
    re.IGNORECASE,
)


def test_only_the_people_repository_writes_people_accounts_and_roles() -> None:
    """What ``KnownPeople`` remembers is kept right by the writes in bot/storage/people.py;
    a write anywhere else would leave it out of date."""
    elsewhere = [
        str(path.relative_to(REPO))
        for folder in ("bot", "handlers")
        for path in (REPO / folder).rglob("*.py")
        if path != REPO / "bot" / "storage" / "people.py" and WRITES.search(path.read_text())
    ]
    assert elsewhere == []


ANY_WRITE = re.compile(r"\b(?:INSERT|UPDATE|DELETE|REPLACE)\b")


async def _nothing(people: PeopleRepository) -> None:
    """Only here so ``_changes`` can be asked what its wrapper's code is."""


def test_every_write_in_the_people_repository_forgets_what_is_known() -> None:
    """A write method in bot/storage/people.py without ``@_changes`` would leave an out-of-date
    person remembered (a revoked role still honoured until the next unrelated write)."""
    marked = _changes(_nothing).__code__
    writes = {
        name: getattr(method, "__code__", None) is marked
        for name, method in vars(PeopleRepository).items()
        if inspect.iscoroutinefunction(method)
        and ANY_WRITE.search(inspect.getsource(inspect.unwrap(method)))
    }
    assert writes, "the check found no writes: it would pass whatever people.py does"
    assert {name for name, forgets in writes.items() if not forgets} == set()
