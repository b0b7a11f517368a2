"""What a start works out from the installed code and libraries alone, kept beside Python's
compiled files so it is worked out once per installed version, not at every first start.

Why: a start on a fresh data folder (a new install, a new container volume) has no content
cache yet (``bot.content.cache``), so it used to read the whole code for the wording keys it
uses (a third to half a second of CPU) and import wordfreq for its word list (a fifth). Both
depend only on what is installed, like compiled bytecode, so they are kept where that is:
the ``__pycache__`` folder of this package (or under PYTHONPYCACHEPREFIX). ``python -m bot
prepare`` writes them at install, beside ``compileall``'s files, and only it: a running
service writes only in its data folder (where ``bot.content.cache`` keeps what it worked out
because nothing was prepared), so a read-only code folder (the systemd unit) is never a
problem at start or reload.

Each item is named by what it is and the exact version it was made from (the code's sha256,
a library's version), so other code never reads it; one that cannot be read is only a slower
start. Nothing here is about a person, or comes from the content folder.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from importlib.util import cache_from_source
from pathlib import Path
from typing import TypeVar

from bot.content import cache
from bot.content.cache import FORMAT, still_writing

T = TypeVar("T")


def where(kind: str, version: str) -> Path | None:
    """The file an item of ``kind`` made from ``version`` is kept in (None: this Python
    keeps no compiled files)."""
    try:
        compiled = Path(cache_from_source(__file__))
    except NotImplementedError:
        return None
    return compiled.with_name(f"prepared.{kind}-{FORMAT}-{version}")


def recalled(
    kind: str,
    version: str,
    parse: Callable[[bytes | None], T | None],
    make: Callable[[], T],
    dump: Callable[[T], bytes],
) -> T:
    """What a start worked out, from the first place that has it whole: the data folder's
    content cache, then what ``prepare`` kept beside the code; made afresh (``make``) when
    neither has it (or it fails its sha256: ``parse`` is given None). Whatever was found is
    kept in the data folder, sealed, for the next start; one place for every such item."""
    found = parse(cache.opened(cache.read(kind, version)))
    if found is None:
        found = parse(cache.opened(read(kind, version)))
    if found is None:
        found = make()
    cache.write(kind, version, cache.sealed(dump(found)))
    return found


def read(kind: str, version: str) -> bytes | None:
    path = where(kind, version)
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError:  # not prepared (the usual case in a checkout), or unreadable
        return None


def keep(kind: str, version: str, blob: bytes) -> Path | None:
    """For ``python -m bot prepare`` only: keep ``blob``, replacing what this Python kept of
    ``kind`` for other versions. Where it was kept (None: this Python keeps no compiled
    files); OSError if it cannot be written (prepare says so in one line)."""
    path = where(kind, version)
    if path is not None:
        _write(path, kind, blob)
    return path


def _write(path: Path, kind: str, blob: bytes) -> None:
    """Whole or not at all: written to a temporary name and renamed, so a crash never leaves
    half an item; then what was kept for other versions is removed."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(blob)
        partial.replace(path)
    except OSError:
        with contextlib.suppress(OSError):  # a read-only folder refuses this too
            partial.unlink(missing_ok=True)
        raise
    # Only this Python's: __pycache__ is shared by every Python, each keeping its own.
    for old in path.parent.glob(f"prepared.{kind}-{FORMAT}-*"):
        if old != path:
            with contextlib.suppress(OSError):
                old.unlink()
    for stale in path.parent.glob(f".prepared.{kind}-*.part"):  # left by a killed process
        if not still_writing(stale):
            with contextlib.suppress(OSError):
                stale.unlink()
