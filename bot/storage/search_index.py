"""The full-text index of the resource directory: SQLite FTS5 in memory.

Why in memory and not in the database file: directory entries are public, curated content,
never personal, and the index is derived from them in well under a second. Building a fresh
index for each loaded version of the content means a reload swaps index and content together
(a broken reload keeps both), it never holds the shared database's write lock while it
inserts thousands of rows, and backups stay small. It is one private sqlite3 connection per
index, only ever read after it is built.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Column order matters: bm25() takes one weight per column, in this order.
COLUMNS = ("name", "keywords", "topics", "summary", "description")
WEIGHTS = (10.0, 6.0, 4.0, 2.0, 1.0)


@dataclass(frozen=True, slots=True)
class IndexedDoc:
    """One entry as the index sees it: text to search, and facets to filter on."""

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
        conn.executescript(
            f"""
            CREATE VIRTUAL TABLE docs USING fts5(
                {", ".join(COLUMNS)},
                tokenize = 'unicode61 remove_diacritics 2',
                prefix = '2 3'
            );
            CREATE VIRTUAL TABLE vocab USING fts5vocab(docs, row);
            CREATE TABLE facets (
                doc INTEGER PRIMARY KEY, name TEXT NOT NULL, cost TEXT NOT NULL,
                indigenous INTEGER NOT NULL, peer INTEGER NOT NULL, crisis INTEGER NOT NULL
            );
            CREATE TABLE tags (doc INTEGER NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL);
            """
        )
        rows = list(docs)
        with conn:
            conn.executemany(
                f"INSERT INTO docs(rowid, {', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (d.position, d.name, d.keywords, d.topics, d.summary, d.description)
                    for d in rows
                ],
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
            conn.execute("CREATE INDEX tags_lookup ON tags(kind, value, doc)")
        return cls(conn)

    def vocabulary(self) -> list[str]:
        """Every word in the index, sorted (for prefix checks and spelling suggestions)."""
        return [row[0] for row in self._conn.execute("SELECT term FROM vocab ORDER BY term")]

    def search(self, match: str | None, filters: Filters, limit: int) -> list[int]:
        """Positions of matching entries, best first: crisis entries first when asked, then
        by bm25 with field weights (a word in the name counts most). Without ``match``, every
        entry that passes the filters, by name."""
        where, params = _where(filters)
        order = "CASE WHEN ? THEN -f.crisis ELSE 0 END"
        if match is None:
            sql = (
                f"SELECT f.doc FROM facets f WHERE {' AND '.join(where) or '1'}"
                f" ORDER BY {order}, f.name LIMIT ?"
            )
            args: list[object] = [*params, filters.crisis_first, limit]
        else:
            weights = ", ".join(str(w) for w in WEIGHTS)
            sql = (
                "SELECT f.doc FROM docs JOIN facets f ON f.doc = docs.rowid"
                f" WHERE docs MATCH ? {''.join(' AND ' + w for w in where)}"
                f" ORDER BY {order}, bm25(docs, {weights}), f.name LIMIT ?"
            )
            args = [match, *params, filters.crisis_first, limit]
        return [row[0] for row in self._conn.execute(sql, args)]

    def close(self) -> None:
        self._conn.close()


def _where(filters: Filters) -> tuple[list[str], list[object]]:
    where: list[str] = []
    params: list[object] = []

    def tagged(kind: str, values: Sequence[str]) -> None:
        marks = ", ".join("?" for _ in values)
        where.append(f"f.doc IN (SELECT doc FROM tags WHERE kind = ? AND value IN ({marks}))")
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
