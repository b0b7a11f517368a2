"""The full-text index of the resource directory: SQLite FTS5 in memory.

Why in memory and not in the database file: directory entries are public, curated content,
never personal, and the index is derived from them in well under a second. Building a fresh
index for each loaded version of the content means a reload swaps index and content together
(a broken reload keeps both), it never holds the shared database's write lock while it
inserts thousands of rows, and backups stay small. It is one private sqlite3 connection per
index, only ever read after it is built. It is built on a thread of its own (``Building``):
made with ``check_same_thread=False``, filled by that thread alone, and handed to the index
only after that thread is joined, so the join orders every use of it.

Building it is the biggest part of a cold content load, so it is declared for what search
asks of it and no more:
- contentless (``content = ''``): search reads rowids and bm25 only (bm25 needs each column's
  length, which is kept), never the text back, so the text is not stored a second time;
- every pending word stays in memory until the one commit (``hashsize``), so the index is
  written once, as one segment, instead of a segment for every megabyte that is then merged
  again and again while rows go in (one segment is also the quickest to search; a big
  resources.yaml, filled part by part as it is read, makes a few: ``Building``);
- a prefix index for two-letter starts only (``prefix = '2'``). A prefix index changes only
  how FTS5 finds the words that start with what was typed, never what it finds or how it
  ranks it (``python -m benchmarks.index_build --verify CHECKOUT``: 0 of about 4,900 searches
  differ from the '2 3' index, at 10,000 synthetic entries and on the shipped directory).
  Without one, a start is answered by merging the lists of every word that begins with it.
  Every token is written once more for each prefix index, but a two-letter one has few
  distinct entries (a few hundred), so it costs the build little (about 35 ms of CPU at
  10,000 entries) and spares the searches whose merges are biggest (hundreds of words begin
  with a two-letter start); the three-letter one cost 80 to 190 ms for merges that are small
  (few words begin with a three-letter start): a search for one costs about 0.1 to 0.2 ms
  more, at the median and at p99 alike (CPU; a review timed every three-letter start at
  10,000 entries: 0.42 to 0.60 ms at the median, 2.14 to 2.33 ms at p99).

Measured at 10,000 entries (benchmarks/index_build.py; CPU time on a shared 2-core host, so
ranges): the FTS5 part of ``build`` with prefix '2 3' 450-560 ms, '3' 320-390, '2' 280-370,
none 240-330; filling the facets and tags tables about 95 ms more. The kept image is 11.5 MB
with '2 3', 8.6 MB with '2'. Tried and not kept:
- no prefix index at all: a two-letter start with another word then cost up to 10 ms of CPU
  instead of under 2;
- ``detail = column``: FTS5 then refuses a phrase of two tokens, as "don't" or "a_b" are
  searched, and bm25 would count a word once per column;
- remove_diacritics 1, or another tokenizer: some accented words would find other entries,
  and nothing is saved on ASCII text, which unicode61 reads on its fast path;
- ``pgsz`` 16000 with 16 KB pages; journal_mode and synchronous OFF, locking_mode EXCLUSIVE,
  a larger cache_size: an in-memory database written in one transaction, no change beyond
  the noise;
- the facets and tags rows given as one JSON array each (slower: 126 against 100 ms), or tags
  as a WITHOUT ROWID table instead of a table and an index (4 ms less, not worth changing how
  ``Facets`` reads them);
- the entries' text written many rows to a statement: FTS5 writes what it holds at every
  statement savepoint, and a statement of many rows opens one, so 500 rows a statement gave
  1,859 index rows instead of 843 (many segments: a slower index, for no gain).
Kept: the facets and tags rows written 166 and 333 to a statement (``_batches``; the facets
now go in from the rows ``Building`` stages), the same rows
and rowids: 75 against 105 ms at best.
"""

from __future__ import annotations

import hashlib
import json
import queue
import sqlite3
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import chain, islice
from typing import NamedTuple

from bot.storage.search_memory import Facets, Terms, Wanted

# Column order matters: bm25() takes one weight per column, in this order.
COLUMNS = ("name", "keywords", "topics", "summary", "description")
#: Bytes of pending words FTS5 holds before writing a segment (its default is 1 MB): enough
#: for 50,000 entries, so a directory is written once, at the commit. Only while building.
_PENDING = 256 * 1024 * 1024
WEIGHTS = (10.0, 6.0, 4.0, 2.0, 1.0)
#: Matches past which a search ranks only the entries with its words in name or keywords.
BROAD = 250
#: A word that at most this many entries hold has its matches fetched (one cheap FTS5 query)
#: when that can show, before any ranking, that a search finds nothing (see ``find``).
FEW = BROAD
_SCHEMA = f"""
CREATE VIRTUAL TABLE docs USING fts5(
    {", ".join(COLUMNS)},
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2',
    content = ''
);
INSERT INTO docs(docs, rank) VALUES('hashsize', {_PENDING});
CREATE VIRTUAL TABLE vocab USING fts5vocab(docs, row);
CREATE TABLE facets (
    doc INTEGER PRIMARY KEY, name TEXT NOT NULL, cost TEXT NOT NULL,
    indigenous INTEGER NOT NULL, peer INTEGER NOT NULL, crisis INTEGER NOT NULL
);
CREATE TABLE tags (doc INTEGER NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL);
"""
#: Changes whenever the index's tables do, so an index kept on disk by an older version of
#: this code is never read as if it were current.
FORMAT = hashlib.sha256(_SCHEMA.encode()).hexdigest()[:12]


class IndexedDoc(NamedTuple):
    """One entry as the index sees it: text to search, and facets to filter on. A named
    tuple: made once per entry at every cold load, and its first six fields are the row."""

    position: int
    name: str
    keywords: str
    topics: str
    summary: str
    description: str
    cost: str
    indigenous: bool
    peer: bool
    crisis: bool
    tags: Sequence[tuple[str, str]] = ()  # (kind, value): topic, region, format


@dataclass(frozen=True, slots=True)
class Filters:
    """Every filter is optional; lists mean "any of these"."""

    topic: str | None = None
    regions: Sequence[str] = ()
    formats: Sequence[str] = ()
    cost: str | None = None
    indigenous: bool = False
    peer: bool = False
    crisis_first: bool = False

    def wanted(self) -> Wanted:
        return Wanted(
            self.topic,
            tuple(self.regions),
            tuple(self.formats),
            self.cost,
            self.indigenous,
            self.peer,
        )


@dataclass(frozen=True, slots=True)
class Group:
    """One searched word as FTS5 query text (``"word"*``, or ``("a"* OR "b"*)`` for the
    words a typo may have meant) and the prefixes that text matches, any of them."""

    match: str
    prefixes: tuple[str, ...]


class SearchIndex:
    """One loaded version's index. Its connection is closed the moment the index itself is
    freed (by reference counting: nothing here refers back to it), not left to the cyclic
    collector.

    Why: Python's sqlite3 connection holds its statement cache, and that cache holds the
    connection (a reference cycle, in CPython's own code), so a connection nobody closes is
    freed only by the cyclic collector. The service sets aside (``gc.freeze``, bot/collector.py)
    what is alive at the end of start-up and after a burst of due prompts: from then on the
    collector never walks that connection, and the index it holds (about 10 MB of SQLite's
    memory at 10,000 entries) stayed until the service stopped, one more after every content
    reload (measured: SQLite's memory 10 MB after the load, 90 MB after 8 reloads; now 10).
    Closing it when the index goes is safe: a search under way, on a worker thread or not,
    holds the index (through its directory), so the index cannot go before the search ends."""

    def __init__(self, conn: sqlite3.Connection, terms: Terms | None = None) -> None:
        """``terms``: the index's words, when already read (by ``Building``, on its thread);
        else they are read now, so no search ever reads them."""
        self._conn = conn
        self._release = weakref.finalize(self, conn.close)
        self._terms = _terms(conn) if terms is None else terms
        self._facets: Facets | None = None
        self._building = threading.Lock()  # the facets: built once, by whichever thread asks

    @classmethod
    def build(cls, docs: Iterable[IndexedDoc]) -> SearchIndex:
        """The index of ``docs``, built before it returns (see ``Building`` for one built
        while the caller does other work)."""
        return Building(docs).result()

    def image(self) -> bytes:
        """The whole index as bytes, to keep beside the database (``bot.content.cache``)."""
        return self._conn.serialize()

    @classmethod
    def from_image(cls, image: bytes, entries: int) -> SearchIndex | None:
        """An index kept earlier, or None if it is not a whole index of ``entries`` entries
        (then it is built again)."""
        conn = sqlite3.connect(":memory:", check_same_thread=False)
        try:
            conn.deserialize(image)
            (count,) = conn.execute("SELECT count(*) FROM facets").fetchone()
            if count == entries:
                return cls(conn)  # its words read now, on the loading thread
        except sqlite3.DatabaseError:
            pass
        conn.close()
        return None

    def vocabulary(self) -> list[str]:
        """Every word in the index, sorted (for prefix checks and spelling suggestions)."""
        return self.terms().words

    def terms(self) -> Terms:
        """Every word with how many entries hold it: read once, when the index is made (by
        ``Building`` on its own thread, at the end of the build), never by a search."""
        return self._terms

    def facets(self) -> Facets:
        """Which entries pass each filter: built once the service answers (bot/warm.py, on a
        worker thread), or by the first search that needs them, if that comes first (then it
        waits for the thread that is building them: the same sets either way)."""
        if self._facets is None:
            with self._building:
                if self._facets is None:
                    self._facets = Facets(self._conn)
        return self._facets

    def find(
        self,
        groups: Sequence[Group],
        filters: Filters,
        limit: int,
        *,
        missing: int = 0,
        fetched: dict[str, frozenset[int]] | None = None,
    ) -> list[int]:
        """``search`` for entries with every group (``missing=1``: with all but one of them,
        any one), first ruling out from memory what cannot match.

        A group no entry holds (``Terms``) means nothing is found. Among groups that few
        entries hold (``FEW``), an entry must hold enough of them: their matches are fetched
        (kept in ``fetched`` for the next steps of the same search) and compared. When no
        entry is left, no ranking query runs. When at most ``BROAD`` may match, or when one
        word that more entries hold is searched alone, the matches are not counted first.
        Whatever is found is found by the very same FTS5 query as before, except that in a
        search for every word, a word no other starts is asked as a whole word (``_sharpened``)."""
        if not missing and all(len(g.prefixes) == 1 for g in groups):
            groups = [self._sharpened(g) for g in groups]
        parts = [g.match for g in groups]
        if missing:
            alternatives = [parts[:i] + parts[i + 1 :] for i in range(len(parts))]
            match = " OR ".join("(" + " AND ".join(alt) + ")" for alt in alternatives)
        else:
            match = " AND ".join(parts)
        at_most = self._at_most(groups, missing, {} if fetched is None else fetched)
        if at_most == 0:
            return []
        at_least = 0 if missing or len(groups) != 1 else self.terms().at_least(groups[0].prefixes)
        return self.search(match, filters, limit, at_most=at_most, at_least=at_least)

    def _sharpened(self, group: Group) -> Group:
        """``"word"*`` asked as ``"word"`` when no other indexed word starts with it: the
        same entries in the same places, ranked the same, for less work.

        Only for words that must all be there: with alternatives (``OR``), bm25 was seen to
        score an entry differently when some of them were asked as whole words and the search
        had filters and kept to names and keywords, so those are asked as before."""
        (prefix,) = group.prefixes
        if group.match != f'"{prefix}"*' or not self.terms().only_itself(prefix):
            return group
        return Group(f'"{prefix}"', group.prefixes)

    def _at_most(
        self,
        groups: Sequence[Group],
        missing: int,
        fetched: dict[str, frozenset[int]],
    ) -> int | None:
        """At most how many entries can match; None when memory cannot tell."""
        terms = self.terms()
        sizes = [terms.at_most(g.prefixes) for g in groups]
        bound = _combined(sizes, missing)
        if bound == 0:
            return 0
        few = sorted((size, n) for n, size in enumerate(sizes) if size is not None and size <= FEW)
        # An entry that matches holds all groups but ``missing``; the others may be among
        # the ones many entries hold, so of the few-held ones it holds at least this many:
        need = len(few) - missing
        if need < 2:
            return bound  # fetching could rule nothing out
        candidates = self._holding([groups[n] for _, n in few], need, fetched)
        return len(candidates) if bound is None else min(bound, len(candidates))

    def _holding(
        self, groups: Sequence[Group], need: int, fetched: dict[str, frozenset[int]]
    ) -> set[int]:
        """The entries that hold at least ``need`` of ``groups`` (few-held, fewest first)."""
        sets: list[frozenset[int]] = []
        every = need >= len(groups)
        common: set[int] | None = None
        for group in groups:
            docs = fetched.get(group.match)
            if docs is None:
                sql = "SELECT rowid FROM docs WHERE docs MATCH ?"
                docs = frozenset(row[0] for row in self._conn.execute(sql, (group.match,)))
                fetched[group.match] = docs
            if every:
                common = set(docs) if common is None else common & docs
                if not common:
                    return set()
            sets.append(docs)
        if every:
            return common or set()
        counts = Counter(chain.from_iterable(sets))
        return {doc for doc, n in counts.items() if n >= need}

    def search(
        self,
        match: str | None,
        filters: Filters,
        limit: int,
        *,
        at_most: int | None = None,
        at_least: int = 0,
    ) -> list[int]:
        """Positions of matching entries, best first: crisis entries first when asked, then
        by bm25 with field weights (a word in the name counts most). Without ``match``, every
        entry that passes the filters, by name (answered from ``Facets``, in memory).
        ``at_most``, ``at_least``: bounds on the matches known beforehand (see ``find``);
        between them, the matches need not be counted to tell whether they are many.

        Ranking costs about a microsecond or two for every entry that matches, not only for
        those returned, so a broad word (a topic label that thousands of entries carry) would
        cost milliseconds. Past ``BROAD`` matches, only the entries with the words in their
        name or keywords are ranked; the rest follow in the directory's own order."""
        if match is None:
            return self.facets().listed(filters.wanted(), filters.crisis_first, limit)
        where, params = _where(filters)
        if at_most is not None and at_most <= BROAD:
            broad = False
        elif at_least > BROAD:
            broad = True
        else:
            matches = self._count(match)
            if not matches:
                return []
            broad = matches > BROAD
        if not broad:
            return self._ranked(match, where, params, filters.crisis_first, limit)
        found: list[int] = []
        if filters.crisis_first:  # crisis entries are few: all of them first, ranked
            found = self._ranked(match, [*where, "f.crisis = 1"], params, False, limit)
            where = [*where, "f.crisis = 0"]
        best = f"{{{' '.join(COLUMNS[:2])}}} : ({match})"
        found += self._ranked(best, where, params, False, limit - len(found))
        if len(found) < limit:
            marks = ", ".join("?" for _ in found)
            sql = (
                "SELECT f.doc FROM docs JOIN facets f ON f.doc = docs.rowid"
                f" WHERE docs MATCH ? {''.join(' AND ' + w for w in where)}"
                f" AND f.doc NOT IN ({marks}) ORDER BY docs.rowid LIMIT ?"
            )
            args = [match, *params, *found, limit - len(found)]
            found += [row[0] for row in self._conn.execute(sql, args)]
        return found

    def _count(self, match: str) -> int:
        """How many entries match, counted up to ``BROAD + 1``."""
        sql = "SELECT count(*) FROM (SELECT 1 FROM docs WHERE docs MATCH ? LIMIT ?)"
        (count,) = self._conn.execute(sql, (match, BROAD + 1)).fetchone()
        return int(count)

    def _ranked(
        self, match: str, where: list[str], params: list[object], crisis_first: bool, limit: int
    ) -> list[int]:
        if limit <= 0:
            return []
        weights = ", ".join(str(w) for w in WEIGHTS)
        sql = (
            "SELECT f.doc FROM docs JOIN facets f ON f.doc = docs.rowid"
            f" WHERE docs MATCH ? {''.join(' AND ' + w for w in where)}"
            " ORDER BY CASE WHEN ? THEN -f.crisis ELSE 0 END,"
            f" bm25(docs, {weights}), f.name LIMIT ?"
        )
        args = [match, *params, crisis_first, limit]
        return [row[0] for row in self._conn.execute(sql, args)]

    def close(self) -> None:
        self._release()  # at most once: not again when the index is freed


#: Where ``Building`` puts the rows for its thread: a table of a database in memory attached
#: to the index's connection only while it is built (never part of the index or its image),
#: one row per entry with its text and its facets. Detached once the index is filled, so its
#: memory goes with it (a temporary table dropped kept its pages, about 6 MB at 10,000
#: entries, for as long as the index lived).
_STAGE = """
ATTACH DATABASE ':memory:' AS stage;
CREATE TABLE stage.staged (
    doc INTEGER PRIMARY KEY, name, keywords, topics, summary, description,
    folded, cost, indigenous, peer, crisis
);
"""
_STAGED = "INSERT INTO stage.staged VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#: What the thread runs for each part staged (``Building.add``): one statement each, whose
#: steps SQLite takes without the GIL, over the part's rows (``doc`` from ``?`` up to ``?``).
_FILL = (
    f"INSERT INTO docs(rowid, {', '.join(COLUMNS)}) SELECT doc, {', '.join(COLUMNS)}"
    " FROM stage.staged WHERE doc >= ? AND doc < ?",
    "INSERT INTO facets SELECT doc, folded, cost, indigenous, peer, crisis FROM stage.staged"
    " WHERE doc >= ? AND doc < ?",
)
#: Every word with how many entries hold it, as two JSON arrays: one SQLite step and two
#: ``json.loads``, where a row a word was 20,000 steps (``_terms``; 35-55 against 45-70 ms of
#: CPU at 10,000 entries).
_VOCAB = (
    "SELECT json_group_array(term), json_group_array(doc)"
    " FROM (SELECT term, doc FROM vocab ORDER BY term)"
)


class Building:
    """An index being built on a thread of its own while the caller goes on: ``result``
    gives the index when it is done, ``discard`` drops it (the thread stopped and joined,
    its connection closed). What the caller meets is what ``SearchIndex.build`` gave:
    the same index (the same rows in the same order, the same search answers; built in one
    part its image is the same bytes, in several (``parts``) FTS5 holds them in several
    segments, so the image, and the one kept for a warm start, differs), and any error of
    the build raised by ``result``.

    Why: building the index is about a third of a cold content load, and almost all of it is
    SQLite's own work (FTS5 reading and writing every word), done without Python's GIL; the
    content load's other files, done in Python, can take the other core meanwhile. The work
    is arranged for that: the caller stages every entry in a table of its own (one
    ``executemany`` into a plain table: cheap), and the thread fills the index from it with
    one statement for the text and one for the facets. A row a statement on the thread (as
    ``build`` did) would take the GIL back after every row, and, while the caller's thread
    holds it running Python, wait up to the interpreter's switch interval (5 ms) each time:
    the thread then did next to nothing until the caller stopped (measured: no gain).
    Inserting the text many rows a statement instead would make a segment a statement (see
    the module's docstring), and staging it all as JSON cost more than it saved.

    ``parts=True``: the entries come in parts (``add``, then ``finish``), and the thread
    fills each part as soon as it is staged, while the caller makes the next one (a big
    resources.yaml read part by part, ``bot.content.in_parts``). Each part's statements make
    a segment of their own (FTS5 writes its pending words at every statement's savepoint),
    which FTS5's automerge folds as they come: 4 parts gave 5 segments on 2 levels, 8 gave 6,
    against 1 (10,000 entries); searching them measured the same (see ``in_parts``). The
    caller stages a part on the same connection, so a lock keeps it from doing that while the
    thread runs a statement (it waits only when a part's fill outlasts the next part's make).
    Tried and not kept: each part's tags inserted by the thread right after its fill instead
    of all at the end (10,000 entries, 12 loads each alternated in one process, load 1.7):
    the thread's work after the last part 107 against 131 ms (median), the load 890 against
    896 ms: the end of the thread overlaps the other files' load anyway, and its statements,
    each taking the GIL to bind, would then cut into the parts' reading. Nor FTS5's automerge
    turned off for the build (``INSERT INTO docs(docs, rank) VALUES('automerge', 0)``): the
    thread's CPU 267 and 291 against 404 and 362 ms, cold loads 639-829 against 756-1,061 ms
    (2 pairs alternated, load about 1), the same search answers, but a segment a part is left,
    and ``/resources`` became slower (``python -m benchmarks.search --sizes 10000 --fresh 0``,
    2 pairs: p50 0.90 and 0.83 against 0.77 and 0.65 ms): a search is far more common than a
    load.
    """

    def __init__(
        self, docs: Iterable[IndexedDoc] = (), *, keep_image: bool = False, parts: bool = False
    ) -> None:
        """Start the thread and, unless ``parts``, stage ``docs`` for it as the only part.
        ``keep_image``: also take the index's image (``SearchIndex.image``) on the thread, to
        keep on disk."""
        conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn = conn
        self._release = weakref.finalize(self, conn.close)
        self._error: BaseException | None = None
        self._stop = False
        self._terms: Terms | None = None
        self._staged = 0  # entries staged so far: the next part's first ``doc``
        self._finished = False  # ``finish`` was called: no more parts
        self._tags: list[tuple[int, str, str]] = []
        self._using = threading.Lock()  # the connection: the caller staging, or the thread
        self._parts: queue.SimpleQueue[tuple[int, int] | None] = queue.SimpleQueue()
        self.image: bytes | None = None
        try:
            conn.executescript(_SCHEMA + _STAGE)
            self._thread = threading.Thread(
                target=self._fill, args=(keep_image,), name="search-index-build", daemon=True
            )
            self._thread.start()
        except BaseException:
            self._release()
            raise
        if not parts:
            try:  # the thread waits for the part: a failure staging it must not leave it so
                self.add(docs)
                self.finish()
            except BaseException:
                self.discard()
                raise

    def add(self, docs: Iterable[IndexedDoc]) -> None:
        """Stage the next part's entries (their positions counted from this part's start:
        ``docs_of`` of the part alone) and let the thread fill the index with them. Refused
        after ``finish`` (the thread no longer takes parts: the entries would be lost)."""
        if self._finished:
            raise RuntimeError("the index's build has no more parts")
        start = self._staged
        rows = list(docs)
        staged = [  # made before taking the connection, so the thread is not held off meanwhile
            (d[0] + start, *d[1:6], d.name.casefold(), d.cost, d.indigenous, d.peer, d.crisis)
            for d in rows
        ]
        with self._using:
            self._conn.executemany(_STAGED, staged)
        self._tags += [(d.position + start, kind, value) for d in rows for kind, value in d.tags]
        self._staged = start + len(rows)
        self._parts.put((start, self._staged))

    def finish(self) -> None:
        """No more parts: the thread ends the build (tags, commit, words)."""
        self._finished = True
        self._parts.put(None)

    def _fill(self, keep_image: bool) -> None:
        """Fill the index from each part's staged rows as it comes, then read its words
        (``_terms``: SQLite's work too, so no search and no loading thread has to). ``_stop``
        is looked at before every step, so a ``discard`` waits at most for the step under
        way, which it interrupts.

        The tags are inserted here hundreds a statement (``_batches``), each statement
        taking the GIL to bind its values. Staging them with the entries instead, on the
        loading thread, was measured and not kept (10,000 entries, 40,000 tags, CPU, load
        3): one ``executemany`` into a staged table cost the loading thread 61-94 ms against
        8-14 ms for the list, to spare this thread 11-17 of 35-41 ms; one JSON array read
        with ``json_each`` cost it 25-29 ms and this thread 61-66 ms."""
        conn = self._conn
        try:
            while (part := self._parts.get()) is not None:
                with self._using:  # both statements: one hand-over of the connection a part
                    for sql in _FILL:
                        if self._stop:
                            return
                        conn.execute(sql, part)
            steps: list[Callable[[], object]] = [
                *(
                    partial(conn.execute, sql, values)
                    for sql, values in _batches("tags", 3, self._tags)
                ),
                partial(conn.execute, "CREATE INDEX tags_lookup ON tags(doc, kind, value)"),
                conn.commit,
                partial(conn.execute, "DETACH DATABASE stage"),
            ]
            if keep_image:
                steps.append(self._keep_image)
            steps.append(self._read_terms)
            for step in steps:
                if self._stop:
                    return
                step()
        except BaseException as exc:  # given to whoever asks for the result
            self._error = exc

    def _keep_image(self) -> None:
        self.image = self._conn.serialize()

    def _read_terms(self) -> None:
        self._terms = _terms(self._conn)

    def result(self) -> SearchIndex:
        """The index, with its words read, once the thread is done; raises what the build
        raised."""
        self._thread.join()
        if self._stop:
            raise RuntimeError("the index's build was discarded")
        error, self._error = self._error, None  # not kept: its traceback holds this object
        if error is not None:
            self._release()
            try:
                raise error
            finally:
                del error
        index = SearchIndex(self._conn, self._terms)
        self._release.detach()  # the index closes it now
        return index

    def discard(self) -> None:
        """Stop the build (the step under way is interrupted, no further step is begun) and
        free all it holds."""
        self._stop = True
        if self._release.alive:
            self._conn.interrupt()
        self._parts.put(None)  # a thread waiting for a part wakes, and sees ``_stop``
        self._thread.join()
        self._error = None
        self._release()


def _terms(conn: sqlite3.Connection) -> Terms:
    """The index's words with their counts (``Terms``), from the two JSON arrays of
    ``_VOCAB``. SQLite reads the words in order; should a version not keep that order through
    ``json_group_array``, they are read a row a word instead."""
    words, counts = conn.execute(_VOCAB).fetchone()
    listed: list[str] = json.loads(words)
    if all(map(str.__lt__, listed, islice(listed, 1, None))):
        return Terms(zip(listed, json.loads(counts), strict=True))
    return Terms(conn.execute("SELECT term, doc FROM vocab ORDER BY term"))


#: Values bound in one INSERT (``_batches``): SQLite's limit before 3.32 (now 32,766), so that
#: an older library, as some distributions ship, takes it too. Statements of 32,766 values
#: (4 for 40,000 tags instead of 121, fewer GIL hand-overs) were slower: 87-181 against
#: 48-72 ms on a thread alone, 170-336 against 90-201 beside a busy thread (SQLite parsing
#: the long statement), 2026-11-30.
_VALUES = 999


def _batches(
    into: str, width: int, rows: Sequence[tuple[object, ...]]
) -> Iterator[tuple[str, list[object]]]:
    """The statements (and their values) that insert ``rows`` in order, as many to a
    statement as ``_VALUES`` allows (``VALUES (...), (...), ...``):
    the same rows, rowids and order as one ``executemany``, with SQLite's per-statement
    work (and Python's per-call binding steps) done once for many rows (about 30 ms less at
    10,000 entries, whose facets and tags are 50,000 rows). Not for the FTS5 table (see the
    module's docstring: a statement of many rows makes a segment of its own)."""
    one = "(" + ", ".join("?" * width) + ")"
    per = _VALUES // width
    for start in range(0, len(rows), per):
        chunk = rows[start : start + per]
        values = ", ".join([one] * len(chunk))
        yield f"INSERT INTO {into} VALUES {values}", list(chain.from_iterable(chunk))


def _combined(sizes: Sequence[int | None], missing: int) -> int | None:
    """A bound on the entries holding every group (``missing=1``: all but one), from a bound
    for each group (None: unknown)."""
    if not missing:
        known = [size for size in sizes if size is not None]
        return min(known) if known else None
    total = 0
    for n in range(len(sizes)):
        rest = [size for m, size in enumerate(sizes) if m != n and size is not None]
        if not rest:
            return None
        total += min(rest)
    return total


def _where(filters: Filters) -> tuple[list[str], list[object]]:
    where: list[str] = []
    params: list[object] = []

    def tagged(kind: str, values: Sequence[str]) -> None:
        marks = ", ".join("?" for _ in values)
        where.append(  # looked up for each match: O(matches), not O(entries in the region)
            f"EXISTS (SELECT 1 FROM tags t WHERE t.doc = f.doc AND t.kind = ?"
            f" AND t.value IN ({marks}))"
        )
        params.extend([kind, *values])

    if filters.topic:
        tagged("topic", [filters.topic])
    if filters.regions:
        tagged("region", filters.regions)
    if filters.formats:
        tagged("format", filters.formats)
    if filters.cost:
        where.append("f.cost = ?")
        params.append(filters.cost)
    if filters.indigenous:
        where.append("f.indigenous = 1")
    if filters.peer:
        where.append("f.peer = 1")
    return where, params
