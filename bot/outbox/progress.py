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

What it holds: platform message ids, outbox ids, each part's length (what tells a split from
another of as many parts) and, rarely, the dedup key (a hash of ids); no text and nothing
about a person. Lengths rather than a hash of each part: a hash of a short part ("yes") could
be confirmed by hashing guesses, and a keyed one needs a secret kept somewhere the database
is not. The row goes with its outbox row (``ON DELETE CASCADE``), so ``/forgetme`` erases it
with that.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass


class Progress:
    """The parts of one delivery the platform has, in order, each with the ids it gave (one,
    or a few when a part had to go as several messages, e.g. as plain text)."""

    def __init__(
        self,
        parts: Sequence[Sequence[str]] = (),
        total: int | None = None,
        round: int = 0,
        sizes: Sequence[int] | None = None,
    ) -> None:
        self.parts: list[tuple[str, ...]] = [tuple(p) for p in parts]
        #: Told after each part is added while more follow (the outbox notes it durably);
        #: None: nobody listens.
        self.on_sent: Callable[[Progress], None] | None = None
        #: How many parts the delivery has, when the adapter knows (:meth:`expect`); read
        #: back with the parts after a restart.
        self.total: int | None = total
        #: How many times the delivery started over from its first part (:meth:`key`); read
        #: back with the parts after a restart.
        self.round = round
        #: Each part's length in characters, when the adapter said (:meth:`expect`): what
        #: tells one split from another of the same count. Lengths, not a hash of the text:
        #: numbers say nothing of the words, need no secret kept, and are a few bytes.
        self.sizes: tuple[int, ...] | None = None if sizes is None else tuple(sizes)

    def key(self, dedup_key: str | None) -> str | None:
        """The dedup key for this round's parts (what a platform's nonce is made from). A
        delivery that starts over sends other text under the same part numbers: with the
        first round's key, Discord, which remembers a nonce for a few minutes, would answer a
        part with the message it made for the old text, and the new text would never show.
        Each start-over is one round more, noted with the parts, so the key is new for the
        new text and the same on every try of it (after a restart too), while the parts of a
        delivery that never started over keep the message's own key."""
        if dedup_key is None or not self.round:
            return dedup_key
        return hashlib.sha256(f"{dedup_key}:{self.round}".encode()).hexdigest()[:20]

    def start_over(self) -> None:
        """The parts sent no longer say which text was shown: send every part again, as a
        new round (its split is told again by :meth:`expect`)."""
        self.parts.clear()
        self.round += 1
        self.total = None
        self.sizes = None

    def __len__(self) -> int:
        """How many parts were sent: the index of the first one still to send."""
        return len(self.parts)

    def ids(self) -> list[str]:
        """Every part's ids, in order (what ``deliver`` returns)."""
        return [i for part in self.parts for i in part]

    def expect(self, parts: Sequence[str]) -> None:
        """The delivery has these parts (their texts): the last one's answer ends it (the
        outbox then notes the message delivered), so that one is not noted as a part. A
        message of one part, most of them, costs nothing here.

        When the message now splits otherwise than when those sent were counted (a deploy
        changed the split: another number of parts, or as many cut at other places, which
        the parts' lengths tell), the count no longer says which text was shown: the message
        starts over from its first part. A duplicate rather than a loss: skipping by the old
        count would leave out text nobody saw."""
        total, sizes = len(parts), tuple(len(p) for p in parts)
        counted = self.total is not None and total != self.total
        measured = self.sizes is not None and sizes != self.sizes
        if self.parts and (counted or measured):
            self.start_over()
        self.total = total
        self.sizes = sizes

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
    #: How many times it started over (:attr:`Progress.round`; 0 in older records).
    round: int = 0
    #: Each part's length (:attr:`Progress.sizes`; None in older records: the count alone).
    sizes: tuple[int, ...] | None = None
    #: The dedup key the delivery went with, when it is not the one its batch gives (a
    #: message of the batch was erased while it went: the rest kept the first key).
    key: str | None = None

    def to_json(self) -> str:
        record: dict[str, object] = {"batch": self.batch, "parts": self.parts}
        if self.total is not None:
            record["total"] = self.total
        if self.round:
            record["round"] = self.round
        if self.sizes is not None:
            record["sizes"] = self.sizes
        if self.key is not None:
            record["key"] = self.key
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
            round = int(raw.get("round", 0))
            sizes = raw.get("sizes")
            sizes = None if sizes is None else tuple(int(n) for n in sizes)
            key = raw.get("key")
            key = None if key is None else str(key)
        except (ValueError, TypeError, KeyError, AttributeError):
            return None
        return cls(batch, parts, total, round, sizes, key) if batch else None
