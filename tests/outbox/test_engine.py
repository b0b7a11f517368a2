"""The outbox against a scripted platform: order, limits, retries, failures, restarts, privacy.

The scripted deliverer stands in for a platform at the protocol boundary the outbox defines
(`bot.outbox.delivery.Deliverer`); the platform adapters are tested against the fake servers.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.model import Platform
from bot.outbox import (
    DeliveryReport,
    Destination,
    Limit,
    Outbox,
    OutgoingMessage,
    PermanentFailure,
    RetryLater,
    TransientFailure,
)
from bot.outbox.limits import MonotonicTimer, Timer
from bot.outbox.priority import is_scheduled, scheduled_mail
from bot.storage.database import Database
from bot.storage.outbox import NewItem, OutboxRepository

A = Destination(Platform.TELEGRAM, "user", "1")
B = Destination(Platform.TELEGRAM, "user", "2")


@dataclass
class Scripted:
    """A platform whose answers a test scripts per destination."""

    platform: Platform = Platform.TELEGRAM
    max_text: int = 4096
    global_limit: Limit | None = None
    per_destination: Limit | None = None
    script: dict[Destination, list[Exception | None]] = field(default_factory=dict)
    sent: dict[Destination, list[str]] = field(default_factory=lambda: defaultdict(list))
    times: dict[Destination, list[float]] = field(default_factory=lambda: defaultdict(list))
    hook: Callable[[Destination], None] | None = None
    clock: Timer = field(default_factory=MonotonicTimer)

    def limit_for(self, destination: Destination) -> Limit | None:
        return self.per_destination

    async def deliver(self, destination: Destination, message: OutgoingMessage) -> list[str]:
        if self.hook:
            self.hook(destination)
        plan = self.script.get(destination)
        if plan:
            outcome = plan.pop(0)
            if outcome is not None:
                raise outcome
        self.sent[destination].append(message.text)
        self.times[destination].append(self.clock.now())
        return [str(len(self.sent[destination]))]


class VirtualTimer:
    """Pacing on a settable clock: sleeping moves time on instead of waiting. A sleeper wakes
    at or after the moment it asked for, never before (as on a busy event loop)."""

    def __init__(self) -> None:
        self.t = 1000.0

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        target = self.t + max(0.0, seconds)
        await asyncio.sleep(0)
        self.t = max(self.t, target)


async def open_outbox(path: Path, **kwargs: object) -> tuple[Database, Outbox]:
    db = await Database.open(path)
    outbox = Outbox(OutboxRepository(db), db, backoff_base=0.01, **kwargs)  # type: ignore[arg-type]
    return db, outbox


def disk_bytes(folder: Path) -> bytes:
    """Everything in the database files (main file, WAL, shared memory)."""
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())


def msg(text: str, coalesce: bool = False) -> OutgoingMessage:
    return OutgoingMessage(text, coalesce=coalesce)


async def test_order_is_kept_and_nothing_is_lost_through_429s_and_5xx(tmp_path: Path) -> None:
    db, outbox = await open_outbox(tmp_path / "db.sqlite3")
    platform = Scripted(
        script={
            A: [RetryLater(0.05), None, TransientFailure("502"), TimeoutError(), None, None],
            B: [TransientFailure("503"), None, RetryLater(0.02)],
        }
    )
    outbox.register(platform)
    await outbox.start()
    for n in range(6):
        await outbox.enqueue(A, msg(f"a{n}"))
        await outbox.enqueue(B, msg(f"b{n}"))
    assert await outbox.drain(timeout=10)
    await outbox.stop()
    await db.close()
    assert platform.sent[A] == [f"a{n}" for n in range(6)]
    assert platform.sent[B] == [f"b{n}" for n in range(6)]
    assert outbox.stats["retry_after"] == 2 and outbox.stats["transient"] == 3


async def test_a_rate_limited_destination_does_not_hold_up_another(tmp_path: Path) -> None:
    db, outbox = await open_outbox(tmp_path / "db.sqlite3")
    platform = Scripted(script={A: [RetryLater(30.0)]})
    outbox.register(platform)
    await outbox.start()
    await outbox.enqueue(A, msg("held back"))
    for n in range(5):
        await outbox.enqueue(B, msg(f"b{n}"))
    for _ in range(200):
        if len(platform.sent[B]) == 5:
            break
        await asyncio.sleep(0.01)
    assert platform.sent[B] == [f"b{n}" for n in range(5)]
    assert platform.sent[A] == []
    assert outbox.pending() == 1  # still waiting its turn, not dropped
    await outbox.stop()
    await db.close()


async def test_per_destination_limits_are_never_exceeded(tmp_path: Path) -> None:
    """Checked on a settable clock, from the moments the platform saw each send: no machine
    is fast or slow enough to change the figures."""
    timer = VirtualTimer()
    db, outbox = await open_outbox(tmp_path / "db.sqlite3", timer=timer)
    platform = Scripted(
        per_destination=Limit(3, 0.3, margin=0.0), global_limit=Limit(4, 0.2, 0), clock=timer
    )
    outbox.register(platform)
    await outbox.start()
    for n in range(9):
        await outbox.enqueue(A, msg(f"a{n}"))
        await outbox.enqueue(B, msg(f"b{n}"))
    assert await outbox.drain(timeout=10)
    await outbox.stop()
    await db.close()
    for dest in (A, B):
        t = platform.times[dest]
        assert len(t) == 9
        assert all(t[i + 3] - t[i] >= 0.3 - 1e-9 for i in range(len(t) - 3))
    everything = sorted(platform.times[A] + platform.times[B])
    assert all(everything[i + 4] - everything[i] >= 0.2 - 1e-9 for i in range(len(everything) - 4))


async def test_the_bot_wide_limit_is_reached_but_never_exceeded(tmp_path: Path) -> None:
    """30 a second spread evenly: each send exactly 1/30 s after the one before, never closer
    (over the limit) and never further apart (the ceiling given away)."""
    timer = VirtualTimer()
    db, outbox = await open_outbox(tmp_path / "db.sqlite3", timer=timer)
    platform = Scripted(global_limit=Limit(30, 1.0, margin=0.0), clock=timer)
    outbox.register(platform)
    await outbox.start()
    people = [Destination(Platform.TELEGRAM, "user", str(n)) for n in range(90)]
    await outbox.enqueue_many([NewItem(p, msg("hello")) for p in people])
    assert await outbox.drain(timeout=10)
    await outbox.stop()
    await db.close()
    times = sorted(t for p in people for t in platform.times[p])
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) == 90
    assert min(gaps) >= 1 / 30 - 1e-9
    assert max(gaps) <= 1 / 30 + 1e-9


async def test_a_burst_leaves_at_once_then_spreads_within_the_window(tmp_path: Path) -> None:
    timer = VirtualTimer()
    db, outbox = await open_outbox(tmp_path / "db.sqlite3", timer=timer)
    platform = Scripted(per_destination=Limit(5, 5.0, margin=0.0, burst=5), clock=timer)
    outbox.register(platform)
    await outbox.start()
    for n in range(12):
        await outbox.enqueue(A, msg(f"a{n}"))
    assert await outbox.drain(timeout=10)
    await outbox.stop()
    await db.close()
    t = platform.times[A]
    assert t[4] - t[0] < 1e-9  # the first five back to back
    assert all(t[i + 5] - t[i] >= 5.0 - 1e-9 for i in range(len(t) - 5))


async def test_a_bot_wide_429_holds_every_destination(tmp_path: Path) -> None:
    timer = VirtualTimer()
    db, outbox = await open_outbox(tmp_path / "db.sqlite3", timer=timer)
    platform = Scripted(script={A: [RetryLater(2.0, "platform")]}, clock=timer)
    refused_at: list[float] = []
    platform.hook = lambda dest: refused_at.append(timer.now()) if dest == A else None
    outbox.register(platform)
    await outbox.start()
    await outbox.enqueue(A, msg("first, answered 429 for the whole bot"))
    await outbox.enqueue_many([NewItem(B, msg(f"b{n}")) for n in range(3)])
    assert await outbox.drain(timeout=10)
    await outbox.stop()
    await db.close()
    held_from = refused_at[0]  # A's first try, answered 429 for the whole bot
    later = [t for t in platform.times[A] + platform.times[B] if t > held_from]
    assert later and all(t >= held_from + 2.0 - 1e-9 for t in later)
    assert len(platform.sent[B]) == 3 and platform.sent[A] == [
        "first, answered 429 for the whole bot"
    ]


async def test_a_delivery_that_never_ends_is_restarted_by_the_watchdog(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db, outbox = await open_outbox(tmp_path / "db.sqlite3", send_timeout=0.2)
    platform = Scripted()
    deliver = platform.deliver
    hung = asyncio.Event()

    async def hangs_once(destination: Destination, message: OutgoingMessage) -> list[str]:
        if not hung.is_set():
            hung.set()
            await asyncio.Event().wait()  # a request that nothing ever ends
        return await deliver(destination, message)

    platform.deliver = hangs_once  # type: ignore[method-assign]
    outbox.register(platform)
    await outbox.start()
    await outbox.enqueue(A, msg("words nobody should find in a log"))
    await outbox.enqueue(A, msg("the next one"))
    assert await outbox.drain(timeout=20)
    await outbox.stop()
    await db.close()
    assert platform.sent[A] == ["words nobody should find in a log", "the next one"]
    assert outbox.stats["restarted"] == 1
    assert str(A) in caplog.text and "words nobody" not in caplog.text


async def test_delivered_text_leaves_the_files_while_another_destination_keeps_failing(
    tmp_path: Path,
) -> None:
    """Regression (issue 9): the WAL was only scrubbed once the whole outbox was empty, so one
    unreachable destination kept every delivered message readable on disk."""
    db, outbox = await open_outbox(tmp_path / "db.sqlite3")
    platform = Scripted(script={B: [TransientFailure("502")] * 10_000})
    outbox.register(platform)
    await outbox.start()
    await outbox.enqueue(B, msg("for a group that cannot be reached"))
    marker = "MARKER-7d1c delivered words about a hard night"
    await outbox.enqueue_many([NewItem(A, msg(f"{marker} {n}")) for n in range(5)])
    for _ in range(400):  # a safety net only: it ends as soon as the text is gone
        if len(platform.sent[A]) == 5 and marker.encode() not in disk_bytes(tmp_path):
            break
        await asyncio.sleep(0.05)
    still_queued = outbox.pending()
    on_disk = disk_bytes(tmp_path)
    await outbox.stop()
    await db.close()
    assert len(platform.sent[A]) == 5
    assert still_queued == 1  # the failing destination is still waiting its turn
    assert marker.encode() not in on_disk


async def test_a_permanent_refusal_is_marked_failed_and_reported(tmp_path: Path) -> None:
    db, outbox = await open_outbox(tmp_path / "db.sqlite3")
    outbox.register(Scripted(script={A: [PermanentFailure("blocked the bot")]}))
    reports: list[DeliveryReport] = []

    async def listen(report: DeliveryReport) -> None:
        reports.append(report)

    outbox.on_result("test:", listen)
    await outbox.start()
    await outbox.enqueue(A, msg("a secret hello"), origin="test:1")
    await outbox.enqueue(A, msg("second"), origin="test:2")
    assert await outbox.drain(timeout=5)
    await asyncio.sleep(0.05)
    failed = await OutboxRepository(db).failed()
    await outbox.stop()
    await db.close()
    assert [(r.origin, r.delivered, r.error) for r in reports] == [
        ("test:1", False, "blocked the bot"),
        ("test:2", True, None),
    ]
    assert [f["error"] for f in failed] == ["blocked the bot"]
    assert b"a secret hello" not in (tmp_path / "db.sqlite3").read_bytes()


async def test_messages_queued_at_a_stop_go_out_after_the_restart(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db, outbox = await open_outbox(path)
    await outbox.start()  # no platform registered yet: everything waits in the table
    for n in range(3):
        await outbox.enqueue(A, msg(f"queued {n}"))
    await outbox.stop()
    await db.close()

    db, outbox = await open_outbox(path)
    platform = Scripted()
    outbox.register(platform)
    await outbox.start()
    assert await outbox.drain(timeout=5)
    await outbox.stop()
    await db.close()
    assert platform.sent[A] == ["queued 0", "queued 1", "queued 2"]


async def test_delivered_text_leaves_no_trace_in_the_database_files(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db, outbox = await open_outbox(path)
    outbox.register(Scripted())
    await outbox.start()
    secret = "I found my friend after the overdose and I keep seeing it"
    for n in range(20):
        await outbox.enqueue(A if n % 2 else B, msg(f"{secret} #{n}"))
    assert await outbox.drain(timeout=5)
    await asyncio.sleep(0.6)  # the flusher deletes delivered rows, then scrubs the WAL
    on_disk = disk_bytes(tmp_path)
    await outbox.stop()
    await db.close()
    assert secret.encode() not in on_disk


async def test_ephemeral_messages_never_touch_disk(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db, outbox = await open_outbox(path)
    platform = Scripted(script={A: [RetryLater(0.3)]})
    outbox.register(platform)
    await outbox.start()
    await outbox.enqueue(A, msg("debrief words stay in memory"), ephemeral=True)
    await asyncio.sleep(0.1)  # queued and waiting on the 429
    row = await db.fetchone("SELECT COUNT(*) FROM outbox")
    on_disk = disk_bytes(tmp_path)
    assert await outbox.drain(timeout=5)
    await outbox.stop()
    await db.close()
    assert row is not None and row[0] == 0
    assert b"debrief words" not in on_disk
    assert platform.sent[A] == ["debrief words stay in memory"]


async def test_a_backed_up_burst_is_coalesced_in_order(tmp_path: Path) -> None:
    db, outbox = await open_outbox(tmp_path / "db.sqlite3")
    platform = Scripted(script={A: [RetryLater(0.1)]})
    outbox.register(platform)
    await outbox.start()
    await outbox.enqueue_many([NewItem(A, msg(f"line {n}", coalesce=True)) for n in range(4)])
    await outbox.enqueue(A, msg("not coalescible, stays apart"))
    assert await outbox.drain(timeout=5)
    await outbox.stop()
    await db.close()
    assert platform.sent[A] == ["line 0\nline 1\nline 2\nline 3", "not coalescible, stays apart"]


Tries = list[tuple[str, str | None]]  # each try's text and dedup key


def answer_lost_first() -> tuple[Scripted, asyncio.Event, asyncio.Event, Tries]:
    """A platform whose first answer is lost (a timeout), after the request waited in flight
    until ``release`` is set (``started`` is set once it is). Every try's text and dedup key
    are recorded."""
    started, release = asyncio.Event(), asyncio.Event()
    platform = Scripted(script={A: [TimeoutError()]})
    deliver = platform.deliver
    keys: Tries = []

    async def lost_first(destination: Destination, message: OutgoingMessage) -> list[str]:
        keys.append((message.text, message.dedup_key))
        if not started.is_set():
            started.set()
            await release.wait()
        return await deliver(destination, message)

    platform.deliver = lost_first  # type: ignore[method-assign]
    return platform, started, release, keys


async def test_a_retry_sends_the_same_batch_even_when_more_was_queued_meanwhile(
    tmp_path: Path,
) -> None:
    """A first try whose answer was lost (a timeout) is tried again exactly as it was, with
    the same dedup key: merged with a message queued meanwhile it would carry another key, and
    Discord would show the first message twice. The newer message goes on its own after."""
    db, outbox = await open_outbox(tmp_path / "db.sqlite3")
    platform, started, release, keys = answer_lost_first()
    outbox.register(platform)
    await outbox.start()
    await outbox.enqueue(A, msg("one", coalesce=True))
    await asyncio.wait_for(started.wait(), 30)
    await outbox.enqueue(A, msg("two", coalesce=True))
    release.set()
    assert await outbox.drain(timeout=30)
    await outbox.stop()
    await db.close()
    assert platform.sent[A] == ["one", "two"]
    assert [text for text, _ in keys] == ["one", "one", "two"]
    assert keys[0][1] == keys[1][1] != keys[2][1]


async def test_a_retry_keeps_its_dedup_key_when_part_of_the_batch_was_erased(
    tmp_path: Path,
) -> None:
    """Someone's message in a merged batch is erased while the first try's answer is lost:
    the retry leaves it out but keeps the key, so Discord returns what the first try made
    (already shown) rather than showing the rest a second time."""
    db, outbox = await open_outbox(tmp_path / "db.sqlite3")
    platform, started, release, keys = answer_lost_first()
    outbox.register(platform)
    await db.execute("INSERT INTO people(id, created_at) VALUES (7, '2026-01-01')")
    await outbox.start()
    await outbox.enqueue_many(
        [
            NewItem(A, msg("one", coalesce=True)),
            NewItem(A, msg("two", coalesce=True), person_id=7),
        ]
    )
    await asyncio.wait_for(started.wait(), 30)
    await outbox.erase_person(7)
    release.set()
    assert await outbox.drain(timeout=30)
    await outbox.stop()
    await db.close()
    assert [text for text, _ in keys] == ["one\ntwo", "one"]
    assert keys[0][1] == keys[1][1]


async def test_erasing_a_person_drops_what_still_waits_for_them(tmp_path: Path) -> None:
    db, outbox = await open_outbox(tmp_path / "db.sqlite3")
    platform = Scripted(script={A: [RetryLater(0.2)]})
    outbox.register(platform)
    await outbox.start()
    await outbox.enqueue(A, msg("first, already in flight"))
    await outbox.enqueue(A, msg("for the person"), person_id=None)
    await db.execute("INSERT INTO people(id, created_at) VALUES (7, '2026-01-01')")
    await outbox.enqueue(A, msg("about to be erased"), person_id=7)
    await outbox.erase_person(7)
    assert await outbox.drain(timeout=5)
    await outbox.stop()
    await db.close()
    assert platform.sent[A] == ["first, already in flight", "for the person"]


async def test_erasing_someone_mid_burst_does_not_drop_the_next_message(tmp_path: Path) -> None:
    """Regression: a finished batch was removed from its queue by count, so erasing a person
    whose message sat inside an in-flight merged batch dropped the next, unsent message."""
    db, outbox = await open_outbox(tmp_path / "db.sqlite3")
    gate = asyncio.Event()
    platform = Scripted()
    deliver = platform.deliver

    async def slow_first(destination: Destination, message: OutgoingMessage) -> list[str]:
        if not gate.is_set():
            started.set()
            await gate.wait()
        return await deliver(destination, message)

    started = asyncio.Event()
    platform.deliver = slow_first  # type: ignore[method-assign]
    outbox.register(platform)
    await db.execute("INSERT INTO people(id, created_at) VALUES (7, '2026-01-01')")
    await outbox.enqueue_many(
        [
            NewItem(A, msg("one", coalesce=True)),
            NewItem(A, msg("two", coalesce=True), person_id=7),
            NewItem(A, msg("three", coalesce=True)),
            NewItem(A, msg("after the burst")),
        ]
    )
    await outbox.start()
    await asyncio.wait_for(started.wait(), 5)
    await outbox.erase_person(7)
    gate.set()
    assert await outbox.drain(timeout=5)
    await outbox.stop()
    await db.close()
    assert platform.sent[A] == ["one\ntwo\nthree", "after the burst"]


async def test_failed_messages_are_exported_then_forgotten(tmp_path: Path) -> None:
    db, outbox = await open_outbox(tmp_path / "db.sqlite3")
    outbox.register(Scripted(script={A: [PermanentFailure("blocked the bot")]}))
    await db.execute("INSERT INTO people(id, created_at) VALUES (7, '2026-01-01')")
    await outbox.start()
    await outbox.enqueue(A, msg("hello"), person_id=7)
    assert await outbox.drain(timeout=5)
    exported = await outbox.export_person(7)
    repo = OutboxRepository(db)
    kept = await repo.purge_failed(datetime.now(UTC) - timedelta(days=14))
    purged = await repo.purge_failed(datetime.now(UTC) + timedelta(seconds=1))
    await outbox.stop()
    await db.close()
    (failure,) = exported["messages_that_could_not_reach_you"]
    assert failure["why"] == "blocked the bot"
    assert (kept, purged) == (0, 1)


async def test_an_answer_goes_before_scheduled_mail_waiting_for_the_bot_wide_limit(
    tmp_path: Path,
) -> None:
    """300 prompts a scheduled job queued take ten seconds at 30 a second; an answer queued
    after them (someone typed /crisis) leaves with the next free slot, not after all of them.
    The prompts still all go, each once, in the order they were queued."""
    timer = VirtualTimer()
    db, outbox = await open_outbox(tmp_path / "db.sqlite3", timer=timer)
    platform = Scripted(global_limit=Limit(30, 1.0, margin=0.0), clock=timer)
    ten_sent = asyncio.Event()
    platform.hook = lambda _: ten_sent.set() if sum(map(len, platform.sent.values())) >= 9 else None
    outbox.register(platform)
    await outbox.start()
    people = [Destination(Platform.TELEGRAM, "user", str(n)) for n in range(100, 400)]
    with scheduled_mail():
        await outbox.enqueue_many([NewItem(p, msg("prompt")) for p in people])
    await ten_sent.wait()
    asked_at = timer.now()
    # Kept in memory (as an in-memory reply is), so queueing it takes no database round trip
    # during which the settable clock would run on.
    await outbox.enqueue(A, msg("crisis lines"), ephemeral=True)
    assert await outbox.drain(timeout=30)
    await outbox.stop()
    await db.close()
    (answered,) = platform.times[A]
    assert answered - asked_at <= 5 / 30 + 1e-9  # within a few slots
    prompts = sorted(platform.times[p][0] for p in people)
    assert sum(t > answered for t in prompts) >= 280  # nearly all of them still waited
    assert all(platform.sent[p] == ["prompt"] for p in people)
    assert [p for p in people] == sorted(people, key=lambda p: platform.times[p][0])


async def test_an_answer_behind_the_persons_own_queued_prompt_does_not_wait_for_the_rest(
    tmp_path: Path,
) -> None:
    """The last of 300 people with a prompt waiting asks for help: their worker moves to the
    urgent line, so their prompt and then their answer go within a few slots, not after the
    other 290 prompts."""
    timer = VirtualTimer()
    db, outbox = await open_outbox(tmp_path / "db.sqlite3", timer=timer)
    platform = Scripted(global_limit=Limit(30, 1.0, margin=0.0), clock=timer)
    ten_sent = asyncio.Event()
    platform.hook = lambda _: ten_sent.set() if sum(map(len, platform.sent.values())) >= 9 else None
    outbox.register(platform)
    await outbox.start()
    people = [Destination(Platform.TELEGRAM, "user", str(n)) for n in range(100, 400)]
    with scheduled_mail():
        await outbox.enqueue_many([NewItem(p, msg("prompt")) for p in people])
    await ten_sent.wait()
    asked_at = timer.now()
    await outbox.enqueue(people[-1], msg("crisis lines"), ephemeral=True)
    assert await outbox.drain(timeout=30)
    await outbox.stop()
    await db.close()
    assert platform.sent[people[-1]] == ["prompt", "crisis lines"]
    answered = platform.times[people[-1]][1]
    assert answered - asked_at <= 6 / 30 + 1e-9
    assert sum(platform.times[p][0] > answered for p in people) >= 280


async def test_scheduled_mail_left_at_a_stop_still_gives_way_after_the_restart(
    tmp_path: Path,
) -> None:
    """300 prompts queued by a job and not yet sent when the bot stopped are still routine
    when it starts again: an answer queued after the restart goes first."""
    path = tmp_path / "db.sqlite3"
    db, outbox = await open_outbox(path)
    people = [Destination(Platform.TELEGRAM, "user", str(n)) for n in range(100, 400)]
    with scheduled_mail():
        await outbox.enqueue_many([NewItem(p, msg("prompt")) for p in people])
    await outbox.stop()
    await db.close()
    timer = VirtualTimer()
    db, outbox = await open_outbox(path, timer=timer)
    platform = Scripted(global_limit=Limit(30, 1.0, margin=0.0), clock=timer)
    ten_sent = asyncio.Event()
    platform.hook = lambda _: ten_sent.set() if sum(map(len, platform.sent.values())) >= 9 else None
    outbox.register(platform)
    await outbox.start()
    await ten_sent.wait()
    asked_at = timer.now()
    await outbox.enqueue(A, msg("crisis lines"), ephemeral=True)
    assert await outbox.drain(timeout=30)
    await outbox.stop()
    await db.close()
    (answered,) = platform.times[A]
    assert answered - asked_at <= 5 / 30 + 1e-9
    assert all(platform.sent[p] == ["prompt"] for p in people)


async def test_what_a_delivery_report_sets_off_is_not_scheduled_mail(tmp_path: Path) -> None:
    """A job queued the message, but the notice a failure sets off (told to someone at once)
    is not routine: the job's mark stays with what the job itself queued."""
    db, outbox = await open_outbox(tmp_path / "db.sqlite3")
    platform = Scripted(script={A: [PermanentFailure("blocked")]})
    outbox.register(platform)
    seen: list[bool] = []
    both = asyncio.Event()

    async def listener(report: DeliveryReport) -> None:
        seen.append(is_scheduled())
        if len(seen) == 2:
            both.set()

    outbox.on_result("job:", listener)
    await outbox.start()
    with scheduled_mail():
        await outbox.enqueue(A, msg("prompt"), origin="job:1")
        await outbox.enqueue(B, msg("prompt"), origin="job:2")
    await asyncio.wait_for(both.wait(), timeout=30)
    await outbox.stop()
    await db.close()
    assert seen == [False, False]
