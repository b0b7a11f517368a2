"""What each directory entry puts in the search index (``resources._doc``, made for every
entry at each cold load, so written for speed): exactly its name, keywords, topic labels,
summary, description, cost and tags, as plain text, so people find what they found before."""

from __future__ import annotations

import random

from benchmarks.search import synthetic
from bot.content.schema.resources import ResourcesFile
from bot.directory.resources import Query, ResourceDirectory, _doc
from bot.storage.search_index import IndexedDoc


def test_each_entry_gives_the_index_its_words_and_facets_as_plain_text() -> None:
    data = synthetic(400, random.Random(3))
    data["resources"][0]["topics"].append("no-such-label")  # a topic without a label: its id
    data["topics"] = [t for t in data["topics"] if t["id"] != "no-such-label"]
    file = ResourcesFile.model_construct(
        topics=ResourcesFile.model_validate({**data, "resources": data["resources"][1:]}).topics,
        resources=ResourcesFile.model_validate(
            {**data, "topics": [*data["topics"], {"id": "no-such-label", "label": "Xy"}]}
        ).resources,
    )
    labels = {t.id: t.label for t in file.topics}
    for position, r in enumerate(file.resources):
        made = _doc(position, r, labels)
        expected = IndexedDoc(
            position=position,
            name=r.name,
            keywords=" ".join(r.keywords),
            topics=" ".join(labels.get(t, t) for t in r.topics),
            summary=r.summary,
            description=r.description or "",
            cost=r.cost.value,
            indigenous=r.indigenous_led,
            peer=r.peer_run,
            crisis=r.crisis,
            tags=[("topic", t) for t in r.topics]
            + [("region", g.value) for g in r.regions]
            + [("format", f.value) for f in r.formats],
        )
        assert made == expected and type(made) is IndexedDoc
        assert all(type(v) is str for _, v in made.tags) and type(made.cost) is str
    assert "no-such-label" in _doc(0, file.resources[0], labels).topics


def test_an_entry_is_found_by_a_word_of_each_part_and_filtered_by_its_facets() -> None:
    file = ResourcesFile.model_validate(synthetic(200, random.Random(4)))
    directory = ResourceDirectory(file)
    first = file.resources[0]
    for word in (first.name.split()[0], first.summary.split()[0]):
        assert first in directory.search(Query(word.strip(".,").lower())).resources
    region = first.regions[0]
    listed = directory.search(Query(region=region, cost=first.cost)).resources
    assert first in listed and all(r.cost == first.cost for r in listed)
