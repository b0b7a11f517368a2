"""Rule 3: nothing of a debrief room's content touches disk. Unique markers written in a room
from Telegram, Discord and the console, in a reply, an edit and a photo's caption, and the
photo's own bytes, under a pseudonym, are
afterwards in no database file (main, -wal, -shm) and in no log line, even with our own loggers
at DEBUG; after close only the count of rooms is left."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from bot.logs import configure
from tests.fakes import discord_relay
from tests.fakes.discord_uploads import uploads
from tests.fakes.telegram_media import user_says, user_sends
from tests.handlers.debrief.apps import Three, dm_with, room_of_three, three


def on_disk(database: Path) -> bytes:
    found = b""
    for suffix in ("", "-wal", "-shm"):
        path = database.with_name(database.name + suffix)
        if path.exists():
            found += path.read_bytes()
    return found


PHOTO = b"\x89PNG\r\n PHOTO-MARKER-5b1e0c77 a night sky"


async def talk(t: Three, markers: list[str]) -> None:
    net, dc = t.net, t.dc
    user_sends(net.tg, t.ada, "photo", PHOTO, name="sky.png", caption=f"look {markers[4]}")
    await dc.until(lambda: any(u.data == PHOTO for u in uploads(dc)), timeout=10)
    user_says(net.tg, t.ada, f"from telegram {markers[0]}", [])
    copy = await dm_with(dc, t.dee, markers[0])
    said = await discord_relay.say(
        dc, t.dee, dc.world.dm_for(t.dee), f"from discord {markers[1]}", reply_to=copy
    )
    await net.said(t.ada, markers[1])
    await discord_relay.edit(dc, said, f"edited {markers[2]}")
    await net.said(t.ada, markers[2])
    await t.console.say(f"from the console {markers[3]}")
    await net.said(t.ada, markers[3])


async def test_no_word_said_in_a_room_is_on_disk_or_in_a_log(tmp_path: Path) -> None:
    markers = [f"MARKER-{n}-7f3c9e1d" for n in range(5)]
    stream = io.StringIO()
    root = logging.getLogger()
    kept = (list(root.handlers), root.level)
    configure("DEBUG", [], stream)
    try:
        async with three(tmp_path) as t:
            database = t.net.svc.ctx.settings.database_path
            pseudonym = await room_of_three(t)
            await talk(t, markers)
            await t.net.settle()
            while_open = on_disk(database)
            t.net.say(t.ada, "/close")
            await t.net.said(t.ada, "The debrief room is closed")
            await t.net.settle()
            held = await t.net.svc.ctx.repo.debrief.rooms_held()
            after_close = on_disk(database)
        after_stop = on_disk(database)
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in kept[0]:
            root.addHandler(handler)
        root.setLevel(kept[1])
    logged = stream.getvalue()
    assert "Peer Circle is running" in logged  # the log was captured while it ran
    for marker in markers:
        assert marker.encode() not in while_open + after_close + after_stop, marker
        assert marker not in logged, marker
    assert b"PHOTO-MARKER-5b1e0c77" not in while_open + after_close + after_stop
    assert "PHOTO-MARKER" not in logged
    # The bot's own replies (a menu offering pseudonyms) pass through the durable outbox and
    # are scrubbed once delivered; by the time the service has stopped, no pseudonym is left.
    assert pseudonym.encode() not in after_stop
    assert held == 1
