"""The full-text index of the resource directory: SQLite FTS5 in memory.

Why in memory and not in the database file: directory entries are public, curated content,
never personal, and the index is derived from them in well under a second. Building a fresh
index for each loaded version of the content means a reload swaps index and content together
(a broken reload keeps both), it never holds the shared database's write lock while it
inserts thousands of rows, and backups stay small. It is one private sqlite3 connection per
index, only ever read after it is built.

Building it is the biggest part of a cold content load, so it is declared for what search
asks of it and no more:
- contentless (``content = ''``): search reads rowids and bm25 only (bm25 needs each column's
  length, which is kept), never the text back, so the text is not stored a second time;
- every pending word stays in memory until the one commit (``hashsize``), so the index is
  written once, as one segment, instead of a segment for every megabyte that is then merged
  again and again while rows go in (one segment is also the quickest to search).
The prefix indexes for words of two and three letters stay: without them a short word ("bc",
"hiv") is looked up by merging every term that starts with it, which measured slower.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

# Column order matters: bm25() takes one weight per column, in this order.
COLUMNS = ("name", "keywords", "topics", "summary", "description")
#: Bytes of pending words FTS5 holds before writing a segment (its default is 1 MB): enough
#: for 50,000 entries, so a directory is written once, at the commit. Only while building.
_PENDING = 256 * 1024 * 1024
WEIGHTS = (10.0, 6.0, 4.0, 2.0, 1.0)
#: Matches past which a search ranks only the entries with its words in name or keywords.
BROAD = 250
_SCHEMA = f"""
CREATE VIRTUAL TABLE docs USING fts5(
    {", ".join(COLUMNS)},
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3',
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


class SearchIndex:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    @classmethod
    def build(cls, docs: Iterable[IndexedDoc]) -> SearchIndex:
        conn = sqlite3.connect(":memory:", check_same_thread=False)
        conn.executescript(_SCHEMA)
        rows = list(docs)
        with conn:
            conn.executemany(
                f"INSERT INTO docs(rowid, {', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)",
                [d[:6] for d in rows],
            )
            conn.executemany(
                "INSERT INTO facets VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (d.position, d.name.casefold(), d.cost, d.indigenous, d.peer, d.crisis)
                    for d in rows
                ],
            )
            conn.executemany(
                "INSERT INTO tags VALUES (?, ?, ?)",
                [(d.position, kind, value) for d in rows for kind, value in d.tags],
            )
            conn.execute("CREATE INDEX tags_lookup ON tags(doc, kind, value)")
        return cls(conn)

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
        except sqlite3.DatabaseError:
            conn.close()
            return None
        if count != entries:
            conn.close()
            return None
        return cls(conn)

    def vocabulary(self) -> list[str]:
        """Every word in the index, sorted (for prefix checks and spelling suggestions)."""
        return [row[0] for row in self._conn.execute("SELECT term FROM vocab ORDER BY term")]

    def search(self, match: str | None, filters: Filters, limit: int) -> list[int]:
        """Positions of matching entries, best first: crisis entries first when asked, then
        by bm25 with field weights (a word in the name counts most). Without ``match``, every
        entry that passes the filters, by name.

        Ranking costs about a microsecond or two for every entry that matches, not only for
        those returned, so a broad word (a topic label that thousands of entries carry) would
        cost milliseconds. Past ``BROAD`` matches, only the entries with the words in their
        name or keywords are ranked; the rest follow in the directory's own order."""
        where, params = _where(filters)
        order = "CASE WHEN ? THEN -f.crisis ELSE 0 END"
        if match is None:
            sql = (
                f"SELECT f.doc FROM facets f WHERE {' AND '.join(where) or '1'}"
                f" ORDER BY {order}, f.name LIMIT ?"
            )
            args: list[object] = [*params, filters.crisis_first, limit]
            return [row[0] for row in self._conn.execute(sql, args)]
        if not self._broad(match):
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

    def _broad(self, match: str) -> bool:
        sql = "SELECT count(*) FROM (SELECT 1 FROM docs WHERE docs MATCH ? LIMIT ?)"
        (count,) = self._conn.execute(sql, (match, BROAD + 1)).fetchone()
        return bool(count > BROAD)

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
        self._conn.close()


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
