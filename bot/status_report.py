"""``python -m bot status``: how the service stands, without starting it.

For a steward keeping the bot running: is the database there and at the version this code
expects, how many members, schedules and queued messages it holds, and whether the content
folder is good. It opens the database read-only (never creating or migrating it), so it is
safe to run while the bot runs, and it prints counts only: nothing about any person.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from bot.config import Settings
from bot.content.problems import ContentError
from bot.content.sources import SOURCES
from bot.content.store import load_all
from bot.storage.database import bundled_migrations, unknown_migrations, unreadable

_COUNTS = (
    ("members", "SELECT COUNT(DISTINCT person_id) FROM roles WHERE role = 'peer'"),
    ("mentors", "SELECT COUNT(*) FROM roles WHERE role = 'mentor'"),
    ("stewards", "SELECT COUNT(*) FROM roles WHERE role = 'steward'"),
    ("schedules", "SELECT COUNT(*) FROM schedules"),
    # ``status`` was stored after ``attachment`` until migration 0033 (a database not yet
    # migrated): reading it in a row that holds a file walked every page of the file (about
    # 88 ms for 200 MB queued). A row holds a file only while it waits (marking one failed
    # empties it, as it always has), and ``attachment IS NULL`` in a WHERE is answered from
    # the row's header: the files are never read.
    (
        "messages waiting to be sent",
        "SELECT COUNT(*) FROM outbox WHERE attachment IS NOT NULL OR status = 'queued'",
    ),
    (
        "messages that could not be delivered",
        "SELECT COUNT(*) FROM outbox WHERE attachment IS NULL AND status = 'failed'",
    ),
)


def report(settings: Settings) -> tuple[int, list[str]]:
    """The lines to print, and the exit status: 0 when all is well, 1 when something needs
    a person's attention."""
    lines: list[str] = []
    ok = True
    for line, good in _database(settings.database_path):
        lines.append(line)
        ok = ok and good
    for line, good in _content(settings):
        lines.append(line)
        ok = ok and good
    return (0 if ok else 1), lines


def _database(path: Path) -> Iterator[tuple[str, bool]]:
    if not path.exists():
        yield f"Database: {path} does not exist yet (the bot creates it on its first run).", True
        return
    migrations = bundled_migrations()
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            versions = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
            counts = [(name, conn.execute(sql).fetchone()[0]) for name, sql in _COUNTS]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        # The same words the bot itself would print at start.
        yield f"Database: {unreadable(path, exc)}", False
        return
    newest, expected = max(versions, default=0), max(m.version for m in migrations)
    if unknown_migrations(versions, migrations):
        yield (
            f"Database: {path} is at version {newest}, newer than this code ({expected}). "
            "Run the newer version of the bot, or restore a backup.",
            False,
        )
    elif len(versions) < len(migrations):
        yield (
            f"Database: {path}, version {newest}; the bot updates it to {expected} at start.",
            True,
        )
    else:
        yield f"Database: {path}, version {newest} (up to date).", True
    for name, count in counts:
        yield f"  {name}: {count}", True


def _content(settings: Settings) -> Iterator[tuple[str, bool]]:
    try:
        _, warnings = load_all(settings.content_dir, SOURCES)
    except ContentError as exc:
        yield (
            f"Content: {settings.content_dir} has {len(exc.problems)} problem(s); "
            "see python -m bot check-content.",
            False,
        )
        return
    note = f" ({len(warnings)} note(s); see python -m bot check-content)" if warnings else ""
    yield f"Content: {settings.content_dir} is good{note}.", True
