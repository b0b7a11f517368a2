"""A message queued before the outbox starts (a startup hook's notice, e.g. debrief's at
start-up) goes out once, after what the last run left queued, and a long message cut short
at the last stop still goes on from the first part not sent."""

from __future__ import annotations

from pathlib import Path

from bot.outbox import TransientFailure
from tests.outbox.test_engine import A, msg, open_outbox
from tests.outbox.test_parts import Splitting, sent_after_restart, stopped_while_refused


async def test_a_notice_queued_before_start_waits_behind_a_long_message_cut_short(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite3"
    first = Splitting(refuse={"p1": TransientFailure("503")})
    await stopped_while_refused(path, first, "p0|p1|p2")
    assert first.shown[A] == ["p0"]
    again = await sent_after_restart(path, first=["notice"])  # as a startup hook does
    assert again.shown[A] == ["p1", "p2", "notice"]  # each part once, in order


async def test_a_message_to_merge_queued_before_start_is_shown_once(tmp_path: Path) -> None:
    db, outbox = await open_outbox(tmp_path / "db.sqlite3")
    platform = Splitting()
    outbox.register(platform)
    await outbox.enqueue(A, msg("hello", coalesce=True))
    await outbox.start()
    try:
        assert outbox.backlog(A)[0] == 1  # counted once
        assert await outbox.drain(timeout=30)
    finally:
        await outbox.stop()
        await db.close()
    assert platform.shown[A] == ["hello"]
