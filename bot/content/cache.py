"""What loading content made last time, kept on disk by the exact bytes it was made from.

Why: parsing YAML is most of the cost of loading a big directory (seconds at 10,000 entries,
even with libyaml), and building its search index most of the rest; a restart with unchanged
files need do neither. Each kept item is named by what it is and the sha256 of the file it came
from, so an edited file is simply not found (its first load parses it again, checks it fully,
and reports any problem exactly as without a cache) and the item for the old bytes is removed.
An item another Python version kept (its name says which) is left alone while it is in use:
two versions sharing a data folder (an upgrade, then a rollback) each keep their own, and
neither parses again. One not used for ``KEEP_UNUSED`` (a version long gone, or an older
format of this module) is removed when this version keeps an item of its kind, so the folder
does not grow with every version ever run on it (the search index image alone is tens of MB).

Only what passed every check is kept: plain parsed data (``marshal``: lists, dicts, text and
numbers, nothing that runs code when read), validated again by the current schema on every
load, and the image of the in-memory search index. Directory entries are public, curated
content; nothing about a person is ever kept here. A cache that cannot be read or written is
only a slower load: problems with it are logged and never stop the bot.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import sys
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

#: Part of every name: a new Python (marshal's format) or a change to what is kept here makes
#: earlier items unknown instead of misread.
FORMAT = f"v1-py{sys.version_info.major}{sys.version_info.minor}"

#: Seconds an item of another version (or format) is kept unused: well past a rollback.
KEEP_UNUSED = 30 * 24 * 3600.0


@dataclass
class _Kept:
    folder: Path
    pending: dict[tuple[str, str], bytes] = field(default_factory=dict)


_kept: ContextVar[_Kept | None] = ContextVar("content_cache", default=None)


@contextlib.contextmanager
def kept_in(folder: Path | None) -> Iterator[None]:
    """Use ``folder`` for the cache while loading (None: no cache). A context variable, so
    it follows the load onto its worker thread and two stores never share it by accident.
    New items are written only when the whole load succeeds: a broken content folder leaves
    nothing new on disk, but still has other versions' long unused items removed: content
    that keeps failing to load must not keep the folder growing."""
    kept = None if folder is None else _Kept(folder)
    token = _kept.set(kept)
    try:
        yield
    except BaseException:
        _kept.reset(token)
        if kept is not None:
            _sweep(kept.folder)
        raise
    _kept.reset(token)
    if kept is not None:
        _flush(kept)


def _flush(kept: _Kept) -> None:
    """Write what this load made. Only where the database's own folder already is (a first
    start makes it later; the next start keeps what it loads). A failure is only noted at
    debug level: the cache is a saving, and a full or read-only disk is reported plainly by
    the database that needs it (one line at start-up, not two)."""
    if not kept.pending or not kept.folder.parent.is_dir():
        _sweep(kept.folder)
        return
    for (kind, digest), blob in kept.pending.items():
        try:
            _write(kept.folder, kind, digest, blob)
        except OSError as exc:
            log.debug("content cache: cannot keep %s (%s); the next start parses", kind, exc)
            return
    _sweep(kept.folder)


#: The name of an item of any version: ``<kind>-v<n>-py<nn>-<digest>``.
_ITEM = re.compile(r"[^.].*-v\d+-py\d+-.+")


def _sweep(folder: Path) -> None:
    """Remove the items of other versions (or formats) not used for ``KEEP_UNUSED``: a
    listing of a few dozen names at each load, nothing read."""
    try:
        items = list(folder.iterdir())
    except OSError:
        return  # no cache kept yet, or unreadable: nothing to remove
    for item in items:
        name = item.name
        if _ITEM.fullmatch(name) and f"-{FORMAT}-" not in name and _unused(item):
            with contextlib.suppress(OSError):
                item.unlink()


def folder() -> Path | None:
    """The folder this load's cache is kept in (None: loading without a cache)."""
    kept = _kept.get()
    return None if kept is None else kept.folder


def sealed(body: bytes) -> bytes:
    """``body`` behind its own sha256: a kept item changed on disk (a bad disk, a stray edit)
    may still parse, and would then be used as if the code or content had said it."""
    return hashlib.sha256(body).digest() + body


def opened(blob: bytes | None) -> bytes | None:
    """The body of a ``sealed`` item if it is exactly as written, else None."""
    if blob is None or len(blob) < 32 or hashlib.sha256(blob[32:]).digest() != blob[:32]:
        return None
    return blob[32:]


def _name(kind: str, digest: str) -> str:
    return f"{kind}-{FORMAT}-{digest}"


def read(kind: str, digest: str) -> bytes | None:
    """The item kept for ``kind`` made from bytes with this sha256 (hex), or None."""
    kept = _kept.get()
    if kept is None:
        return None
    path = kept.folder / _name(kind, digest)
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("content cache: cannot read %s (%s); loading without it", path.name, exc)
        return None
    with contextlib.suppress(OSError):  # its time says when it was last used (_write)
        os.utime(path)
    return blob


def has(kind: str, digest: str) -> bool:
    """Whether an item is kept for ``kind`` and these bytes (without reading it): a load
    that would use it takes the path that does (``bot.content.in_parts``)."""
    kept = _kept.get()
    return kept is not None and (kept.folder / _name(kind, digest)).is_file()


def write(kind: str, digest: str, blob: bytes) -> None:
    """Keep ``blob`` for ``kind`` and these bytes once the load succeeds, replacing what was
    kept for older bytes."""
    kept = _kept.get()
    if kept is not None:
        kept.pending[kind, digest] = blob


def _write(folder: Path, kind: str, digest: str, blob: bytes) -> None:
    """Written to a temporary name and renamed, so a crash never leaves half an item."""
    path = folder / _name(kind, digest)
    folder.mkdir(exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        partial.write_bytes(blob)
        partial.replace(path)
    except OSError:
        partial.unlink(missing_ok=True)  # a full disk keeps no half-written item
        raise
    # What this Python kept for older bytes goes; what another Python version kept is left
    # alone: after an upgrade and a rollback on one data folder, each start finds its own.
    for old in folder.glob(f"{kind}-{FORMAT}-*"):
        if old != path:
            old.unlink(missing_ok=True)
    for stale in folder.glob(f".{kind}-*.part"):  # left by a process killed while writing
        if not still_writing(stale):
            stale.unlink(missing_ok=True)


#: A ``.part`` file written to this recently may be another process's (in another container
#: sharing the folder, where its pid means nothing here): it is left until it is this old.
_FRESH = 600.0


def _unused(item: Path) -> bool:
    """Whether ``item`` was neither written nor read for ``KEEP_UNUSED`` (``read`` renews
    its time)."""
    try:
        return time.time() - item.stat().st_mtime > KEEP_UNUSED
    except OSError:
        return False  # gone already, or unreadable: nothing to remove


def still_writing(partial: Path) -> bool:
    """Whether the process named in a ``.part`` file's name is still running (and may be
    writing it now); a killed one's file is never read, only removed."""
    try:
        if time.time() - partial.stat().st_mtime < _FRESH:
            return True
    except OSError:
        return True  # gone already, or unreadable: nothing to remove
    pid = partial.suffixes[-2].lstrip(".") if len(partial.suffixes) >= 2 else ""
    if not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process: alive
    return True
