"""The outbox table. Delivered rows are deleted (text gone); failed rows keep only the reason."""

from __future__ import annotations

import collections
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.identity import KeptByIdentity
from bot.outbox.message import Destination, OutgoingMessage
from bot.outbox.progress import Resume
from bot.storage.database import Database
from bot.storage.times import to_db


@dataclass(frozen=True, slots=True)
class QueuedRow:
    id: int
    destination: Destination
    message: OutgoingMessage
    attempts: int
    origin: str | None
    person_id: int | None
    created_at: str
    routine: bool = False
    #: The delivery it headed when the last run stopped, if one was cut short.
    resume: Resume | None = None
    #: It has a file, not read yet: ``message.attachment`` holds its name and type, and
    #: :meth:`OutboxRepository.file` reads its bytes when it is sent.
    file_unread: bool = False


@dataclass(frozen=True, slots=True)
class NewItem:
    destination: Destination
    message: OutgoingMessage
    person_id: int | None = None
    origin: str | None = None


_INSERT_HEAD = (
    "INSERT INTO outbox(platform, destination, body, attachment, origin, person_id, created_at,"
    " routine) VALUES "
)
_VALUES = "(?, ?, ?, ?, ?, ?, ?, ?)"
_INSERT = _INSERT_HEAD + _VALUES
_CHUNK = 500  # rows to a statement: 4,000 values, well inside SQLite's limit


#: Messages kept with their stored text (see ``OutboxRepository._body``).
_BODIES_KEEP = 1024
#: Most rows deleted by one statement (two parameters each, well below SQLite's limit).
_IN_ONE = 400


def _row(item: NewItem, body: str, stamp: str | None, routine: bool) -> tuple[object, ...]:
    return (
        item.destination.platform.value,
        str(item.destination),
        body,
        item.message.attachment.data if item.message.attachment else None,
        item.origin,
        item.person_id,
        stamp,
        int(routine),
    )


_DELETE_ONE = "DELETE FROM outbox WHERE id = ? AND created_at = ?"


def delete_statement(rows: Sequence[tuple[int, str]]) -> tuple[str, list[object]]:
    """One statement deleting these rows. The ``id IN`` lets SQLite look each row up by its
    id: the row-value test alone made it read the whole table, queued attachments and all,
    so a backlog for one unreachable chat slowed every delivery's deletion. One row (most
    deliveries, one at a time) is a plain ``id = ? AND created_at = ?``: the same lookup
    without the list of values SQLite builds for the row-value test, about a fifth less work
    on SQLite's thread for every message."""
    if len(rows) == 1:
        return _DELETE_ONE, [rows[0][0], rows[0][1]]
    ids = ",".join("?" * len(rows))
    marks = ",".join(["(?, ?)"] * len(rows))
    params: list[object] = [row[0] for row in rows]
    params += [value for row in rows for value in row]
    sql = f"DELETE FROM outbox WHERE id IN ({ids}) AND (id, created_at) IN (VALUES {marks})"
    return sql, params


class OutboxRepository:
    holds = ("outbox",)

    def __init__(self, db: Database) -> None:
        self.db = db
        #: Messages queued to several people at once, with their text as stored: a burst of
        #: prompts queues the same few messages to thousands, batch after batch.
        self._bodies: KeptByIdentity[OutgoingMessage, str] = KeptByIdentity(_BODIES_KEEP)

    def _body(self, message: OutgoingMessage, given: collections.Counter[int]) -> str:
        """The message as stored; worked out once for a message queued to several people at
        once (kept, with the message itself, until ``_BODIES_KEEP`` are kept; a message to
        one person is never kept)."""
        body = self._bodies.get(message)
        if body is None:
            body = message.to_json()
            if given[id(message)] > 1:
                self._bodies.keep(message, body)
        return body

    async def add_many(
        self, items: Sequence[NewItem], now: datetime, *, routine: bool = False
    ) -> list[int]:
        """Queue rows; one transaction for all. A single row (most replies) is one statement,
        atomic by itself, which saves the trips to SQLite's thread that BEGIN and COMMIT cost;
        many rows (a burst of due prompts) go a few hundred to a statement, for the same
        reason."""
        stamp = to_db(now)
        if len(items) == 1:  # a message to one person: never kept, nothing to count
            item = items[0]
            body = self._bodies.get(item.message) or item.message.to_json()
            return [await self.db.insert(_INSERT, _row(item, body, stamp, routine))]
        many = collections.Counter(id(item.message) for item in items)
        rows = [_row(item, self._body(item.message, many), stamp, routine) for item in items]

        def statement(chunk: list[tuple[object, ...]]) -> tuple[str, list[object]]:
            sql = _INSERT_HEAD + ", ".join([_VALUES] * len(chunk)) + " RETURNING id"
            return sql, [value for row in chunk for value in row]

        # Each new row takes a rowid above every other, in the order given, so the ids sorted
        # are the rows' ids in order (RETURNING's own order is not promised).
        if len(rows) <= _CHUNK:  # one statement: atomic by itself, one trip to SQLite's thread
            return sorted(int(r[0]) for r in await self.db.write_returning(*statement(rows)))
        ids: list[int] = []
        async with self.db.begin() as conn:
            for start in range(0, len(rows), _CHUNK):
                sql, params = statement(rows[start : start + _CHUNK])
                ids += sorted(int(r[0]) for r in await conn.execute_fetchall(sql, params))
        return ids

    async def queued(self) -> list[QueuedRow]:
        """What is queued, oldest first, without the files queued with it: each is read when
        its message is sent (:meth:`file`). A file is stored last in its row (migration
        0033), and ``typeof`` is answered from the row's header, so the queue is read
        without a page of any file (30 MB queued was 30 MB read before the first answer)."""
        rows = await self.db.fetchall(
            "SELECT outbox.id, destination, body, attempts, origin, person_id, created_at,"
            " routine, typeof(attachment) = 'blob' AS has_file, outbox_parts.progress"
            " FROM outbox LEFT JOIN outbox_parts ON outbox_parts.outbox_id = outbox.id"
            " WHERE status = 'queued' ORDER BY outbox.id"
        )
        return [
            QueuedRow(
                id=r["id"],
                destination=Destination.parse(r["destination"]),
                message=OutgoingMessage.from_json(r["body"], None),
                attempts=r["attempts"],
                origin=r["origin"],
                person_id=r["person_id"],
                created_at=r["created_at"],
                routine=bool(r["routine"]),
                resume=Resume.from_json(r["progress"]) if r["progress"] else None,
                file_unread=bool(r["has_file"]),
            )
            for r in rows
        ]

    async def file(self, outbox_id: int, created_at: str) -> bytes | None:
        """The file queued with this row (named by its id and ``created_at``); None when the
        row is no longer queued (erased meanwhile)."""
        row = await self.db.fetchone(
            "SELECT attachment FROM outbox WHERE id = ? AND created_at = ? AND status = 'queued'",
            (outbox_id, created_at),
        )
        return None if row is None or row[0] is None else bytes(row[0])

    async def delete(self, rows: Sequence[tuple[int, str]]) -> None:
        """Delete delivered rows, each named by its id and ``created_at`` (an id can be given
        out again after a rollback: see ``bot/outbox/sent.py``). Up to a few hundred (what
        one tick of deliveries gives) in one statement, atomic by itself: one trip to
        SQLite's thread instead of three."""
        if not rows:
            return
        if len(rows) <= _IN_ONE:
            await self.db.write(*delete_statement(rows))
            return
        await self.db.executemany(_DELETE_ONE, [tuple(r) for r in rows])

    async def record_progress(self, records: Sequence[tuple[int, str, str]]) -> None:
        """Keep, per row still queued (its id and ``created_at``), how far its delivery got
        (a :class:`Resume` as JSON); a row gone meanwhile is left gone. A record of the same
        delivery (same batch, split and round; the split: its parts' count and lengths) with
        fewer parts than the one kept is older (an old line of the file beside the
        database): the parts of one delivery only grow."""
        if not records:
            return
        await self.db.executemany(
            "INSERT INTO outbox_parts(outbox_id, progress)"
            " SELECT id, ? FROM outbox WHERE id = ? AND created_at = ? AND status = 'queued'"
            " ON CONFLICT(outbox_id) DO UPDATE SET progress = excluded.progress"
            " WHERE json_extract(excluded.progress, '$.batch')"
            " IS NOT json_extract(outbox_parts.progress, '$.batch')"
            " OR json_extract(excluded.progress, '$.total')"
            " IS NOT json_extract(outbox_parts.progress, '$.total')"
            " OR json_extract(excluded.progress, '$.round')"
            " IS NOT json_extract(outbox_parts.progress, '$.round')"
            " OR json_extract(excluded.progress, '$.sizes')"
            " IS NOT json_extract(outbox_parts.progress, '$.sizes')"
            " OR json_array_length(excluded.progress, '$.parts')"
            " >= json_array_length(outbox_parts.progress, '$.parts')",
            [(record, i, created) for i, created, record in records],
        )

    async def record_attempt(self, outbox_id: int, attempts: int) -> None:
        await self.db.execute("UPDATE outbox SET attempts = ? WHERE id = ?", (attempts, outbox_id))

    async def mark_failed(self, ids: Sequence[int], reason: str) -> None:
        async with self.db.begin() as conn:
            await conn.executemany(
                "UPDATE outbox SET status = 'failed', error = ?, body = NULL, attachment = NULL"
                " WHERE id = ?",
                [(reason, i) for i in ids],
            )
            await conn.executemany(
                "DELETE FROM outbox_parts WHERE outbox_id = ?", [(i,) for i in ids]
            )

    async def failed(self) -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            "SELECT id, destination, error, origin, created_at FROM outbox"
            " WHERE status = 'failed' ORDER BY id"
        )
        return [dict(r) for r in rows]

    async def purge_failed(self, before: datetime) -> int:
        """Forget failed messages after a while: their reason is only useful for a short time."""
        return await self.db.execute_rowcount(
            "DELETE FROM outbox WHERE status = 'failed' AND created_at < ?", (to_db(before),)
        )

    async def export_person(self, person_id: int) -> dict[str, Any]:
        queued = await self.db.fetchone(
            "SELECT COUNT(*) FROM outbox WHERE person_id = ? AND status = 'queued'",
            (person_id,),
        )
        failed = await self.db.fetchall(
            "SELECT created_at, error FROM outbox WHERE person_id = ? AND status = 'failed'"
            " ORDER BY id",
            (person_id,),
        )
        return {
            "messages_waiting_to_reach_you": int(queued[0]) if queued else 0,
            "messages_that_could_not_reach_you": [
                {"when": r["created_at"], "why": r["error"]} for r in failed
            ],
        }

    async def erase_person(self, person_id: int) -> None:
        await self.db.execute("DELETE FROM outbox WHERE person_id = ?", (person_id,))
