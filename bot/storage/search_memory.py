"""What the resource search can answer from memory, without asking SQLite's full-text index.

Why: a search that finds nothing used to cost the most. Each step of the fallback (all the
words, the telling ones, all but one) was an FTS5 query, counted and then ranked, and the
most expensive query was the last one, which found nothing at all (several milliseconds at
10,000 entries). Filters alone ("online region:interior free") walked every entry in SQL.

Two things are kept per loaded index, and both are read from the index itself, so they can
never disagree with it:

- ``Terms``: every indexed word with the number of entries that hold it. From these, the
  entries a word prefix can match are bounded with two binary searches. A bound of zero means
  that no entry has the word. A bound at most ``BROAD`` means the search need not count its
  matches first. It is read together with the vocabulary the spelling help needs anyway, at
  the end of the index's build, on its own thread (``search_index.Building``).
- ``Facets``: for each filter value, the set of entries that pass it, and every entry's
  place in name order, so that filters alone (a topic button, ``/resources region:north
  free``) are listed without a walk over every entry. They are built once per loaded
  version, on a worker thread once the service answers (bot/warm.py), or by the first such
  search if it comes first (tens of milliseconds at 10,000 entries, 400 ms of CPU at
  50,000), so neither the content load nor, usually, a search pays for them.

Nothing here holds what anyone typed: it is derived from public, curated entries only.
"""

from __future__ import annotations

import heapq
import json
import sqlite3
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate, islice

_CHUNK = 2_000  # entries whose filter sets are read in one SQLite step (see ``Facets``)
_END = "\U0010ffff"  # sorts after any character an indexed word can continue with


def plain_prefix(prefix: str) -> bool:
    """True when FTS5's tokenizer reads ``prefix`` as exactly one token, unchanged (ASCII
    letters and digits, lower case), so that ``"prefix"*`` matches exactly the indexed words
    that start with it. Only then is a word's bound taken from ``Terms``."""
    return prefix.isascii() and prefix.isalnum() and prefix == prefix.lower()


class Terms:
    """Every word of the index in sorted order, with how many entries hold each one."""

    def __init__(self, rows: Iterable[tuple[str, int]]) -> None:
        words: list[str] = []
        counts: list[int] = []
        for word, entries in rows:
            words.append(word)
            counts.append(entries)
        self.words = words
        self._counts = counts
        self._before = [0, *accumulate(counts)]  # entries summed over the words before each

    def at_most(self, prefixes: Sequence[str]) -> int | None:
        """At most how many entries hold a word starting with any of ``prefixes`` (an entry
        holding several such words is counted for each); None when one of them is not a
        plain prefix (then nothing is assumed)."""
        total = 0
        for prefix in prefixes:
            if not plain_prefix(prefix):
                return None
            first, after = self._range(prefix)
            total += self._before[after] - self._before[first]
        return total

    def at_least(self, prefixes: Sequence[str]) -> int:
        """At least how many entries hold a word starting with any of ``prefixes``: as many
        as hold the most common such word (0 when unknown)."""
        most = 0
        for prefix in prefixes:
            if plain_prefix(prefix):
                first, after = self._range(prefix)
                most = max(most, max(self._counts[first:after], default=0))
        return most

    def only_itself(self, prefix: str) -> bool:
        """True when ``prefix`` is an indexed word and no other indexed word starts with it:
        then ``"prefix"`` matches exactly what ``"prefix"*`` matches, in the same places, so
        it finds and ranks the same (bm25 reads the same hits), but FTS5 reads one word's
        list instead of gathering every word with that start into a new one first (at 50,000
        entries, 1 to 1.5 ms less for a word most entries hold, in each query it is in)."""
        if not plain_prefix(prefix):
            return False
        first, after = self._range(prefix)
        return after == first + 1 and self.words[first] == prefix

    def _range(self, prefix: str) -> tuple[int, int]:
        """Where the words starting with ``prefix`` are in ``words``: [first, after)."""
        first = bisect_left(self.words, prefix)
        return first, bisect_left(self.words, prefix + _END, first)


@dataclass(frozen=True, slots=True)
class Wanted:
    """The filters of one search, as the facets need them (hashable, order kept)."""

    topic: str | None
    regions: tuple[str, ...]
    formats: tuple[str, ...]
    cost: str | None
    indigenous: bool
    peer: bool

    @property
    def any(self) -> bool:
        return bool(
            self.topic or self.regions or self.formats or self.cost or self.indigenous or self.peer
        )


class Facets:
    """Which entries pass each filter, and the entries in name order, as the index holds
    them (its ``facets`` and ``tags`` tables)."""

    _KEEP = 64  # filter combinations remembered: regions × cost × format, rarely more

    def __init__(self, conn: sqlite3.Connection) -> None:
        # Each set comes out of SQLite as JSON arrays: far cheaper than a row per entry. They
        # are read _CHUNK entries at a time: they are usually built on a worker thread while
        # searches go on (bot/warm.py), and SQLite lets one step at a time use the index, so
        # a search meanwhile waits for one short step, not for a walk over every entry.
        tagged: defaultdict[tuple[str, str], set[int]] = defaultdict(set)
        cost: defaultdict[str, set[int]] = defaultdict(set)
        flagged: tuple[set[int], set[int], set[int]] = (set(), set(), set())
        named: list[list[tuple[str, int]]] = []  # each chunk in name order
        # Tags by their rowid (tags has no index on doc: asking by doc read every tag).
        (rows,) = conn.execute("SELECT coalesce(max(rowid), 0) FROM tags").fetchone()
        for start in range(1, rows + 1, _CHUNK * 4):
            for kind, value, text in conn.execute(
                "SELECT kind, value, json_group_array(doc) FROM tags"
                " WHERE rowid BETWEEN ? AND ? GROUP BY kind, value",
                (start, start + _CHUNK * 4 - 1),
            ):
                tagged[kind, value].update(json.loads(text))
        (last,) = conn.execute("SELECT coalesce(max(doc), -1) FROM facets").fetchone()
        for start in range(0, last + 1, _CHUNK):
            span = (start, start + _CHUNK - 1)
            for name, text in conn.execute(
                "SELECT cost, json_group_array(doc) FROM facets"
                " WHERE doc BETWEEN ? AND ? GROUP BY cost",
                span,
            ):
                cost[name].update(json.loads(text))
            flags = conn.execute(
                "SELECT json_group_array(doc) FILTER (WHERE indigenous),"
                " json_group_array(doc) FILTER (WHERE peer),"
                " json_group_array(doc) FILTER (WHERE crisis)"
                " FROM facets WHERE doc BETWEEN ? AND ?",
                span,
            ).fetchone()
            for found, text in zip(flagged, flags, strict=True):
                found.update(json.loads(text))
            named.append(
                conn.execute(
                    "SELECT name, doc FROM facets WHERE doc BETWEEN ? AND ? ORDER BY name, doc",
                    span,
                ).fetchall()
            )
        self._tagged = {key: frozenset(docs) for key, docs in tagged.items()}
        self._cost = {key: frozenset(docs) for key, docs in cost.items()}
        self._indigenous, self._peer, self.crisis = (frozenset(docs) for docs in flagged)
        # SQL's ORDER BY name, doc over every entry, as chunks SQLite sorted, merged here
        # (one SQLite step sorting every entry held a search up for 50 to 125 ms at 50,000,
        # and so would one list.sort, which holds the GIL: merging lets the loop run between
        # entries). The same order: SQLite's BINARY collation compares UTF-8 bytes, whose
        # order is that of the code points, as str's.
        self.by_name: list[int] = [doc for _, doc in heapq.merge(*named)]
        self.rank: dict[int, int] = {doc: n for n, doc in enumerate(self.by_name)}
        self._passing: dict[Wanted, frozenset[int]] = {}

    def passing(self, wanted: Wanted) -> frozenset[int] | None:
        """The entries that pass every filter; None when there is no filter (all pass)."""
        if not wanted.any:
            return None
        found = self._passing.get(wanted)
        if found is None:
            found = self._passing[wanted] = self._compute(wanted)
            if len(self._passing) > self._KEEP:
                del self._passing[next(iter(self._passing))]
        return found

    def _compute(self, wanted: Wanted) -> frozenset[int]:
        parts: list[frozenset[int]] = []
        if wanted.topic:
            parts.append(self._any_of("topic", (wanted.topic,)))
        if wanted.regions:
            parts.append(self._any_of("region", wanted.regions))
        if wanted.formats:
            parts.append(self._any_of("format", wanted.formats))
        if wanted.cost:
            parts.append(self._cost.get(wanted.cost, frozenset()))
        if wanted.indigenous:
            parts.append(self._indigenous)
        if wanted.peer:
            parts.append(self._peer)
        parts.sort(key=len)
        return frozenset.intersection(*parts) if len(parts) > 1 else parts[0]

    def _any_of(self, kind: str, values: Iterable[str]) -> frozenset[int]:
        empty: frozenset[int] = frozenset()
        return empty.union(*(self._tagged.get((kind, value), empty) for value in values))

    def listed(self, wanted: Wanted, crisis_first: bool, limit: int) -> list[int]:
        """The first ``limit`` entries that pass, by name (crisis entries first if asked);
        entries of the same name by their place in the directory."""
        passing = self.passing(wanted)
        if not crisis_first:
            return self._by_name(passing, limit)
        crisis = self.crisis if passing is None else self.crisis & passing
        first = self._by_name(crisis, limit)
        return [*first, *self._by_name(passing, limit - len(first), without=crisis)]

    def _by_name(
        self, docs: frozenset[int] | None, limit: int, without: frozenset[int] = frozenset()
    ) -> list[int]:
        if limit <= 0:
            return []
        if docs is None:
            chosen: Iterable[int] = (d for d in self.by_name if d not in without)
            return list(islice(chosen, limit))
        if len(docs) * len(docs) >= limit * len(self.by_name):  # many pass: walk the order
            chosen = (d for d in self.by_name if d in docs and d not in without)
            return list(islice(chosen, limit))
        few = docs - without if without else docs
        return heapq.nsmallest(limit, few, key=self.rank.__getitem__)
