"""One destination's queue, and which queued messages go out together."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.outbox.limits import Bucket
from bot.outbox.message import Destination, Op, OutgoingMessage
from bot.outbox.priority import Ticket
from bot.outbox.progress import Progress, Resume


@dataclass(slots=True)
class Entry:
    """A queued message as the engine tracks it."""

    id: int
    destination: Destination
    message: OutgoingMessage
    origin: str | None
    person_id: int | None
    created: float  # wall-clock seconds, so the give-up age survives a restart
    attempts: int = 0
    not_before: float = 0.0  # on the outbox's monotonic timer
    ephemeral: bool = False
    routine: bool = False  # queued by a scheduled job: gives way to answers (priority.py)
    #: The row's ``created_at`` as stored (None in memory only): with the id it names the row
    #: for good, also when a rolled-back transaction let SQLite give the id out again.
    created_at: str | None = None
    #: Read back at a start: the batch this row headed and the parts the platform already
    #: had when the last run stopped (see progress.py); None for anything else.
    resume: Resume | None = None
    #: Loaded at a start with its file left on disk (``message.attachment`` has no bytes
    #: yet): the worker reads it just before sending (``Journal.read_file``).
    file_unread: bool = False


@dataclass(slots=True)
class Lane:
    """One destination's queue, its own rate limit, and the worker draining it.
    ``sending_since`` is set while a delivery is under way, for the watchdog."""

    queue: deque[int] = field(default_factory=deque)
    bucket: Bucket | None = None
    task: asyncio.Task[None] | None = None
    sending_since: float | None = None
    ticket: Ticket = field(default_factory=Ticket)  # its worker's place in a line, if waiting
    #: The ids of the batch being tried, sent again exactly (less any erased meanwhile) until
    #: it is delivered or fails: re-formed with a message queued since, it would carry
    #: another nonce, and Discord would show the first message twice.
    attempt: list[Entry] = field(default_factory=list)
    #: Its dedup key, kept as it was first made: with a message erased from the batch since,
    #: Discord still returns what the first try made (already shown) instead of a second copy.
    attempt_key: str = ""
    #: The parts of that batch the platform has: a retry (or, noted on disk, a restart) goes
    #: on from the first part not sent.
    progress: Progress = field(default_factory=Progress)

    def left(self, at: float | None) -> None:
        """A request of this lane's delivery left at ``at`` (the watchdog times it), or (None)
        the next one waits for its turn: a wait the limits or the platform asked for (a
        bot-wide 429 can ask for minutes) is not a stall."""
        self.sending_since = at

    def resume(self, entries: Mapping[int, Entry]) -> None:
        """At a start: go on with the delivery its head had begun before the stop, with the
        same batch (merged the same, so split the same, with the same dedup key) and the
        parts already sent."""
        head = entries.get(self.queue[0]) if self.queue else None
        if head is None or head.resume is None or head.resume.batch[0] != head.id:
            return
        resume = head.resume
        batch = [e for i in resume.batch if (e := entries.get(i)) is not None]
        self.attempt = batch
        # The key it went with: kept in the record when it is not the batch's own (a message
        # erased while it went), so the parts go on with the nonces they had.
        self.attempt_key = resume.key or dedup_key(batch)
        if len(batch) != len(resume.batch) and resume.parts:
            # A message of the batch was erased (/forgetme) meanwhile: the rest splits
            # otherwise, and the parts sent say nothing of it. Started over, as a new round
            # (its own nonces): a part shown twice rather than text never shown.
            self.progress = Progress(round=resume.round)
            self.progress.start_over()
            return
        self.progress = Progress(resume.parts, resume.total, resume.round, resume.sizes)

    def finished(self) -> None:
        """The batch is delivered or failed for good: the next one is formed anew."""
        self.attempt = []
        self.progress = Progress()

    def empty(self) -> bool:
        """Whether the lane holds nothing a new one would not but its rate bucket: no message
        queued, no batch under way, no worker. Such a lane is forgotten, its bucket kept aside
        while its sends still count (``Bucket.spent``), and the engine makes a lane again,
        with that bucket, when a message comes: a fan-out does not keep a lane and its worker
        for every person it reached."""
        return not (self.queue or self.attempt or len(self.progress) or self.task is not None)

    def drop(self, entry_id: int) -> None:
        """Take a finished message out, wherever it is (erasure can remove one mid-queue)."""
        if self.queue and self.queue[0] == entry_id:
            self.queue.popleft()
        elif entry_id in self.queue:
            self.queue.remove(entry_id)


def coalesce(queue: deque[int], entries: Mapping[int, Entry], max_text: int) -> list[Entry]:
    """The head message, plus following plain ones to merge when a burst has backed up."""
    head = entries[queue[0]]
    batch = [head]
    if not head.message.coalesce or head.message.op is not Op.SEND:
        return batch
    if head.message.buttons or head.message.attachment:
        return batch
    size = len(head.message.text)
    for next_id in itertools.islice(queue, 1, None):
        nxt = entries.get(next_id)
        if nxt is None:
            break
        m = nxt.message
        if not (m.coalesce and m.op is Op.SEND and not m.buttons and not m.attachment):
            break
        if m.reply_to is not None or bool(m.relayed) != bool(head.message.relayed):
            break
        if size + 1 + len(m.text) > max_text or nxt.ephemeral != head.ephemeral:
            break
        size += 1 + len(m.text)
        batch.append(nxt)
    return batch


def batch_for(lane: Lane, entries: Mapping[int, Entry], max_text: int) -> tuple[list[Entry], str]:
    """What the lane's worker sends next, and its dedup key: the batch tried before and not
    finished yet, as it was (less any message erased meanwhile) and with the same key, or
    else a new one from the head of the queue."""
    if lane.attempt and lane.queue and lane.queue[0] == lane.attempt[0].id:
        batch = [e for e in lane.attempt if entries.get(e.id) is e]
        if batch and (len(batch) == len(lane.attempt) or not lane.progress.parts):
            return batch, lane.attempt_key
        if batch:
            # Parts were sent, then a message of the batch was erased: the rest splits
            # otherwise, so the parts sent no longer say what was shown. Started over, as a
            # new round (Discord would hand back the old parts for the old nonces): a part
            # shown twice rather than text never shown.
            lane.attempt = batch
            lane.progress.start_over()
            return batch, lane.attempt_key
    batch = coalesce(lane.queue, entries, max_text)
    lane.attempt = batch
    lane.progress = Progress()
    lane.attempt_key = dedup_key(batch)
    return batch, lane.attempt_key


def dedup_key(batch: list[Entry]) -> str:
    """The same for every attempt at sending this batch (the lane keeps the batch together
    until it finishes: :func:`batch_for`): its first and last outbox ids and when the first
    was queued (so a new database's id 1 is not taken for an old one's). After a restart the
    batch may be formed differently, and then so is the key. 20 characters, leaving an adapter
    room for a part number within Discord's 25 for a nonce."""
    head, last = batch[0], batch[-1]
    seed = f"{head.id}:{last.id}:{round(head.created * 1000)}"
    return hashlib.sha256(seed.encode()).hexdigest()[:20]
