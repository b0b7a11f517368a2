"""The ids of delivered messages (each with its row's ``created_at``), appended to a small
file beside the database the moment the platform answers, so a crash before their rows'
deletion is committed does not send them again.

Why a file of its own: deleting the row is a transaction on SQLite's one thread, and it can
wait there (behind the scheduler's batch of due prompts, or for a CPU on a loaded host). A
``kill -9`` in that wait used to leave the row queued, and the restart sent the message a
second time. An append with ``os.write`` goes straight into the kernel's page cache, which a
killed process cannot lose (only a power cut could, and then the message goes out twice, as
before: never lost). At the next start the rows listed here are deleted in one transaction
before anything is loaded, and the file is emptied.

What it holds: one delivered row a line, its outbox id and the time it was queued (as
stored), e.g. ``42 2026-11-29T19:51:13.123456+00:00``: no text, no names, nothing about a
person (``/forgetme`` has nothing to erase here). It is emptied whenever every row in it has
had its deletion committed, so it stays a few lines long.

Why the time too: AUTOINCREMENT (migration 0024) keeps SQLite from giving a deleted row's id
to the next message, but not after a rollback: a row queued inside the scheduler's batch can
be delivered before the batch commits, and if the batch rolls back, its id is given out again
(``sqlite_sequence`` rolls back with it). Only a row whose id *and* time both match a line is
deleted, so a new, unsent message that took a listed id is never mistaken for the delivered
one.

A long message's parts are noted here the same way, the moment each one's answer arrives (but
the last, whose answer ends the delivery): a line ``P <id> <created_at> <record>``, the record
a ``progress.Resume`` as JSON (outbox ids, the platform's message ids and each part's length,
no text), so a restart goes on from the first part not sent (``progress.py``). The last line
for a row wins. Code from before these lines ignores them (not an id).

When the file cannot be written (a read-only folder, a full disk), the outbox goes on sending
exactly as before, with one plain line in the log: a crash may then resend what was delivered
last, never lose anything.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

log = logging.getLogger(__name__)


def beside(database: Path) -> Path:
    """Where the list of a database's delivered ids is kept."""
    return database.with_name(database.name + ".sent")


#: A delivered row: its outbox id and its ``created_at`` as stored.
Row = tuple[int, str]


def read(path: Path) -> list[Row]:
    """The rows in the file, in order. A last line without its newline (a crash in the middle
    of a write, or a full disk) and any line that is not an id and a time are left out: a row
    is only trusted when its whole line was written."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:  # opening it for writing fails too, and says so
        log.debug("outbox: cannot read %s (%s)", path, _why(exc))
        return []
    lines = data.split(b"\n")[:-1]  # the part after the last newline is incomplete
    return [row for line in lines if (row := _parse(line)) is not None]


def read_progress(path: Path) -> dict[Row, str]:
    """The last record of each row's parts sent (a complete line only), by row."""
    try:
        data = path.read_bytes()
    except OSError:  # missing, or unreadable (``read`` says why)
        return {}
    found: dict[Row, str] = {}
    for line in data.split(b"\n")[:-1]:
        mark, _, rest = line.partition(b" ")
        if mark != _PROGRESS:
            continue
        head, _, record = rest.rpartition(b" ")
        row = _parse(head)
        if row is not None and record.isascii():
            found[row] = record.decode()
    return found


_PROGRESS = b"P"


def _parse(line: bytes) -> Row | None:
    ident, _, created = line.partition(b" ")
    if not ident.isdigit() or not created.isascii():
        return None
    try:
        datetime.fromisoformat(created.decode())
    except ValueError:
        return None
    return int(ident), created.decode()


class SentLog:
    """Appends delivered rows to the file; empties it when asked. Gives up (one log line, and
    the outbox carries on without it) at the first write that fails."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._lines = 0  # ids written since the file was last emptied

    def open(self, keep: int = 0) -> bool:
        """Open for appending, emptied unless ``keep`` ids in it still wait for their rows'
        deletion; False (logged once) if the file cannot be written."""
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | (0 if keep else os.O_TRUNC)
        try:
            self._fd = os.open(self.path, flags, 0o600)
        except OSError as exc:
            self._give_up("open", exc)
            return False
        self._lines = keep
        return True

    @property
    def active(self) -> bool:
        return self._fd is not None

    def record(self, rows: Iterable[Row]) -> None:
        """Append these rows, one a line, in one write (what one answer delivered)."""
        if self._fd is None:
            return
        data = "".join(f"{i} {created}\n" for i, created in rows if i > 0).encode()
        if data:
            self._append(data)

    def _append(self, data: bytes) -> None:
        """One write of whole lines; after a failed one nothing more is appended."""
        fd = self._fd
        if fd is None:
            return
        try:
            while data:
                written = os.write(fd, data)
                data = data[written:]
        except OSError as exc:
            # A partial line may be left; nothing more is appended to it (that would join
            # two ids into a wrong one), and at the next start it is ignored.
            self._give_up("write to", exc)
            return
        self._lines += 1

    def progressed(self, row: Row, record: str) -> None:
        """Append how far a row's delivery got (a record without spaces or newlines)."""
        if self._fd is None or row[0] <= 0:
            return
        self._append(f"P {row[0]} {row[1]} {record}\n".encode())

    def empty(self) -> None:
        """Every id in the file has had its row deleted: start the file again from nothing."""
        if self._fd is None or not self._lines:
            return
        try:
            os.ftruncate(self._fd, 0)
        except OSError as exc:
            self._give_up("empty", exc)
            return
        self._lines = 0

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def _give_up(self, doing: str, exc: OSError) -> None:
        log.warning(
            "outbox: cannot %s %s (%s); delivered messages are not noted beside the database,"
            " so a crash may send the last ones again",
            doing,
            self.path,
            _why(exc),
        )
        self.close()


def _why(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()
