"""A long message goes out in parts; the outbox keeps which parts the platform has, so neither
a retry, the watchdog, a stop nor a crash between two parts shows a part twice, and the rest
still follow in order. A platform that refuses a middle part for good fails the message as a
whole, as any refused message (the parts already shown stay shown).

The splitting platform below sends each ``|``-separated piece as one part, as an adapter does
with a text over the platform's limit (``bot/outbox/progress.py``). The end-to-end cases,
through the real libraries and the fakes, are in ``tests/platforms/test_long_message_restart``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.model import Platform
from bot.outbox import (
    Destination,
    Limit,
    Outbox,
    OutgoingMessage,
    PermanentFailure,
    TransientFailure,
    delivered_parts,
)
from bot.outbox.progress import Resume
from bot.outbox.sent import beside
from bot.storage.database import Database
from bot.storage.outbox import NewItem, OutboxRepository
from tests.outbox.test_crash import crash_copy, database_held, until
from tests.outbox.test_engine import A, disk_bytes, msg, open_outbox
from tests.storage.test_scrub import MARKER, until_scrubbed

_ids = itertools.count(1)


@dataclass
class Splitting:
    """A platform that takes a message as its ``|``-separated parts, one request each, and
    refuses the parts named in ``refuse`` (by their text) with the error given."""

    platform: Platform = Platform.TELEGRAM
    max_text: int = 4096
    global_limit: Limit | None = None
    refuse: dict[str, Exception] = field(default_factory=dict)
    hang_at: str | None = None  # a part whose first request never ends (the watchdog's case)
    shown: dict[Destination, list[str]] = field(default_factory=lambda: defaultdict(list))
    refused: int = 0
    #: The dedup key each part shown went with (what Discord's nonces are made from).
    keys: list[str | None] = field(default_factory=list)

    def limit_for(self, destination: Destination) -> Limit | None:
        return None

    async def deliver(self, destination: Destination, message: OutgoingMessage) -> list[str]:
        done = delivered_parts()
        pieces = message.text.split("|")
        done.expect(pieces)
        for index, part in enumerate(pieces):
            if index < len(done):
                continue
            if part == self.hang_at:
                self.hang_at = None
                await asyncio.Event().wait()
            error = self.refuse.get(part)
            if error is not None:
                self.refused += 1
                raise error
            self.shown[destination].append(part)
            self.keys.append(done.key(message.dedup_key))
            done.sent(f"m{next(_ids)}")
        return done.ids()


async def cut_short(tmp_path: Path, text: str, at: str) -> Path:
    """``text`` sent until the part ``at`` keeps failing, while another transaction holds the
    database (the parts sent are then noted only beside it); the files copied at that instant
    as a ``kill -9`` leaves them. Returns the copy's database path."""
    db, outbox = await open_outbox(tmp_path / "live" / "db.sqlite3")
    await outbox.start()
    await outbox.enqueue(A, msg(text))
    platform = Splitting(refuse={at: TransientFailure("503")})
    async with database_held(db):
        outbox.register(platform)
        await until(lambda: platform.refused >= 1)
        crash_copy(tmp_path / "live", tmp_path / "crashed")
    await outbox.stop()
    await db.close()
    return tmp_path / "crashed" / "db.sqlite3"


async def stopped_while_refused(path: Path, platform: Splitting, text: str) -> None:
    """``text`` sent until the platform refuses a part of it, then the outbox stopped."""
    db, outbox = await open_outbox(path)
    outbox.register(platform)
    await outbox.start()
    await outbox.enqueue(A, msg(text))
    await until(lambda: platform.refused >= 1)
    await outbox.stop()
    await db.close()


async def sent_after_restart(
    path: Path, *, first: Sequence[str] = (), again: Splitting | None = None
) -> Splitting:
    """Start again on these files with the platform (``again``, else a plain one) answering
    (the texts ``first`` queued before the start, as a startup hook does); what it was sent
    until nothing was left queued."""
    db, outbox = await open_outbox(path)
    again = again or Splitting()
    outbox.register(again)
    for text in first:
        await outbox.enqueue(A, msg(text))
    await outbox.start()
    try:
        assert await outbox.drain(timeout=30)
    finally:
        await outbox.stop()
        await db.close()
    return again


async def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    db = await Database.open(path)
    try:
        return [tuple(r) for r in await db.fetchall(sql)]
    finally:
        await db.close()


async def test_a_crash_while_the_database_waits_goes_on_from_the_file_beside_it(
    tmp_path: Path,
) -> None:
    crashed = await cut_short(tmp_path, "p0|p1|p2|p3", at="p2")
    noted = beside(crashed).read_bytes()
    in_table = await rows(crashed, "SELECT * FROM outbox_parts")
    again = await sent_after_restart(crashed)
    left = await rows(crashed, "SELECT * FROM outbox_parts")
    queued = await rows(crashed, "SELECT * FROM outbox")
    assert in_table == []  # the scenario: only the file knew p0 and p1 were shown
    assert noted.startswith(b"P ") and b"p0" not in noted  # ids only, no text
    assert again.shown[A] == ["p2", "p3"]
    assert left == [] and queued == []
    assert beside(crashed).read_bytes() == b""  # emptied once the row was deleted


async def test_a_stop_between_parts_keeps_them_in_the_table(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db, outbox = await open_outbox(path)
    platform = Splitting(refuse={"p1": TransientFailure("503")})
    outbox.register(platform)
    await outbox.start()
    await outbox.enqueue(A, msg("p0|p1|p2"))
    await until(lambda: platform.refused >= 1)
    await outbox.stop()
    kept = await db.fetchall("SELECT progress FROM outbox_parts")
    await db.close()
    assert beside(path).read_bytes() == b""  # in the table now: nothing left beside it
    assert len(kept) == 1 and '"parts":[["m' in kept[0][0] and "p0" not in kept[0][0]
    again = await sent_after_restart(path)
    assert platform.shown[A] == ["p0"]
    assert again.shown[A] == ["p1", "p2"]


async def test_a_retry_and_the_watchdog_go_on_from_the_first_part_not_sent(
    tmp_path: Path,
) -> None:
    db, outbox = await open_outbox(tmp_path / "db.sqlite3", send_timeout=0.2)
    platform = Splitting(hang_at="p2")
    platform.refuse["p1"] = TransientFailure("503")  # once: the retry goes on from p1
    outbox.register(platform)
    await outbox.start()
    await outbox.enqueue(A, msg("p0|p1|p2|p3"))
    await until(lambda: platform.refused >= 1)
    del platform.refuse["p1"]
    assert await outbox.drain(timeout=30)
    await outbox.stop()
    await db.close()
    assert platform.shown[A] == ["p0", "p1", "p2", "p3"]
    assert outbox.stats["restarted"] == 1  # p2 hung; the watchdog started the lane again


async def test_a_part_refused_for_good_fails_the_message_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "db.sqlite3"
    db, outbox = await open_outbox(path)
    platform = Splitting(refuse={"p2": PermanentFailure("they blocked the bot")})
    outbox.register(platform)
    await outbox.start()
    with caplog.at_level(logging.WARNING):
        outbox_id = await outbox.enqueue(A, msg("p0|p1|p2|p3"))
        [report] = await outbox.settled([outbox_id], timeout=30)
    await outbox.stop()
    failed = await outbox._repo.failed()
    parts = await db.fetchall("SELECT * FROM outbox_parts")
    await db.close()
    assert platform.shown[A] == ["p0", "p1"]  # shown before the refusal: they stay shown
    assert not report.delivered and report.error == "they blocked the bot"
    assert [f["error"] for f in failed] == ["they blocked the bot"]
    assert parts == []
    assert "refused a message after 2 of its parts were shown" in caplog.text
    assert (await sent_after_restart(path)).shown[A] == []  # failed as a whole: no more


async def test_a_merged_burst_cut_short_is_merged_the_same_way_after_a_restart(
    tmp_path: Path,
) -> None:
    """Merged, the burst split one way; merged with one more message after the restart, it
    would split another way, and the parts already shown would not line up."""
    path = tmp_path / "db.sqlite3"
    db, outbox = await open_outbox(path)
    await outbox.start()
    await outbox.enqueue_many([NewItem(A, msg(t, coalesce=True)) for t in ("a|b", "c|d")])
    platform = Splitting(refuse={"b\nc": TransientFailure("503")})
    outbox.register(platform)  # both queued already: sent merged, as a backed-up burst is
    await until(lambda: platform.refused >= 1)
    await outbox.enqueue(A, msg("e", coalesce=True))  # queued while the burst is retried
    await outbox.stop()
    await db.close()
    again = await sent_after_restart(path)
    assert platform.shown[A] == ["a"]
    assert again.shown[A] == ["b\nc", "d", "e"]


async def test_a_long_message_cut_short_leaves_no_text_on_disk_once_delivered(
    tmp_path: Path,
) -> None:
    """The parts noted on the way hold ids only; once the rest is delivered after the restart,
    the text is in no file: main, WAL, shared memory, nor the file of ids beside them."""
    text = "|".join(f"{n} {MARKER}" for n in range(3))
    path = tmp_path / "db.sqlite3"
    platform = Splitting(refuse={f"1 {MARKER}": TransientFailure("503")})
    await stopped_while_refused(path, platform, text)
    db, outbox = await open_outbox(path)
    again = Splitting()
    outbox.register(again)
    await outbox.start()
    try:
        await until_scrubbed(tmp_path, lambda: len(again.shown[A]) == 2 and not outbox.pending())
    finally:
        await outbox.stop()
        await db.close()
    assert platform.shown[A] + again.shown[A] == text.split("|")
    assert MARKER.encode() not in disk_bytes(tmp_path)


async def test_a_message_of_one_part_notes_nothing_but_its_delivery(tmp_path: Path) -> None:
    """Most messages are one part: the last part's answer ends the delivery, so nothing more
    is written for them than before (no line of parts, no row in ``outbox_parts``)."""
    db, outbox = await open_outbox(tmp_path / "db.sqlite3")
    await outbox.start()
    await outbox.enqueue(A, msg("one part"))
    await outbox.enqueue(A, msg("p0|p1"))
    platform = Splitting()
    async with database_held(db):
        outbox.register(platform)
        await until(lambda: outbox.stats["sent"] == 2)
        noted = beside(db.path).read_bytes().splitlines()
    await outbox.stop()
    await db.close()
    assert platform.shown[A] == ["one part", "p0", "p1"]
    assert [line.split(b" ")[0] for line in noted] == [b"1", b"P", b"2"]


async def three_merged_cut_short(path: Path) -> tuple[Database, Outbox, Splitting]:
    """Three people's messages ``a0|a1``, ``b0|b1``, ``c0|c1``, merged into one and sent in
    parts until the third part (``b1`` and ``c0``) is refused; the outbox left running."""
    db, outbox = await open_outbox(path)
    platform = Splitting(refuse={"b1\nc0": TransientFailure("503")})
    outbox.register(platform)
    for person in (1, 2, 3):
        await db.execute("INSERT INTO people(id, created_at) VALUES (?, '2026-01-01')", (person,))
    await outbox.start()
    await outbox.enqueue_many(
        [
            NewItem(A, msg(f"{who}0|{who}1", coalesce=True), person_id=person)
            for person, who in ((1, "a"), (2, "b"), (3, "c"))
        ]
    )
    await until(lambda: platform.refused >= 1)
    return db, outbox, platform


async def test_a_message_erased_from_a_merged_batch_between_tries_does_not_lose_text(
    tmp_path: Path,
) -> None:
    """Three merged messages went out in parts; the middle one's person used /forgetme before
    the rest went: the rest splits otherwise, so it starts over (a part shown twice), and
    nothing of the others is left out."""
    db, outbox, platform = await three_merged_cut_short(tmp_path / "db.sqlite3")
    try:
        assert platform.shown[A] == ["a0", "a1\nb0"]
        await outbox.erase_person(2)
        assert await outbox.drain(timeout=30)
    finally:
        await outbox.stop()
        await db.close()
    shown = platform.shown[A]
    assert shown[2:] == ["a0", "a1\nc0", "c1"]  # started over: c0 is shown


class Resplitting(Splitting):
    """Splits at ``:`` too: a deploy that changed how messages split."""

    async def deliver(self, destination: Destination, message: OutgoingMessage) -> list[str]:
        text = message.text.replace(":", "|")
        return await super().deliver(destination, replace(message, text=text))


async def test_a_message_that_splits_otherwise_after_a_restart_starts_over(tmp_path: Path) -> None:
    """Two of four parts were shown when the bot stopped; the new version splits the same
    text into three: skipping two of those would leave a part unseen, so it starts over."""
    path = tmp_path / "db.sqlite3"
    first = Resplitting(refuse={"c": TransientFailure("503")})
    await stopped_while_refused(path, first, "a:b|c|d")
    assert first.shown[A] == ["a", "b"]
    again = await sent_after_restart(path)
    assert again.shown[A] == ["a:b", "c", "d"]


async def test_a_message_started_over_after_a_restart_keeps_its_new_keys_at_the_next(
    tmp_path: Path,
) -> None:
    """Started over after a restart (its split changed), the parts go with keys of their own,
    not the ones the first parts went with (Discord would answer those with the old text);
    cut short again, the next start goes on with those same new keys (a part whose answer
    was lost is then returned by Discord, not shown twice)."""
    path = tmp_path / "db.sqlite3"
    first = Resplitting(refuse={"c": TransientFailure("503")})
    await stopped_while_refused(path, first, "a:b|c|d")
    db, outbox = await open_outbox(path)
    second = Splitting(refuse={"c": TransientFailure("503")})
    outbox.register(second)
    await outbox.start()
    await until(lambda: second.refused >= 1)
    await outbox.stop()
    await db.close()
    third = await sent_after_restart(path)
    assert first.shown[A] + second.shown[A] + third.shown[A] == ["a", "b", "a:b", "c", "d"]
    assert first.keys[0] == first.keys[1] != second.keys[0]
    assert second.keys[0] == third.keys[0] == third.keys[1]


async def test_an_old_note_beside_the_database_does_not_undo_parts_the_table_kept(
    tmp_path: Path,
) -> None:
    """The file beside the database stopped being written (a write to it failed) after the
    first part; the table went on to keep two. At the next start the table's longer record
    wins, in memory and on disk: the second part is not shown twice."""
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    repo = OutboxRepository(db)
    try:
        [row_id] = await repo.add_many([NewItem(A, msg("p0|p1|p2|p3"))], datetime.now(UTC))
        [row] = await repo.queued()
        two = Resume((row_id,), (("m-a",), ("m-b",)), 4)
        await repo.record_progress([(row_id, row.created_at, two.to_json())])
    finally:
        await db.close()
    stale = Resume((row_id,), (("m-a",),), 4).to_json()
    beside(path).write_text(f"P {row_id} {row.created_at} {stale}\n")

    again = await sent_after_restart(path)
    assert again.shown[A] == ["p2", "p3"]


async def test_the_table_keeps_the_longer_record_of_one_delivery(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    repo = OutboxRepository(db)
    try:
        [row_id] = await repo.add_many([NewItem(A, msg("p0|p1|p2"))], datetime.now(UTC))
        [row] = await repo.queued()

        async def keep(record: Resume) -> Resume | None:
            await repo.record_progress([(row_id, row.created_at, record.to_json())])
            return (await repo.queued())[0].resume

        longer = Resume((row_id,), (("1",), ("2",)), 3)
        assert await keep(longer) == longer
        assert await keep(Resume((row_id,), (("1",),), 3)) == longer  # older: not kept
        over = Resume((row_id,), (("9",),), 4)  # the message split otherwise: started over
        assert await keep(over) == over
    finally:
        await db.close()


class Swapped(Splitting):
    """Splits at ``:`` where the one before split at ``|``, and the other way round: a deploy
    that cuts a message into as many parts as before, at other places."""

    async def deliver(self, destination: Destination, message: OutgoingMessage) -> list[str]:
        text = message.text.replace("|", "#").replace(":", "|").replace("#", ":")
        return await super().deliver(destination, replace(message, text=text))


async def test_a_message_split_as_many_parts_at_other_places_after_a_restart_starts_over(
    tmp_path: Path,
) -> None:
    """The first part of two was shown when the bot stopped; the new version cuts the same
    text into two parts again, but at another place: going on from "the second part" would
    leave out the text between the two cuts (the "b"), so it starts over."""
    path = tmp_path / "db.sqlite3"
    first = Splitting(refuse={"b:c": TransientFailure("503")})
    await stopped_while_refused(path, first, "a|b:c")
    kept = beside(path).read_text() + str(await rows(path, "SELECT * FROM outbox_parts"))
    again = await sent_after_restart(path, again=Swapped())
    assert first.shown[A] == ["a"]
    assert again.shown[A] == ["a:b", "c"]
    assert '"sizes":[1,3]' in kept and "b:c" not in kept  # the parts' lengths, no text


async def test_a_restart_after_an_erasure_started_a_merged_message_over_keeps_its_keys(
    tmp_path: Path,
) -> None:
    """Three merged messages went out in parts; the last one's person used /forgetme, so the
    rest started over (with the batch's first key, as a new round); stopped again after a
    part of that, the next start goes on with the same keys (Discord's nonces), so a part
    whose answer was lost is handed back by Discord rather than shown twice."""
    path = tmp_path / "db.sqlite3"
    db, outbox, platform = await three_merged_cut_short(path)
    try:
        platform.refuse["b1"] = TransientFailure("503")
        await outbox.erase_person(3)
        await until(lambda: platform.refused >= 2)
    finally:
        await outbox.stop()
        await db.close()
    again = await sent_after_restart(path)
    assert platform.shown[A] == ["a0", "a1\nb0", "a0", "a1\nb0"]  # started over once
    assert again.shown[A] == ["b1"]
    assert platform.keys[2] == platform.keys[3] == again.keys[0] != platform.keys[0]
