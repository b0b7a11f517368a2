"""Which parts of a long message the platform already has, so a retry or a restart goes on
from the first part not sent instead of showing the earlier ones twice.

Why: a platform takes a message of a few thousand characters at most, so the adapter sends a
long one as several parts, each a request of its own, paced a second or more apart. A retry
(a 429, a 5xx, the watchdog) or a restart (a crash, a deploy) between two parts used to send
the message again from its first part: the person saw the start of it twice. The outbox now
keeps, per queued message, the ids the platform gave each part sent: in memory for retries,
and, for a stored message, beside the database the moment a part's answer arrives and in the
``outbox_parts`` table soon after (``journal.py``), exactly as it keeps a delivered message.

Why the outbox keeps it and the adapter fills it: only the adapter knows how a message splits
(and that an edit may add parts); only the outbox knows what survives a restart. An adapter
asks :func:`delivered_parts` for the parts sent before, says how many parts there are
(:meth:`Progress.expect`), skips those sent, and calls :meth:`Progress.sent` after each part
the platform answered. The last part is not noted: its answer ends the delivery, which is
noted as such. Outside the outbox (a test calling ``deliver`` directly) nothing was sent
before and nothing is noted.

What it holds: platform message ids and outbox ids, no text and nothing about a person; the
row goes with its outbox row (``ON DELETE CASCADE``), so ``/forgetme`` erases it with that.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass


class Progress:
    """The parts of one delivery the platform has, in order, each with the ids it gave (one,
    or a few when a part had to go as several messages, e.g. as plain text)."""

    def __init__(self, parts: Sequence[Sequence[str]] = (), total: int | None = None) -> None:
        self.parts: list[tuple[str, ...]] = [tuple(p) for p in parts]
        #: Told after each part is added while more follow (the outbox notes it durably);
        #: None: nobody listens.
        self.on_sent: Callable[[Progress], None] | None = None
        #: How many parts the delivery has, when the adapter knows (:meth:`expect`); read
        #: back with the parts after a restart.
        self.total: int | None = total

    def __len__(self) -> int:
        """How many parts were sent: the index of the first one still to send."""
        return len(self.parts)

    def ids(self) -> list[str]:
        """Every part's ids, in order (what ``deliver`` returns)."""
        return [i for part in self.parts for i in part]

    def expect(self, total: int) -> None:
        """The delivery has ``total`` parts: the last one's answer ends it (the outbox then
        notes the message delivered), so that one is not noted as a part. A message of one
        part, most of them, costs nothing here.

        When the message now splits into another number of parts than when those sent were
        counted (a deploy changed the split), the count no longer says which text was shown:
        the message starts over from its first part. A duplicate rather than a loss: skipping
        by the old count would leave out text nobody saw."""
        if self.parts and self.total is not None and total != self.total:
            self.parts.clear()
        self.total = total

    def sent(self, *ids: str) -> None:
        """The platform answered the next part with these ids."""
        self.parts.append(tuple(ids))
        more = self.total is None or len(self.parts) < self.total
        if more and self.on_sent is not None:
            self.on_sent(self)


@dataclass(frozen=True, slots=True)
class Resume:
    """What a stored message's row keeps of a delivery cut short: the outbox ids of the batch
    it was sent with (a merged burst goes as one message: the same batch must be formed again
    for its parts to split the same), and its parts' ids so far."""

    batch: tuple[int, ...]
    parts: tuple[tuple[str, ...], ...]
    #: How many parts the message split into (None in records from before it was kept).
    total: int | None = None

    def to_json(self) -> str:
        record: dict[str, object] = {"batch": self.batch, "parts": self.parts}
        if self.total is not None:
            record["total"] = self.total
        return json.dumps(record, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Resume | None:
        """None for anything that is not a record this module wrote (never trusted blindly:
        a wrong record could skip a part that was never sent)."""
        try:
            raw = json.loads(text)
            batch = tuple(int(i) for i in raw["batch"])
            parts = tuple(tuple(str(i) for i in part) for part in raw["parts"])
            total = raw.get("total")
            total = None if total is None else int(total)
        except (ValueError, TypeError, KeyError, AttributeError):
            return None
        return cls(batch, parts, total) if batch else None
