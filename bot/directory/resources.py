"""Search of the resource directory: what /resources asks, and how words become a ranked list.

Each word is matched as a prefix ("nalox" finds naloxone); a word the index has never seen is
replaced by the closest words it has ("nalxone" → naloxone), and the reply says so. When no
entry holds every word, entries holding some of them are offered rather than nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.content.schema.common import Cost, Format, Region
from bot.content.schema.resources import Resource, ResourcesFile, Topic
from bot.directory.pages import Pages
from bot.directory.regions import serving
from bot.directory.words import close_words, fold, has_prefix, tokens, words
from bot.storage.search_index import Filters, IndexedDoc, SearchIndex

MAX_RESULTS = 100  # more than anyone pages through with "more"


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

    def __init__(self, file: ResourcesFile) -> None:
        self.file = file
        self.resources = list(file.resources)
        self._by_id = {r.id: r for r in self.resources}
        self._topics = {t.id: t for t in file.topics}
        self.index = SearchIndex.build(
            _doc(i, r, self._topics) for i, r in enumerate(file.resources)
        )
        self.vocabulary = self.index.vocabulary()
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
        filters = Filters(
            topic=query.topic,
            regions=serving(query.region) if query.region else (),
            formats=(query.format.value,) if query.format else (),
            cost=query.cost.value if query.cost else None,
            indigenous=query.indigenous,
            peer=query.peer,
            crisis_first=query.crisis,
        )
        groups, corrected = self._match_groups(query.text)
        if not groups:
            return Found(self._positions(self.index.search(None, filters, limit)))
        found = self.index.search(" AND ".join(groups), filters, limit)
        partial = False
        if not found and len(groups) > 1:
            found = self.index.search(" OR ".join(groups), filters, limit)
            partial = bool(found)
        return Found(self._positions(found), corrected, partial)

    def _match_groups(self, text: str) -> tuple[list[str], dict[str, str]]:
        """One FTS5 group per word: the word as a prefix, or the close words the index has."""
        groups: list[str] = []
        corrected: dict[str, str] = {}
        for word in dict.fromkeys(words(text)):
            if has_prefix(self.vocabulary, word):
                groups.append(f'"{word}"*')
                continue
            close = close_words(word, self.vocabulary)
            star = ""
            if not close:  # a typo in the start of a longer word: "certifcat"
                starts = sorted({t[: len(word)] for t in self.vocabulary if len(t) > len(word)})
                close, star = close_words(word, starts), "*"
            if close:
                corrected[word] = close[0]
                groups.append("(" + " OR ".join(f'"{c}"{star}' for c in close) + ")")
            else:
                groups.append(f'"{word}"')
        return groups, corrected

    def _positions(self, positions: list[int]) -> list[Resource]:
        return [self.resources[p] for p in positions]


def _near(word: str, name: str) -> bool:
    """Loosely alike: one starts the other, they share a stem ("grieving", "grief"), or
    one is a typo away."""
    if name.startswith(word) or (len(word) >= 4 and word[:4] == name[:4]):
        return True
    return bool(close_words(word, [name], 1))


def signals_crisis(text: str, signals: list[str]) -> bool:
    """True if the words say someone may need support now: a signal phrase appears, or a
    long signal word is nearly spelt ("sucidal")."""
    typed = tokens(text)
    padded = f" {' '.join(typed)} "
    for signal in signals:
        phrase = " ".join(tokens(signal))
        if phrase and f" {phrase} " in padded:
            return True
        if " " not in phrase and len(phrase) >= 6 and close_words(phrase, typed, 1):
            return True
    return False


def _doc(position: int, r: Resource, topics: dict[str, Topic]) -> IndexedDoc:
    labels = [topics[t].label if t in topics else t for t in r.topics]
    tags = [("topic", t) for t in r.topics]
    tags += [("region", g.value) for g in r.regions]
    tags += [("format", f.value) for f in r.formats]
    return IndexedDoc(
        position=position,
        name=r.name,
        keywords=" ".join(r.keywords),
        topics=" ".join(labels),
        summary=r.summary,
        description=r.description or "",
        cost=r.cost.value,
        indigenous=r.indigenous_led,
        peer=r.peer_run,
        crisis=r.crisis,
        tags=tags,
    )
