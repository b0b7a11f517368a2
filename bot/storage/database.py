"""One SQLite file through aiosqlite: pragmas, atomic numbered migrations, backup and scrub.

Why these pragmas: WAL lets ``backup`` and readers run while the bot writes; foreign keys make
erasing a person cascade; ``secure_delete`` overwrites deleted rows with zeros, so relayed text
that has been delivered does not linger in free pages. :meth:`Database.scrub` checkpoints and
truncates the WAL so it does not linger there either; ``journal_size_limit=0`` cuts the WAL
back to the latest transaction whenever SQLite starts it again from the top (see
:meth:`Database.scrub_aside`, which relies on it); SQLite checkpoints on its own only at
``AUTOCHECKPOINT_PAGES``, well past what the outbox's scrub rounds let the WAL reach.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import itertools
import logging
import re
import shutil
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.core.errors import SettingsError

log = logging.getLogger(__name__)
_MIGRATION = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

#: The WAL's size, in pages, at which SQLite checkpoints on its own (its default is 1,000).
#:
#: Why higher: SQLite's own checkpoint runs inside the commit of the write that took the WAL
#: past it, on the shared connection (the thread every query waits for, with its fsyncs, as
#: :meth:`Database.scrub_aside` explains), and the write after it starts the WAL again from the
#: top and cuts the file back (``journal_size_limit=0``). While messages go out, the outbox's
#: scrub round copies the WAL aside and truncates it once a second anyway, so above about 330
#: messages a second (3 pages each: tests/storage/test_scrub.py) both came on top of it: two
#: more messages a second, each with 1.0 to 2.6 ms more CPU, 9 of the 20 slowest in 2,000
#: (``python -m benchmarks.outbox_fanout --no-hog --count 300 --overhead 2000``, whose
#: benchmark tells them apart by the ``-shm`` file). At 4,000 (16 MB) the scrub round comes
#: first: with every limit off the WAL held 1,400 to 2,600 frames at a round's start (median
#: of a run), at most about 3,000; only a round that cleared nothing at that rate lets SQLite's
#: own checkpoint come, as it does for writes no scrub follows (a one-off command, a burst
#: queued with nothing delivered yet). A round then copies more frames at once (about 1 us
#: each on the scrub's thread, the truncation about as much): 2.1 to 4.2 ms of CPU a round
#: against 1.2 to 2.2, the same CPU a second in all. At Telegram's 30 messages a second the
#: WAL never gets near either.
#:
#: What bounds how long deleted text stays in the WAL is the outbox's scrub, not this: when
#: rounds keep failing (a write overlaps every try), the outbox scrubs the way that holds up
#: writes once the WAL has gone ``SCRUB_AT_LATEST`` (5 s, ``bot/outbox/journal.py``) without
#: being cleared. SQLite's own checkpoint came before that only above about 200 frames a
#: second sustained (about 70 messages a second: both platforms at full rate, or limits off),
#: where with no round at all text was gone after about 1,000 later frames at the default and
#: 4,000 here (1 to 5 s against 5 to 6 s). After a crash, the next start scrubs what the WAL
#: still holds (``Database.wal_left``).
AUTOCHECKPOINT_PAGES = 4_000


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def bundled_migrations() -> list[Migration]:
    """The numbered SQL files shipped in ``bot/storage/migrations``, in order."""
    found = []
    for entry in resources.files("bot.storage").joinpath("migrations").iterdir():
        m = _MIGRATION.match(entry.name)
        if m:
            found.append(Migration(int(m.group(1)), m.group(2), entry.read_text("utf-8")))
    found.sort(key=lambda mig: mig.version)
    versions = [mig.version for mig in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return found


@dataclass(slots=True)
class _Shared:
    """A write transaction one task holds open for many small writes (see Database.batch).
    It is begun by the first write, not when the block starts: reading and working out what
    to write take no lock. Savepoints asked for before that are kept in ``pending`` and made
    right after BEGIN."""

    db: Database
    task: asyncio.Task[Any] | None
    begun: bool = False
    pending: list[str] = field(default_factory=list)
    #: To run once the batch has committed (see Database.after_commit), dropped if undone.
    committed: list[Callable[[], None]] = field(default_factory=list)


_shared: contextvars.ContextVar[_Shared | None] = contextvars.ContextVar("shared", default=None)
_savepoints = itertools.count(1)


def _shared_now() -> _Shared:
    shared = _shared.get()
    assert shared is not None
    return shared


class MigrationError(Exception):
    """A migration failed; the database is left at the previous version."""


#: What to do about a database that cannot be used, said the same way everywhere.
RESTORE = (
    "Restore the latest copy made with `python -m bot backup PATH` to that path,"
    " or move the file aside to start with an empty database."
)


class UnusableDatabase(SettingsError):
    """The database file exists but cannot be used (not a database, damaged, from a newer
    version, or no room on the disk to open it): ``str()`` is one plain line saying what to
    do."""


def is_disk_full(exc: BaseException) -> bool:
    """SQLite's SQLITE_FULL ("database or disk is full"), however it reached us."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return bool(code & 0xFF == sqlite3.SQLITE_FULL)
    return isinstance(exc, sqlite3.OperationalError) and "is full" in str(exc)


@contextlib.contextmanager
def unless_disk_full(doing: str) -> Iterator[None]:
    """A bookkeeping write that may be skipped while the disk is full (say, counting a
    delivery attempt): a warning instead of an error that would stop the caller."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if not is_disk_full(exc):
            raise
        log.warning("the disk is full; skipped %s", doing)


def _is_io_error(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == sqlite3.SQLITE_IOERR


def _little_room(path: Path) -> bool:
    """Whether the disk holding ``path`` is (nearly) full: SQLite reports a full disk met
    while sizing its shared-memory file as a plain I/O error."""
    try:
        return shutil.disk_usage(path.parent).free < 1 << 20
    except OSError:
        return False


def unknown_migrations(applied: set[int], migrations: Sequence[Migration]) -> list[int]:
    """Migrations recorded in a file that this code does not have (a newer version wrote
    them), in order. Recorded by version, so gaps in the numbering are no sign of age."""
    return sorted(applied - {m.version for m in migrations})


def unreadable(path: Path, exc: sqlite3.Error) -> UnusableDatabase:
    """The one plain line for a database SQLite refuses at start."""
    if is_disk_full(exc) or (_is_io_error(exc) and _little_room(path)):
        return UnusableDatabase(
            f"DATABASE_PATH: the disk holding {path} is full. Free some space, then start"
            " the bot again."
        )
    reason = str(exc) or type(exc).__name__
    return UnusableDatabase(f"DATABASE_PATH: {path} cannot be read ({reason}). {RESTORE}")


class Database:
    """The single aiosqlite connection the service shares. All writes go through it."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        # One connection is shared by every coroutine: a statement issued while another
        # coroutine holds BEGIN would silently join its transaction. Writes take this lock.
        self._write = asyncio.Lock()
        self._writes = 0  # write transactions begun (scrub_aside tells whether any overlapped)
        #: The task whose write transaction holds the lock, if any (scrub_aside must not wait
        #: for the lock inside it: it would wait for itself).
        self._holder: asyncio.Task[Any] | None = None
        self._rollback_listeners: list[Callable[[], None]] = []
        self._aside: aiosqlite.Connection | None = None  # the checkpoints' own connection
        #: The WAL held frames when this file was opened: the last process that wrote it did
        #: not close it (``kill -9``, the OOM killer, a power cut), since a clean close
        #: scrubs the WAL and removes it. What that process deleted may still be there; the
        #: outbox scrubs it once it has started (``Journal.load``).
        self.wal_left = False

    @property
    def writes(self) -> int:
        """Write transactions begun so far: a caller of :meth:`scrub_aside` tells from it
        whether a False meant a write overlapped (worth trying again at once) or not (the
        scrub's connection could not open, or a reader held frames back: not yet)."""
        return self._writes

    def on_rollback(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` whenever a transaction or savepoint is rolled back: what was
        read inside it may never have happened (``bot.storage.known_people``)."""
        self._rollback_listeners.append(listener)

    def _rolled_back(self) -> None:
        for listener in self._rollback_listeners:
            listener()

    @classmethod
    async def open(
        cls, path: Path | str, migrations: Sequence[Migration] | None = None
    ) -> Database:
        path = Path(path)
        check_writable(path)
        migrations = bundled_migrations() if migrations is None else migrations
        wal_left = _wal_holds_frames(path)  # before opening: the migrations may write some
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        db.wal_left = wal_left
        try:
            # Every failure from here closes the connection: its worker thread would
            # otherwise keep the process alive after the error, and a supervisor waiting
            # for the exit would never restart it.
            try:
                await conn.execute("PRAGMA journal_mode=WAL")
                await conn.execute("PRAGMA synchronous=NORMAL")
                await conn.execute("PRAGMA foreign_keys=ON")
                await conn.execute("PRAGMA secure_delete=ON")
                await conn.execute("PRAGMA busy_timeout=5000")
                await conn.execute("PRAGMA journal_size_limit=0")
                await conn.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
                await db._check_readable()
                await db._check_not_newer(migrations)
            except sqlite3.DatabaseError as exc:
                raise unreadable(path, exc) from None
            await db.migrate(migrations)
        except BaseException:
            await conn.close()
            raise
        return db

    async def _check_readable(self) -> None:
        """A quick structural check, so a truncated or damaged file is refused at start
        rather than failing later in the middle of someone's request."""
        rows = await self.fetchall("PRAGMA quick_check")
        problems = [str(r[0]) for r in rows if str(r[0]) != "ok"]
        if problems:
            raise UnusableDatabase(
                f"DATABASE_PATH: {self.path} is damaged ({problems[0][:80]}). {RESTORE}"
            )

    async def _check_not_newer(self, migrations: Sequence[Migration]) -> None:
        """Refuse a file written by a newer version of the bot: its tables may not mean what
        this code thinks they mean."""
        unknown = unknown_migrations(await self.applied(), migrations)
        if unknown:
            raise UnusableDatabase(
                f"DATABASE_PATH: {self.path} was made by a newer version of Peer Circle"
                f" (it has migration {unknown[-1]:04d}, which this version does not know)."
                " Run the newer version, or restore a backup made with this one."
            )

    async def close(self) -> None:
        try:
            await self.scrub()
        finally:
            try:
                if self._aside is not None:
                    aside, self._aside = self._aside, None
                    await aside.close()
            finally:
                await self.conn.close()

    async def applied(self) -> set[int]:
        """The migration versions recorded in this file."""
        await self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        async with self.conn.execute("SELECT version FROM schema_migrations") as cur:
            return {int(row[0]) for row in await cur.fetchall()}

    async def version(self) -> int:
        return max(await self.applied(), default=0)

    async def migrate(self, migrations: Sequence[Migration]) -> list[int]:
        """Apply each migration not yet recorded, in order, each in one transaction with its
        version row. (Recorded by version, not by the highest number, so a migration written
        on a branch that lands later is still applied.)

        The SQL file's own statements run inside BEGIN/COMMIT that we add around it, because
        ``executescript`` commits any open transaction first.
        """
        done = await self.applied()
        applied = []
        for mig in migrations:
            if mig.version in done:
                continue
            stamp = datetime.now(UTC).isoformat()
            script = (
                "BEGIN IMMEDIATE;\n"
                f"{mig.sql}\n;\n"
                "INSERT INTO schema_migrations(version, name, applied_at) "
                f"VALUES ({mig.version}, '{mig.name}', '{stamp}');\n"
                "COMMIT;"
            )
            try:
                await self.conn.executescript(script)
            except sqlite3.Error as exc:
                if self.conn.in_transaction:
                    await self.conn.execute("ROLLBACK")
                if is_disk_full(exc):
                    raise unreadable(self.path, exc) from None
                raise MigrationError(
                    f"migration {mig.version:04d}_{mig.name} failed: {exc}"
                ) from exc
            applied.append(mig.version)
        return applied

    # -- small helpers used by repositories -------------------------------------------------

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once what this task just wrote is committed: at once outside a
        batch (its write committed already), at the batch's commit inside one, and never if
        the batch, or the part of it that wrote, is rolled back.

        Why: the outbox hands a queued message to its sender only then. A message queued by
        a job whose part of the batch was undone must not go out, or the scheduler's retry
        of that job alone would send it a second time."""
        if not self._joined():
            callback()
            return
        _shared_now().committed.append(callback)

    def _joined(self) -> bool:
        """Whether this task holds a batch transaction on this database (writes join it)."""
        shared = _shared.get()
        return shared is not None and shared.db is self and shared.task is asyncio.current_task()

    async def _begin_shared(self) -> None:
        """A write inside :meth:`batch`: the first takes the write lock and BEGINs; any makes
        the savepoints of :meth:`part` still pending (the batch's exit commits or rolls back
        and lets go of the lock)."""
        shared = _shared_now()
        if not shared.begun:
            await self._take_for_writes()
            shared.begun = True  # from here the batch's exit ends the transaction
            await self.conn.execute("BEGIN IMMEDIATE")
        while shared.pending:
            await self.conn.execute(f"SAVEPOINT {shared.pending[0]}")
            shared.pending.pop(0)

    async def _take_for_writes(self) -> None:
        """Take the write lock for a write transaction, and count it: the one place both
        happen, so :meth:`scrub_aside` can tell from the count whether any write overlapped
        its copying. (A scrub takes the lock uncounted: it writes no frame.)"""
        await self._write.acquire()
        self._writes += 1
        self._holder = asyncio.current_task()

    def _let_go(self) -> None:
        """Release the write lock taken by :meth:`_take_for_writes`."""
        self._holder = None
        self._write.release()

    @asynccontextmanager
    async def _held_for_writes(self) -> AsyncIterator[None]:
        """:meth:`_take_for_writes` for the length of a block."""
        await self._take_for_writes()
        try:
            yield
        finally:
            self._let_go()

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[None]:
        """One statement, in its own transaction or joined to this task's batch. A joined
        statement that fails tells the rollback listeners: it has no savepoint of its own, and
        SQLite may have undone the whole transaction with it (a full disk does, for a one-row
        INSERT), while its caller may go on (the outbox sends from memory on a full disk),
        so no savepoint's rollback would tell them in its place."""
        if self._joined():
            await self._begin_shared()
            try:
                yield
            except BaseException:
                self._rolled_back()
                raise
        else:
            async with self._held_for_writes():
                yield

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write in its own transaction; returns lastrowid."""
        async with self._writing(), self.conn.execute(sql, params) as cur:
            return int(cur.lastrowid or 0)

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One INSERT in its own transaction; returns its rowid. One trip to SQLite's thread
        where :meth:`execute` makes two (its cursor is closed by a second), and one statement
        where aiosqlite's ``execute_insert`` runs two (the INSERT, then ``SELECT
        last_insert_rowid()`` and a row read back): the rowid is the cursor's ``lastrowid``.
        The outbox queues each reply with one, on the path every message takes. (``INSERT
        ... RETURNING`` was measured too: slower than either.)

        The id is the new row's only for a plain INSERT into a rowid table. A statement that
        inserts nothing (``INSERT OR IGNORE`` or ``ON CONFLICT DO NOTHING`` meeting a
        duplicate), an upsert that updates, or an INSERT into a ``WITHOUT ROWID`` table gets
        the id of the connection's previous insert, which may be another task's row in
        another table (``execute_insert``'s ``last_insert_rowid()`` gave the same)."""
        if self._joined():
            async with self._writing():
                return await self._run_insert(sql, params)
        # The write lock taken by hand: the same as ``_writing``, without the two
        # generator-based context managers it costs on the path every message takes.
        await self._take_for_writes()
        try:
            return await self._run_insert(sql, params)
        finally:
            self._let_go()

    async def _run_insert(self, sql: str, params: Sequence[Any]) -> int:
        # aiosqlite's public ``execute``: one trip, and ``lastrowid`` is read from the
        # finished cursor on this thread (no trip). The cursor is not closed: closing it is
        # a second trip, and it holds nothing (sqlite3 resets a statement as soon as it has
        # run to the end). It is freed when this returns, while the write lock is still held.
        cursor = await self.conn.execute(sql, params)
        return int(cursor.lastrowid or 0)

    async def write(self, sql: str, params: Sequence[Any] = ()) -> None:
        """One write in its own transaction, nothing read back, in one trip to SQLite's thread
        (the outbox deletes each delivered row with one). aiosqlite's public ``execute``,
        without the empty fetch of ``execute_fetchall``; its cursor left unclosed, as in
        :meth:`_run_insert`."""
        if self._joined():
            async with self._writing():
                await self.conn.execute(sql, params)
            return
        await self._take_for_writes()  # by hand, as in :meth:`insert`
        try:
            await self.conn.execute(sql, params)
        finally:
            self._let_go()

    async def write_returning(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        """One write that reads back (``RETURNING``), in its own transaction, in one trip to
        SQLite's thread. Inside a batch it needs no savepoint of its own: one statement is
        undone whole by SQLite if it fails (a burst queues a batch's prompts with one), and
        the rollback listeners are told (see :meth:`_writing`)."""
        async with self._writing():
            return list(await self.conn.execute_fetchall(sql, params))

    async def execute_rowcount(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write; returns how many rows it touched."""
        async with self._writing(), self.conn.execute(sql, params) as cur:
            return int(cur.rowcount)

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[None]:
        """One transaction for every write this task makes inside the block (a burst of due
        schedules: thousands of small writes, one commit). Only the task that opened it
        joins it; other tasks' writes wait for the commit, as they would for any
        transaction, so keep the block short.

        The transaction begins with the block's first write, not with the block: what the
        block reads and works out before it writes keeps no one else waiting. So read and
        prepare first, and write at the end."""
        if self._joined():
            yield
            return
        shared = _Shared(self, asyncio.current_task())
        token = _shared.set(shared)
        try:
            try:
                yield
            except BaseException:
                if shared.begun:
                    await self._rollback()
                raise
            if shared.begun:
                await self._commit()
            for callback in shared.committed:
                callback()
        finally:
            _shared.reset(token)
            if shared.begun:
                self._let_go()

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Many rows of one statement in one transaction (fast fan-out)."""
        async with self.begin() as conn:
            await conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        async with self.conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        """All rows in one trip to the database thread (execute, fetch and close together:
        on a busy machine each trip costs a thread wake-up)."""
        return list(await self.conn.execute_fetchall(sql, params))

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: commits on success, rolls back on any error.

        BEGIN sits inside the ``try``: a task cancelled while awaiting it still has BEGIN run
        on aiosqlite's thread, so the rollback must follow or the connection stays inside a
        transaction nobody will finish. Statements run in order on that thread, so the
        ROLLBACK always lands after the BEGIN it undoes.

        Inside :meth:`batch`, the same task's transaction becomes a savepoint within it (and
        the batch's transaction begins here, if nothing was written before)."""
        if self._joined():
            await self._begin_shared()
            async with self._savepoint(_shared_now()):
                yield self.conn
            return
        async with self._held_for_writes():
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                yield self.conn
            except BaseException:
                await self._rollback()
                raise
            await self._commit()

    @asynccontextmanager
    async def part(self) -> AsyncIterator[None]:
        """A part of :meth:`batch` whose writes are undone together if it fails (the rest of
        the batch goes on). Its savepoint is made by its first write, so a part that reads
        and prepares before writing keeps no one else waiting meanwhile. Outside a batch it
        is a batch of its own."""
        if not self._joined():
            async with self.batch():
                yield
            return
        shared = _shared_now()
        name = f"sp{next(_savepoints)}"
        shared.pending.append(name)
        try:
            async with self._savepoint(shared, name):
                yield
        finally:
            if name in shared.pending:  # it wrote nothing: no savepoint was made
                shared.pending.remove(name)

    @asynccontextmanager
    async def _savepoint(self, shared: _Shared, name: str | None = None) -> AsyncIterator[None]:
        """Undo to here on an error, keep on success; a ``name`` still pending (nothing was
        written) needs neither."""
        if name is None:
            name = f"sp{next(_savepoints)}"
            await self.conn.execute(f"SAVEPOINT {name}")
        mark = len(shared.committed)
        try:
            yield
        except BaseException:
            del shared.committed[mark:]  # undone: what waited for the commit never happens
            if name not in shared.pending:
                with contextlib.suppress(sqlite3.OperationalError):
                    await self.conn.execute(f"ROLLBACK TO {name}")
                    await self.conn.execute(f"RELEASE {name}")
                self._rolled_back()
            raise
        if name not in shared.pending:
            await self.conn.execute(f"RELEASE {name}")

    async def _commit(self) -> None:
        try:
            await self.conn.execute("COMMIT")
        except BaseException:
            # Nothing was written (a full disk; a deferred foreign key): SQLite may have
            # rolled back already, or may still be in the transaction, which would then
            # swallow every later write. Either way what was read inside never happened.
            await self._rollback()
            raise

    async def _rollback(self) -> None:
        """Undo the transaction, and tell the rollback listeners."""
        with contextlib.suppress(sqlite3.OperationalError):  # BEGIN itself may have failed
            await self.conn.execute("ROLLBACK")
        self._rolled_back()

    async def transaction(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> list[int]:
        """Run several writes atomically; returns each statement's lastrowid."""
        ids = []
        async with self.begin() as conn:
            for sql, params in statements:
                async with conn.execute(sql, params) as cur:
                    ids.append(int(cur.lastrowid or 0))
        return ids

    async def scrub(self) -> bool:
        """Fold the WAL into the main file and truncate it, so deleted text is gone from disk
        (secure_delete already zeroes it in the main file). Best effort: while another
        statement is still reading, SQLite refuses (locked or busy); the caller tries again
        later, and closing the database checkpoints and removes the WAL in any case.

        Where the WAL is scrubbed aside too (the outbox does), the copying (and its fsyncs) is
        done aside first, so the truncation that holds up writes has little left to copy."""
        if self._aside is not None:
            await self._checkpoint_aside()
        async with self._write:
            return await self._truncate()

    async def scrub_aside(self) -> bool:
        """:meth:`scrub` without holding anyone up: True when no frame written before this
        call is left in the WAL, False when a write overlapped the copying (try again).

        Why: a checkpoint that truncates the WAL holds SQLite's write lock while it copies
        and fsyncs, and on the shared connection it also holds the one thread every query
        waits for: measured at 20 to 330 ms on a busy machine, once a second while messages
        are being sent (the outbox scrubs what it deleted), and a command's answer waited
        that long to be queued. Here the copying runs on a connection of its own, which
        takes no write lock (a PASSIVE checkpoint). Once every frame is in the main file and
        no write transaction was open meanwhile, the next write starts the WAL again from
        the top and ``journal_size_limit=0`` cuts it back to that write at its commit, so the
        old frames are gone; if nothing writes first, the truncation here has nothing left to
        copy (no fsync) and takes the write lock only for that moment. Writes to this
        database take the lock (``_writes`` counts them), which is how an overlap is told.
        Begun while a write is under way, it waits for that commit first (a checkpoint costs
        its fsyncs whether or not it clears the WAL); when a write overlapped anyway, the
        outbox tries again at once, up to ``SCRUB_AGAIN`` (two) more times in that round
        (``bot/outbox/journal.py``). Called inside the calling task's own write transaction
        (:meth:`begin`, :meth:`batch`) it returns False at once: that commit can only come
        after it returns."""
        if self._holder is not None and self._holder is asyncio.current_task():
            return False
        if self._write.locked():
            # A write under way (most likely the next message queued) would overlap the
            # copying, and the round would pay its fsyncs for nothing: wait for it to commit.
            async with self._write:
                pass
        before = self._writes  # read in the same step as the release: any later write counts
        if not await self._checkpoint_aside() or self._writes != before:
            return False
        async with self._write:
            if self._writes != before:
                # Most likely it started the WAL again from the top; but one rolled back
                # before it wrote a frame did not, and truncating now would copy its frames.
                return False
            return await self._truncate()

    async def _checkpoint_aside(self) -> bool:
        """Copy every frame of the WAL that no reader still needs into the main file, on a
        connection and thread of its own; True when all of them were copied."""
        if self._aside is None:
            opening = asyncio.ensure_future(self._open_aside())
            try:
                self._aside = await asyncio.shield(opening)
            except asyncio.CancelledError:
                # Cancelled at shutdown while opening: the connection still opens on its own
                # thread; close it then, so no handle on the file outlives close().
                opening.add_done_callback(_close_when_opened)
                raise
            except (OSError, sqlite3.Error):
                return False  # (too many open files...) the outbox tries again in a second
        try:
            rows = await self._aside.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.OperationalError:
            return False
        row = next(iter(rows), None)
        return row is not None and row[0] == 0 and row[1] == row[2]

    async def _open_aside(self) -> aiosqlite.Connection:
        aside = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            # A checkpoint syncs as the connection making it says: as the bot's own does.
            await aside.execute("PRAGMA synchronous=NORMAL")
        except BaseException:
            await aside.close()
            raise
        return aside

    async def _truncate(self) -> bool:
        try:  # one trip to SQLite's thread (a cursor's execute, fetch and close are three)
            rows = await self.conn.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError:
            return False
        row = next(iter(rows), None)
        return row is not None and row[0] == 0

    async def tables(self) -> list[str]:
        rows = await self.fetchall(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
        return [r["name"] for r in rows]


def _wal_holds_frames(path: Path) -> bool:
    """Whether the database's WAL file is there and not empty (see ``Database.wal_left``)."""
    try:
        return path.with_name(path.name + "-wal").stat().st_size > 0
    except FileNotFoundError:
        return False
    except OSError:
        return True  # cannot tell: one scrub round too many costs a checkpoint, no more


def _close_when_opened(opening: asyncio.Future[aiosqlite.Connection]) -> None:
    if opening.cancelled() or opening.exception() is not None:
        return
    closing = asyncio.ensure_future(opening.result().close())
    _closing.add(closing)
    closing.add_done_callback(_closing.discard)


#: Closes under way for connections opened after their opener was cancelled (kept referenced).
_closing: set[asyncio.Future[None]] = set()


def check_writable(path: Path) -> None:
    """Fail early, in one plain line, if the database file cannot be created or written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab"):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SettingsError(
            f"DATABASE_PATH: cannot write to {path} ({reason.lower()}). "
            "Set DATABASE_PATH to a file in a folder the bot can write to."
        ) from None


def backup(source: Path, target: Path) -> None:
    """A consistent copy of a live database through SQLite's online backup API."""
    if not source.exists():
        raise SettingsError(f"DATABASE_PATH: there is no database at {source} to back up.")
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
