"""One running copy per database: a second process started on the same file refuses to start,
so two copies can never relay (or send) everything twice.

The lock is an exclusive ``flock`` on a file beside the database. The operating system drops it
when the process ends, however it ends, so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from bot.core.errors import SettingsError
from bot.storage.database import check_writable

ALREADY_RUNNING = (
    "Another copy of Peer Circle is already running on {path}. Stop it first: two copies"
    " would send everything twice."
)


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


@contextlib.contextmanager
def only_copy(database: Path) -> Iterator[None]:
    """Hold the database's lock while the block runs; SettingsError if another holds it."""
    check_writable(database)  # a folder it cannot write to is named in one plain line
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SettingsError(ALREADY_RUNNING.format(path=database)) from None
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
