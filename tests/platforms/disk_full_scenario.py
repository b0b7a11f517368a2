"""The disk-full scenario, run by ``tests/platforms/test_disk_full.py`` in a private mount
namespace (``unshare -rm``), where it mounts a small tmpfs, puts the database on it and fills
the disk for real: SQLite then answers writes with SQLITE_FULL ("database or disk is full"),
as on a server whose disk ran out. It prints one JSON line of what it saw.

Not a test module itself (no ``test_`` prefix): it needs the namespace to mount.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import subprocess
import sys
from pathlib import Path

from bot.core.model import Platform
from bot.outbox import Destination, OutgoingMessage
from tests.helpers import console_service, make_settings

WAITING = Destination(Platform.TELEGRAM, "user", "4242")  # no Telegram here: it stays queued


def fill(disk: Path) -> Path:
    """Write a filler file until the disk says it is full."""
    filler = disk / "filler"
    # Unbuffered: a buffered file would try to write its last chunk again on close and raise
    # the very "no space" this is waiting for, outside the try.
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    return filler


async def scenario(disk: Path) -> dict[str, object]:
    seen: dict[str, object] = {}
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger().addHandler(handler)
    settings = make_settings(disk)
    async with console_service(settings) as (svc, console):
        ctx = svc.ctx
        await console.say("/help")
        queued = [
            await ctx.outbox.enqueue(WAITING, OutgoingMessage(f"queued before {n}"))
            for n in range(3)
        ]
        assert await ctx.repo.db.scrub()  # an empty WAL: every write now needs new room
        filler = fill(disk)
        seen["crisis"] = await console.say("/crisis")
        seen["crisis_button"] = await console.say("1")
        seen["timezone_full"] = await console.say("/settings timezone Toronto")
        seen["invite_full"] = await console.say("/invite")
        seen["help_full"] = await console.say("/help")
        filler.unlink()  # space returns
        seen["timezone_after"] = await console.say("/settings timezone Toronto")
        seen["crisis_after"] = await console.say("/crisis")
        rows = await ctx.repo.db.fetchall(
            "SELECT id FROM outbox WHERE status = 'queued' AND destination = ?",
            (str(WAITING),),
        )
        seen["still_queued"] = len(rows)
        seen["queued_ids"] = len(queued)
        seen["console_running"] = not console.platform.finished.is_set()
    seen["errors"] = [r.getMessage() for r in records if r.levelno >= logging.ERROR]
    seen["full_warnings"] = sum("disk is full" in r.getMessage() for r in records)
    return seen


def main() -> None:
    disk = Path(sys.argv[1])
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], check=True)
    print(json.dumps(asyncio.run(scenario(disk))))


if __name__ == "__main__":
    main()
