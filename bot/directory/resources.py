"""Search of the resource directory: what /resources asks, and how words become a ranked list.

Each word is matched as a prefix ("nalox" finds naloxone). Only a query that finds nothing is
helped: a word that is neither in the index nor ordinary English is searched as the closest
words the index has ("nalxone" → naloxone, shown as "did you mean"), and a longer query may
find entries with all but one of its words. Nothing found is said plainly, not padded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import repeat

from rapidfuzz.distance import OSA

from bot.content.schema.common import Cost, Format, Region
from bot.content.schema.resources import Resource, ResourcesFile, Topic
from bot.directory.english import english_words, is_common, is_english
from bot.directory.pages import Pages
from bot.directory.regions import serving
from bot.directory.spelling import Spelling
from bot.directory.words import allowed_typos, fold, has_prefix, words
from bot.storage.search_index import Filters, Group, IndexedDoc, SearchIndex

MAX_RESULTS = 100  # more than anyone pages through with "more"
MAX_WORDS = 8  # words of a query searched; a long message is not a search
#: Changes whenever what an entry puts in the index does (``_doc``), so an index kept on disk
#: from an older version of this code is built again instead of used.
INDEX_FORMAT = "1"


@dataclass(frozen=True, slots=True)
class Query:
    """What someone asked for. ``crisis`` is set when their words signal crisis."""

    text: str = ""
    topic: str | None = None
    region: Region | None = None
    cost: Cost | None = None
    format: Format | None = None
    indigenous: bool = False
    peer: bool = False
    crisis: bool = False

    @property
    def filtered(self) -> bool:
        return bool(
            self.topic or self.region or self.cost or self.format or self.indigenous or self.peer
        )

    def unfiltered(self) -> Query:
        return Query(self.text, crisis=self.crisis)


@dataclass(frozen=True, slots=True)
class Found:
    """Entries best first; ``corrected`` maps a typed word to the word searched instead;
    ``partial`` says no entry had every word, so these have some of them."""

    resources: list[Resource]
    corrected: dict[str, str] = field(default_factory=dict)
    partial: bool = False


class ResourceDirectory:
    """One loaded version of ``resources.yaml`` with its own search index."""

    def __init__(self, file: ResourcesFile, index: SearchIndex | None = None) -> None:
        """``index``: one built earlier from this very file (kept on disk), if any."""
        self.file = file
        self.resources = list(file.resources)
        self._by_id = {r.id: r for r in self.resources}
        self._topics = {t.id: t for t in file.topics}
        self.index = index or SearchIndex.build(docs_of(file))
        # Both made here, with the content (the index's words were read as it was made, by a
        # new index on its own thread), so no search, on the event loop, ever makes them.
        self.vocabulary = self.index.vocabulary()
        self._spelling = Spelling(self.vocabulary)
        english_words()  # loaded now, with the content, not during someone's search
        self.pages: Pages[str] = Pages()

    @property
    def topics(self) -> list[Topic]:
        return list(self.file.topics)

    def get(self, resource_id: str) -> Resource | None:
        return self._by_id.get(resource_id)

    def find_topic(self, text: str) -> Topic | None:
        """A topic by id or label, forgiving case and a typo."""
        wanted = fold(text).strip().replace(" ", "-")
        for topic in self.topics:
            if wanted in (topic.id, fold(topic.label).replace(" ", "-")):
                return topic
        close = self.close_topics(text, limit=1)
        return close[0] if close else None

    def close_topics(self, text: str, limit: int = 3) -> list[Topic]:
        """Topics whose words are close to the words asked, most alike first."""
        asked = words(text)
        scored: list[tuple[int, str, Topic]] = []
        for topic in self.topics:
            names = words(f"{topic.label} {topic.id.replace('-', ' ')}")
            hits = sum(1 for word in asked if any(_near(word, name) for name in names))
            if hits:
                scored.append((-hits, topic.label, topic))
        return [t for _, _, t in sorted(scored, key=lambda s: (s[0], s[1]))][:limit]

    def search(self, query: Query, limit: int = MAX_RESULTS) -> Found:
        """Entries with every word (each as a prefix: "nalox" finds naloxone), best first.

        Only when that finds nothing: a word that is neither in the directory nor ordinary
        English is taken for a typo and searched as the closest directory word (reported in
        ``corrected``, so the reply can say "did you mean"); then the words that are not among
        the most common English words, if that leaves some out; then, for three words or more,
        entries with all but one of them (both ``partial``). Never padded with weaker matches:
        nothing found is said plainly by the caller."""
        filters = Filters(
            topic=query.topic,
            regions=serving(query.region) if query.region else (),
            formats=(query.format.value,) if query.format else (),
            cost=query.cost.value if query.cost else None,
            indigenous=query.indigenous,
            peer=query.peer,
            crisis_first=query.crisis,
        )
        typed = list(dict.fromkeys(words(query.text)))[:MAX_WORDS]
        if not typed:
            return Found(self._ranked(self.index.search(None, filters, limit), query))
        fetched: dict[str, frozenset[int]] = {}  # a word's matches, fetched once per search
        groups = {w: Group(f'"{w}"*', (w,)) for w in typed}
        found = self.index.find(list(groups.values()), filters, limit, fetched=fetched)
        if found:
            return Found(self._ranked(found, query))
        corrected = self.corrections(typed)
        if corrected:
            for word, close in corrected.items():
                match = "(" + " OR ".join(f'"{c}"*' for c in close) + ")"
                groups[word] = Group(match, tuple(close))
            found = self.index.find(list(groups.values()), filters, limit, fetched=fetched)
            if found:
                return Found(self._ranked(found, query), {w: c[0] for w, c in corrected.items()})
        fixed = {w: c[0] for w, c in corrected.items()}
        telling = [g for w, g in groups.items() if not is_common(w)]
        if telling and len(telling) < len(groups):  # "i think i took too much naloxone"
            found = self.index.find(telling, filters, limit, fetched=fetched)
            if found:
                return Found(self._ranked(found, query), fixed, partial=True)
        if len(groups) >= 3:
            every = list(groups.values())
            found = self.index.find(every, filters, limit, missing=1, fetched=fetched)
            if found:
                return Found(self._ranked(found, query), fixed, partial=True)
        return Found([])

    def corrections(self, typed: list[str]) -> dict[str, list[str]]:
        """For each word that is neither in the directory nor ordinary English, the closest
        directory words, closest first. Correct words are never rewritten."""
        found: dict[str, list[str]] = {}
        for word in typed:
            if has_prefix(self.vocabulary, word) or is_english(word) or word.isdigit():
                continue
            close = self._spelling.close(word)
            if close:
                found[word] = close
        return found

    def _ranked(self, positions: list[int], query: Query) -> list[Resource]:
        """Entries in the index's order; with a region, the ones in that region itself come
        before province-wide and Canada-wide ones (a stable sort: best match first within
        each), after crisis entries when someone may need support now."""
        found = [self.resources[p] for p in positions]
        if query.region is None:
            return found
        wide = serving(query.region)

        def nearness(r: Resource) -> tuple[bool, int]:
            rank = min((wide.index(g.value) for g in r.regions if g.value in wide), default=0)
            return (not (query.crisis and r.crisis), rank)

        return sorted(found, key=nearness)


def _near(word: str, name: str) -> bool:
    """Loosely alike: one starts the other, they share a stem ("grieving", "grief"), or
    one is a typo away."""
    if name.startswith(word) or (len(word) >= 4 and word[:4] == name[:4]):
        return True
    typos = allowed_typos(word)
    return bool(typos) and OSA.distance(word, name, score_cutoff=typos) <= typos


def docs_of(file: ResourcesFile) -> list[IndexedDoc]:
    """What every entry of ``file`` puts in the index, in the file's order."""
    labels = {t.id: t.label for t in file.topics}
    return [_doc(i, r, labels) for i, r in enumerate(file.resources)]


def _doc(position: int, r: Resource, labels: dict[str, str]) -> IndexedDoc:
    """What one entry puts in the index. Made for every entry at each cold load, so kept to
    the plain steps: an enum member's value is read as ``_value_`` (``.value`` is a Python
    property, a third of this function's time), the tuple is made directly, and the topics'
    labels (``map(labels.get, names, names)``: a topic not in the list stands as itself) and
    the tags (``_TOPIC``, ``_REGION``, ``_FORMAT``: one shared pair per value) are made by C
    loops, not a Python loop each (docs_of at 10,000 entries: 30-33 down to 26-28 ms, min of
    11, load 2-3)."""
    names = r.topics
    return _tuple(
        IndexedDoc,
        (
            position,
            r.name,
            " ".join(r.keywords),
            " ".join(map(labels.get, names, names)),
            r.summary,
            r.description or "",
            r.cost._value_,
            r.indigenous_led,
            r.peer_run,
            r.crisis,
            [*zip(_TOPIC, names, strict=False), *map(_REGION, r.regions), *map(_FORMAT, r.formats)],
        ),
    )


_tuple = tuple.__new__  # a named tuple from its fields in order, without its keyword handling
#: The tags an entry's topics, regions and formats give: ``zip`` pairs each topic with
#: "topic" (an endless ``repeat``, never used up), and each region or format has its pair.
_TOPIC = repeat("topic")
_REGION = {g: ("region", g._value_) for g in Region}.__getitem__
_FORMAT = {f: ("format", f._value_) for f in Format}.__getitem__
