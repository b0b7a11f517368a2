"""What the search answers from memory (bot/storage/search_memory.py) never changes what it
finds: a search that cannot match skips SQLite, filters alone are listed from memory in the
order SQL gave, and what memory holds follows the content when it is reloaded."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.content.sources import RESOURCES, SOURCES
from bot.content.store import ContentStore
from bot.directory.resources import Query
from bot.storage import search_memory
from bot.storage.search_index import BROAD, Filters, Group, IndexedDoc, SearchIndex
from tests.directory.fixtures import content_dir

# Few words, so entries share them: some held by a handful of entries, "common" by most.
_WORDS = ["alder", "birch", "cedar", "maple", "rowan", "spruce", "willow", "yew", "elm", "ash"]
_REGIONS = ["north", "island", "interior", "bc"]


def _entry(n: int, rng: random.Random) -> IndexedDoc:
    picked = rng.sample(_WORDS, rng.randrange(1, 4))
    if rng.random() < 0.7:
        picked.append("common")
    return IndexedDoc(
        position=n,
        name=f"{rng.choice(['Alpha', 'Beta', 'Gamma'])} {' '.join(picked[:1])}",  # names repeat
        keywords=" ".join(picked[1:2]),
        topics=rng.choice(["Wellness", "Grief"]),
        summary=" ".join(picked),
        description="café straße" if n % 50 == 0 else "",
        cost=rng.choice(["free", "paid"]),
        indigenous=rng.random() < 0.2,
        peer=rng.random() < 0.3,
        crisis=rng.random() < 0.05,
        tags=[
            ("topic", rng.choice(["wellness", "grief"])),
            ("region", rng.choice(_REGIONS)),
            ("format", rng.choice(["online", "phone"])),
        ],
    )


def _index(size: int = BROAD * 3) -> SearchIndex:
    rng = random.Random(14)
    return SearchIndex.build(_entry(n, rng) for n in range(size))


def _filters(rng: random.Random) -> Filters:
    return Filters(
        topic=rng.choice([None, None, "grief"]),
        regions=tuple(rng.sample(_REGIONS, rng.randrange(0, 3))),
        formats=rng.choice([(), (), ("online",)]),
        cost=rng.choice([None, None, "free"]),
        indigenous=rng.random() < 0.2,
        peer=rng.random() < 0.2,
        crisis_first=rng.random() < 0.3,
    )


def test_a_search_ruled_out_from_memory_finds_exactly_what_fts5_finds() -> None:
    index = _index()
    rng = random.Random(29)
    typed = [*_WORDS, "common", "comm", "al", "zebra", "café", "cafe", "stra", "ced_ar", "x"]
    for _ in range(400):
        groups = []
        for _ in range(rng.randrange(1, 5)):
            prefixes = tuple(rng.sample(typed, rng.choice([1, 1, 2])))
            if len(prefixes) == 1 and rng.random() < 0.7:
                groups.append(Group(f'"{prefixes[0]}"*', prefixes))
            else:
                groups.append(Group("(" + " OR ".join(f'"{p}"*' for p in prefixes) + ")", prefixes))
        parts = [g.match for g in groups]
        filters = _filters(rng)
        limit = rng.choice([5, 100])
        plain = index.search(" AND ".join(parts), filters, limit)  # counted, then ranked
        assert index.find(groups, filters, limit, fetched={}) == plain
        if len(groups) >= 3:
            alternatives = [parts[:i] + parts[i + 1 :] for i in range(len(parts))]
            either = " OR ".join("(" + " AND ".join(alt) + ")" for alt in alternatives)
            expected = index.search(either, filters, limit)
            assert index.find(groups, filters, limit, missing=1) == expected


def _doc(n: int, text: str) -> IndexedDoc:
    return IndexedDoc(n, f"Entry {n}", "", "Wellness", text, "", "free", False, False, False)


def test_a_search_that_cannot_match_asks_sqlite_for_no_ranking() -> None:
    docs = [_doc(0, "alder common"), _doc(1, "birch common")]
    index = SearchIndex.build([*docs, *(_doc(n, "common") for n in range(2, BROAD * 2))])
    index.vocabulary()  # read already, as the index was built (on its thread)
    asked: list[str] = []
    index._conn.set_trace_callback(asked.append)
    alder, birch = Group('"alder"*', ("alder",)), Group('"birch"*', ("birch",))
    zebra = Group('"zebra"*', ("zebra",))
    assert index.find([zebra], Filters(), 100) == []
    assert index.find([alder, zebra], Filters(), 100) == []
    assert asked == []  # no entry holds a word starting "zebra": known without SQLite
    assert index.find([alder, birch], Filters(), 100) == []
    assert asked and not any("bm25" in sql or "count(" in sql for sql in asked)
    asked.clear()  # held by few entries, each fetched once, and no entry holds both
    common = Group('"common"*', ("common",))
    assert index.find([alder, common], Filters(), 100) == [0]
    assert any("bm25" in sql for sql in asked)  # what can match is ranked as before
    assert not any("count(" in sql for sql in asked)  # at most one entry: not counted


def test_a_word_no_other_word_starts_is_asked_whole_and_finds_the_same() -> None:
    """ "cedar" is asked as the whole word only while no indexed word continues it; once
    "cedars" is there too, it is asked as a start again, and finds both."""
    alone = SearchIndex.build([_doc(0, "cedar grove"), _doc(1, "maple grove")])
    asked: list[str] = []
    alone._conn.set_trace_callback(asked.append)
    cedar, grove = Group('"cedar"*', ("cedar",)), Group('"grove"*', ("grove",))
    assert alone.find([cedar, grove], Filters(), 100) == [0]
    assert any('\'"cedar" AND "grove"\'' in sql for sql in asked), asked
    both = SearchIndex.build([_doc(0, "cedar grove"), _doc(1, "cedars grove"), _doc(2, "grove")])
    assert sorted(both.find([cedar, grove], Filters(), 100)) == [0, 1]
    assert both.find([cedar, grove], Filters(), 100) == both.search(
        '"cedar"* AND "grove"*', Filters(), 100
    )


def test_filters_alone_list_entries_by_name_with_crisis_first() -> None:
    rng = random.Random(14)
    docs = [_entry(n, rng) for n in range(BROAD * 10)]  # the sets are read in parts of 2,000
    index = SearchIndex.build(docs)
    wanted = random.Random(3)
    for _ in range(60):
        filters = _filters(wanted)

        def passes(d: IndexedDoc, f: Filters = filters) -> bool:
            tags = set(d.tags)
            return (
                (not f.topic or ("topic", f.topic) in tags)
                and (not f.regions or any(("region", r) in tags for r in f.regions))
                and (not f.formats or any(("format", x) in tags for x in f.formats))
                and (not f.cost or d.cost == f.cost)
                and (not f.indigenous or d.indigenous)
                and (not f.peer or d.peer)
            )

        def order(d: IndexedDoc, f: Filters = filters) -> tuple[bool, str, int]:
            return (f.crisis_first and not d.crisis, d.name.casefold(), d.position)

        expected = [d.position for d in sorted(filter(passes, docs), key=order)]
        assert index.search(None, filters, 40) == expected[:40]
        assert index.search(None, filters, len(docs)) == expected  # every part, in order


async def test_an_edited_entry_is_found_by_its_new_words_after_a_reload(tmp_path: Path) -> None:
    folder = content_dir(tmp_path)
    store = ContentStore(folder, SOURCES)
    await store.load()
    before = store[RESOURCES]
    assert [r.id for r in before.search(Query("toward heart")).resources] == ["toward-the-heart"]
    assert before.search(Query("amberlight")).resources == []
    assert [r.id for r in before.search(Query("", topic="harm-reduction")).resources] == [
        "naloxone-kits",
        "toward-the-heart",
    ]
    path = folder / "resources.yaml"
    path.write_text(
        path.read_text("utf-8").replace("Toward the Heart", "Amberlight harm reduction"), "utf-8"
    )
    assert await store.reload() == []
    after = store[RESOURCES]
    assert after is not before
    assert [r.id for r in after.search(Query("amberlight")).resources] == ["toward-the-heart"]
    assert after.search(Query("toward heart")).resources == []  # the old words are gone
    assert after.corrections(["amberligt"]) == {"amberligt": ["amberlight"]}
    # Filters alone follow the new name too: "Amberlight…" now sorts before "Naloxone…".
    assert [r.id for r in after.search(Query("", topic="harm-reduction")).resources] == [
        "toward-the-heart",
        "naloxone-kits",
    ]


_NAMES = [
    "Zoë circle", "zoe circle", "Émile house", "emile house", "Ωmega peers", "日本語 group",
    "Ärzte", "apple", "Apple", "Straße", "strasse", "𝔘nicode", "Ａfull width", "a\u0301 combined",
    "á", "İstanbul", "ﬁsh", "Z", "z", "_under", "~tilde", "😀 smile", "9 lives", "Ñandú", "nandu",
    "Ԁ cyrillic", "ع arabic", "\uffef last bmp",
]  # fmt: skip


def _named(size: int) -> SearchIndex:
    rng = random.Random(7)
    return SearchIndex.build(
        _entry(n, rng)._replace(name=_NAMES[n % len(_NAMES)] + " " * (n % 2)) for n in range(size)
    )


def test_filters_alone_list_by_name_exactly_as_sql_orders_them() -> None:
    """Mixed case, accents, non-Latin letters, letters beyond the first 65,536, and names
    that are the same once folded (then by place in the directory): SQL's order, exactly."""
    index = _named(len(_NAMES) * 4)
    conn = index._conn
    sql = [doc for (doc,) in conn.execute("SELECT doc FROM facets ORDER BY name, doc")]
    assert index.facets().by_name == sql
    free = [
        d for (d,) in conn.execute("SELECT doc FROM facets WHERE cost = 'free' ORDER BY name, doc")
    ]
    assert index.search(None, Filters(cost="free"), 500) == free  # as a search lists them


def _most_sqlite_work_in_one_statement(size: int) -> int:
    """SQLite's own count of the instructions it ran (never a time) for the statement that
    did the most while the filter sets were built, at ``size`` entries."""
    index = _named(size)
    counts: list[int] = []

    def started(sql: str) -> None:
        counts.append(0)

    def step() -> int:
        counts[-1] += 1
        return 0

    index._conn.set_trace_callback(started)
    index._conn.set_progress_handler(step, 1)
    try:
        index.facets()
    finally:
        index._conn.set_progress_handler(None, 1)
        index._conn.set_trace_callback(None)
    return max(counts)


def test_building_the_filter_sets_never_walks_every_entry_in_one_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """They are built on a worker thread while searches go on, sharing SQLite: no one step
    may grow with the directory, or a search waits for all of it (50 to 125 ms at 50,000)."""
    monkeypatch.setattr(search_memory, "_CHUNK", 20)
    small = _most_sqlite_work_in_one_statement(200)
    large = _most_sqlite_work_in_one_statement(800)
    assert large < small * 1.5
