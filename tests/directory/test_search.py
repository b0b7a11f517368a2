"""Resource search on the real FTS5 index built from fixture content: ranking, prefixes,
typos, each filter, crisis first, and region names as people say them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.schema.common import Cost, Format, Region
from bot.content.sources import RESOURCES, SOURCES
from bot.content.store import Content, load_all
from bot.directory.regions import find_region, region_suggestions
from bot.directory.resources import Query, ResourceDirectory
from tests.directory.fixtures import content_dir
from tests.helpers import CONTENT


@pytest.fixture(scope="module")
def shipped() -> Content:
    content, _ = load_all(CONTENT, SOURCES)
    return content


@pytest.fixture
def directory(tmp_path: Path) -> ResourceDirectory:
    content, _ = load_all(content_dir(tmp_path), SOURCES)
    return content[RESOURCES]


def ids(directory: ResourceDirectory, query: Query) -> list[str]:
    return [r.id for r in directory.search(query).resources]


def test_the_entry_named_for_the_words_comes_first(directory: ResourceDirectory) -> None:
    # Both mention naloxone; the one with it in its name and keywords is the obvious best.
    assert ids(directory, Query("naloxone")) == ["naloxone-kits", "toward-the-heart"]


def test_a_word_prefix_finds_the_whole_word(directory: ResourceDirectory) -> None:
    assert ids(directory, Query("nalox"))[0] == "naloxone-kits"
    assert ids(directory, Query("narc")) == ["naloxone-kits"]  # from its keywords


def test_a_typo_is_corrected_and_said(directory: ResourceDirectory) -> None:
    found = directory.search(Query("nalxone"))
    assert found.resources[0].id == "naloxone-kits"
    assert found.corrected == {"nalxone": "naloxone"}
    assert ids(directory, Query("greif support"))[0].startswith("grief")


def test_entries_with_some_words_are_offered_when_none_has_all(
    directory: ResourceDirectory,
) -> None:
    found = directory.search(Query("naloxone kits zebra"))
    assert found.partial and found.resources[0].id == "naloxone-kits"


def test_one_unrelated_word_is_not_padded_with_weaker_matches(
    directory: ResourceDirectory,
) -> None:
    assert directory.search(Query("naloxone zebra")).resources == []


def test_filler_words_do_not_hide_results(directory: ResourceDirectory) -> None:
    assert ids(directory, Query("where can I get naloxone"))[0] == "naloxone-kits"


def test_region_filter_includes_province_and_canada_wide_entries(
    directory: ResourceDirectory,
) -> None:
    north = ids(directory, Query("grief", region=Region.NORTHERN_BC))
    assert set(north) == {"grief-north", "grief-online"}  # not the island line
    island = ids(directory, Query("grief", region=Region.VANCOUVER_ISLAND))
    assert set(island) == {"grief-island", "grief-online"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (Query("grief", cost=Cost.LOW_COST), {"grief-island"}),
        (Query("grief", format=Format.PHONE), {"grief-island"}),
        (Query("grief", format=Format.ONLINE), {"grief-online"}),
        (Query("grief", indigenous=True), {"grief-island"}),
        (Query("grief", peer=True), {"grief-north"}),
        (Query("", topic="naloxone"), {"naloxone-kits"}),
        (Query("support", topic="grief", cost=Cost.FREE), {"grief-north", "grief-online"}),
    ],
    ids=["cost", "format-phone", "format-online", "indigenous", "peer", "topic", "combined"],
)
def test_each_filter_narrows_the_results(
    directory: ResourceDirectory, query: Query, expected: set[str]
) -> None:
    assert set(ids(directory, query)) == expected


def test_crisis_entries_come_first_when_the_words_signal_crisis(
    directory: ResourceDirectory,
) -> None:
    calm = ids(directory, Query("support"))
    urgent = ids(directory, Query("support", crisis=True))
    assert calm[0] != "crisis-chat"
    assert urgent[0] == "crisis-chat"
    assert set(calm) == set(urgent)


def test_close_topics_for_words_nothing_matches(directory: ResourceDirectory) -> None:
    assert directory.search(Query("grieving")).resources == []
    assert [t.id for t in directory.close_topics("grieving")] == ["grief"]
    assert directory.find_topic("Grief and Loss").id == "grief"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("said", "region"),
    [
        ("north", Region.NORTHERN_BC),
        ("the island", Region.VANCOUVER_ISLAND),
        ("Fraser", Region.FRASER_VALLEY),
        ("interior", Region.INTERIOR),
        ("Lower Mainland", Region.LOWER_MAINLAND),
        ("vancouver", Region.LOWER_MAINLAND),
        ("BC", Region.BC),
        ("canada", Region.CANADA),
        ("northern-bc", Region.NORTHERN_BC),
    ],
)
def test_regions_as_people_say_them(said: str, region: Region) -> None:
    assert find_region(said) is region


def test_region_suggestions_for_autocomplete() -> None:
    assert region_suggestions("nor") == ["northern-bc"]
    assert region_suggestions("isl") == ["vancouver-island"]
    assert len(region_suggestions("")) == len(Region)


def test_the_shipped_directory_loads_and_answers(shipped: Content) -> None:
    directory = shipped[RESOURCES]
    assert len(directory.resources) >= 120
    assert all(r.source and (r.verified or not r.confirmed) for r in directory.resources)
    assert directory.search(Query("naloxone")).resources
    assert directory.search(Query("certifcation")).resources  # a typo still finds it


def test_correct_words_are_never_rewritten(directory: ResourceDirectory) -> None:
    """ "fentanyl test strips" once became "best strips", "housing" "focusing", "my boss" "my
    loss": ordinary English words are taken as meant, even when the directory lacks them."""
    assert directory.corrections(["test", "strips", "housing", "boss", "focusing"]) == {}
    assert directory.corrections(["nalxone", "greif"]) == {
        "nalxone": ["naloxone"],
        "greif": ["grief"],
    }
    found = directory.search(Query("fentanyl test strips"))
    assert found.corrected == {} and found.resources == []


def test_a_query_that_finds_results_is_not_corrected(directory: ResourceDirectory) -> None:
    found = directory.search(Query("narc"))  # a prefix of a keyword, not a typo
    assert found.corrected == {} and [r.id for r in found.resources] == ["naloxone-kits"]


def test_with_a_region_the_local_entries_come_first(directory: ResourceDirectory) -> None:
    assert ids(directory, Query("grief", region=Region.NORTHERN_BC)) == [
        "grief-north",
        "grief-online",
    ]
    assert ids(directory, Query("grief", region=Region.VANCOUVER_ISLAND))[0] == "grief-island"
