"""A word thousands of entries share (a topic label, say) still finds the best ones first,
and filters and crisis-first still hold, when there are too many matches to rank them all."""

from __future__ import annotations

from bot.storage.search_index import BROAD, Filters, IndexedDoc, SearchIndex


def entry(n: int, *, name: str = "", summary: str = "", crisis: bool = False) -> IndexedDoc:
    return IndexedDoc(
        position=n,
        name=name or f"Service {n}",
        keywords="",
        topics="Wellness",  # every entry carries the broad word through its topic
        summary=summary or "A place to go.",
        description="",
        cost="free" if n % 2 else "paid",
        indigenous=False,
        peer=False,
        crisis=crisis,
        tags=[("region", "north" if n % 3 else "island")],
    )


def index() -> SearchIndex:
    docs = [entry(n) for n in range(BROAD * 4)]
    docs[600] = entry(600, name="Wellness circle")
    docs[701] = entry(701, name="Wellness line", crisis=True)
    docs[801] = entry(801, summary="wellness wellness wellness")
    return SearchIndex.build(docs)


def test_a_broad_word_puts_the_entries_named_for_it_first() -> None:
    found = index().search('"wellness"*', Filters(), 100)
    assert found[:2] == [600, 701]  # the word in the name: ranked first
    assert len(found) == 100 and len(set(found)) == 100
    assert found[2:5] == [0, 1, 2]  # the rest in the directory's own order


def test_a_broad_word_keeps_filters_and_crisis_first() -> None:
    idx = index()
    free = idx.search('"wellness"*', Filters(cost="free"), 100)
    assert free[0] == 701 and 600 not in free  # 600 is paid
    assert all(n % 2 for n in free)
    island = idx.search('"wellness"*', Filters(regions=("island",)), 50)
    assert island[0] == 600 and all(n % 3 == 0 for n in island[1:])
    crisis = idx.search('"wellness"*', Filters(crisis_first=True), 10)
    assert crisis[:2] == [701, 600]


def test_a_narrow_word_is_ranked_by_every_field() -> None:
    found = index().search('"wellness"* AND "circle"*', Filters(), 100)
    assert found == [600]
