"""The SQLite file: atomic numbered migrations, pragmas, and a consistent live backup."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.errors import SettingsError
from bot.core.model import AccountRef, Platform, Role
from bot.storage.database import (
    AUTOCHECKPOINT_PAGES,
    Database,
    Migration,
    MigrationError,
    backup,
    bundled_migrations,
)
from bot.storage.people import PeopleRepository

NOW = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)


def schema(path: Path) -> set[str]:
    con = sqlite3.connect(path)
    try:
        rows = con.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table','index') "
            "AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    finally:
        con.close()
    return {r[0] for r in rows}


async def test_a_fresh_database_gets_every_migration_and_the_pragmas(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "new.sqlite3")
    try:
        assert await db.version() == bundled_migrations()[-1].version
        for pragma, expected in (
            ("journal_mode", "wal"),
            ("foreign_keys", 1),
            ("secure_delete", 1),
            ("wal_autocheckpoint", AUTOCHECKPOINT_PAGES),
        ):
            row = await db.fetchone(f"PRAGMA {pragma}")
            assert row is not None and row[0] == expected
    finally:
        await db.close()


@pytest.mark.parametrize("stop_at", range(len(bundled_migrations())))
async def test_upgrading_from_each_earlier_version_keeps_data(tmp_path: Path, stop_at: int) -> None:
    """Migrate to an earlier version, store a person, then upgrade to the latest."""
    migrations = bundled_migrations()
    path = tmp_path / "old.sqlite3"
    db = await Database.open(path, migrations[: stop_at + 1])
    await PeopleRepository(db).create(AccountRef(Platform.TELEGRAM, "7"), [Role.PEER], NOW)
    await db.close()

    db = await Database.open(path)
    try:
        assert await db.version() == migrations[-1].version
        person = await PeopleRepository(db).by_account(AccountRef(Platform.TELEGRAM, "7"))
        assert person is not None and person.is_member
    finally:
        await db.close()
    fresh = tmp_path / "fresh.sqlite3"
    await (await Database.open(fresh)).close()
    assert schema(path) == schema(fresh)


async def test_a_failing_migration_leaves_the_previous_schema_intact(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    good = bundled_migrations()
    await (await Database.open(path, good)).close()
    before = schema(path)
    broken = Migration(
        good[-1].version + 1,
        "broken",
        "CREATE TABLE half_done (id INTEGER);\nINSERT INTO no_such_table VALUES (1);",
    )
    with pytest.raises(MigrationError, match="broken"):
        await Database.open(path, [*good, broken])
    assert schema(path) == before
    db = await Database.open(path, good)
    try:
        assert await db.version() == good[-1].version
    finally:
        await db.close()


async def test_erasing_a_person_cascades_through_foreign_keys(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        people = PeopleRepository(db)
        person = await people.create(AccountRef(Platform.DISCORD, "9"), [Role.PEER], NOW)
        await db.execute(
            "INSERT INTO schedules(kind, person_id, trigger, timezone, created_at)"
            " VALUES ('x', ?, '{}', 'UTC', '2026-01-01')",
            (person.id,),
        )
        await db.execute("DELETE FROM people WHERE id = ?", (person.id,))
        row = await db.fetchone("SELECT COUNT(*) FROM schedules")
        assert row is not None and row[0] == 0
    finally:
        await db.close()


async def test_backup_is_a_consistent_copy_while_the_bot_writes(tmp_path: Path) -> None:
    source = tmp_path / "live.sqlite3"
    db = await Database.open(source)
    try:
        people = PeopleRepository(db)
        for n in range(50):
            await people.create(AccountRef(Platform.TELEGRAM, str(n)), [Role.PEER], NOW)
        target = tmp_path / "backups" / "copy.sqlite3"
        backup(source, target)  # the live connection stays open, WAL not yet checkpointed
        await people.create(AccountRef(Platform.TELEGRAM, "after"), [Role.PEER], NOW)
    finally:
        await db.close()
    con = sqlite3.connect(target)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT COUNT(*) FROM accounts").fetchone()[0] == 50
    finally:
        con.close()


def test_backup_of_a_missing_database_is_a_plain_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="no database"):
        backup(tmp_path / "nothing.sqlite3", tmp_path / "copy.sqlite3")


async def test_an_unwritable_database_path_is_a_plain_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(SettingsError, match="DATABASE_PATH: cannot write"):
        await Database.open(blocker / "db.sqlite3")


async def test_a_migration_that_lands_after_a_later_one_is_still_applied(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite3"
    first, *rest = bundled_migrations()
    late = Migration(90, "late", "CREATE TABLE late_one (id INTEGER);")
    later = Migration(91, "later", "CREATE TABLE later_one (id INTEGER);")
    await (await Database.open(path, [first, *rest, later])).close()
    db = await Database.open(path, [first, *rest, late, later])
    try:
        assert await db.applied() >= {90, 91}
        assert {"late_one", "later_one"} <= set(await db.tables())
    finally:
        await db.close()


async def test_scrub_waits_for_an_open_read_instead_of_failing(tmp_path: Path) -> None:
    """Regression: a checkpoint met a statement still reading and raised "database table is
    locked", which stopped the outbox from deleting delivered rows."""
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        people = PeopleRepository(db)
        for n in range(2):
            await people.create(AccountRef(Platform.TELEGRAM, str(n)), [Role.PEER], NOW)
        reading = await db.conn.execute("SELECT * FROM people")
        await reading.fetchone()
        assert await db.scrub() is False  # refused for now, no exception
        await reading.close()
        assert await db.scrub() is True
    finally:
        await db.close()


async def test_a_write_cancelled_while_beginning_leaves_no_transaction_open(
    tmp_path: Path,
) -> None:
    """Regression: cancelling a task while it awaited BEGIN left the shared connection inside a
    transaction, and the next write failed ("cannot start a transaction within a
    transaction")."""
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        people = PeopleRepository(db)

        async def write() -> None:
            await people.create(AccountRef(Platform.TELEGRAM, "x"), [Role.PEER], NOW)

        for _ in range(20):  # cancel at different points of the transaction
            task = asyncio.create_task(write())
            await asyncio.sleep(0)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, sqlite3.IntegrityError):
                await task
            await people.create(AccountRef(Platform.DISCORD, str(_)), [Role.PEER], NOW)
        row = await db.fetchone("SELECT COUNT(*) FROM accounts WHERE platform = 'discord'")
        assert row is not None and row[0] == 20
    finally:
        await db.close()


async def test_the_last_steward_cannot_be_revoked_even_by_two_at_once(tmp_path: Path) -> None:
    """Regression: the last-steward check and the removal were separate steps, so two stewards
    removing each other at the same moment could leave the network with none."""
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        people = PeopleRepository(db)
        a = await people.create(AccountRef(Platform.TELEGRAM, "a"), [Role.PEER, Role.STEWARD], NOW)
        b = await people.create(AccountRef(Platform.TELEGRAM, "b"), [Role.PEER, Role.STEWARD], NOW)
        results = await asyncio.gather(
            people.revoke(a.id, Role.STEWARD), people.revoke(b.id, Role.STEWARD)
        )
        assert sorted(results) == [False, True]
        assert await people.count_with_role(Role.STEWARD) == 1
        assert await people.revoke(a.id, Role.PEER) is True  # other roles go as usual
    finally:
        await db.close()
