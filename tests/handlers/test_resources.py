"""/resources through the console, on a real SQLite file and fixture content."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.core.events import Actor, AutocompleteEvent, ButtonEvent, CommandEvent
from bot.platforms.console import CONSOLE_ACCOUNT, PRIVATE
from tests.directory.fixtures import content_dir
from tests.helpers import console_service, make_settings


def fixture_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, content_dir=content_dir(tmp_path))


async def test_best_match_first_as_a_compact_card(tmp_path: Path) -> None:
    async with console_service(fixture_settings(tmp_path)) as (_, console):
        out = await console.say("/resources naloxone")
    assert out.index("Naloxone kits near you") < out.index("Toward the Heart")
    assert "Call 1-800-000-0001 · Mon-Fri 9-5" in out
    assert "Free · checked 15 Jan 2026" in out


async def test_a_typo_is_corrected_and_the_person_is_told(tmp_path: Path) -> None:
    async with console_service(fixture_settings(tmp_path)) as (_, console):
        out = await console.say("/resources nalxone")
    assert "Nothing matched nalxone. Did you mean naloxone?" in out
    assert "Naloxone kits near you" in out


async def test_filters_and_region_names_people_use(tmp_path: Path) -> None:
    async with console_service(fixture_settings(tmp_path)) as (_, console):
        north = await console.say("/resources grief region:north")
        peer = await console.say("/resources grief peer:yes")
        free_online = await console.say("/resources grief free online")
    assert "Northern grief circle" in north and "123 Fake St, Prince George" in north
    assert "Island grief support line" not in north
    assert "Northern grief circle" in peer and "Grief group online" not in peer
    assert "Grief group online" in free_online and "Northern grief circle" not in free_online


async def test_crisis_lines_come_first_when_words_signal_crisis(tmp_path: Path) -> None:
    async with console_service(fixture_settings(tmp_path)) as (_, console):
        out = await console.say("/resources I feel suicidal and need support")
    assert out.index("9-8-8 Suicide Crisis Helpline: Call or text 988") < out.index(
        "Crisis chat for BC"
    )
    assert "[1] All crisis lines" in out


async def test_more_pages_through_the_rest(tmp_path: Path) -> None:
    async with console_service(fixture_settings(tmp_path)) as (_, console):
        first = await console.say("/resources work guide")
        assert first.count("Peer work guide") == 5
        assert "[1] More (2)" in first
        rest = await console.say("1")
    assert rest.count("Peer work guide") == 2
    assert "More" not in rest


async def test_the_words_searched_are_never_written_to_the_database(tmp_path: Path) -> None:
    settings = fixture_settings(tmp_path)
    async with console_service(settings) as (svc, console):
        await console.say("/resources work guide")
        rows = await svc.ctx.repo.db.fetchall("SELECT action, payload FROM buttons")
    stored = " ".join(f"{r['action']} {r['payload']}" for r in rows)
    # The "more" button pages through a list held in memory, so it is held there too.
    assert "resources.more" not in stored
    assert "guide" not in stored and "work" not in stored


async def test_an_old_more_button_after_a_restart_is_answered_plainly(tmp_path: Path) -> None:
    settings = fixture_settings(tmp_path)
    member = Actor(CONSOLE_ACCOUNT)
    async with console_service(settings) as (svc, _):
        first = await svc.dispatcher.command(
            CommandEvent(member, PRIVATE, "resources", raw="work guide")
        )
        (more,) = first[0].message.buttons[0]
        assert more.token is not None
        pressed = await svc.dispatcher.button(ButtonEvent(member, PRIVATE, more.token))
        assert "Peer work guide" in pressed[0].message.text
    async with console_service(settings) as (svc, _):
        later = await svc.dispatcher.button(ButtonEvent(member, PRIVATE, more.token))
    assert "That button has expired. Try the command again." in later[0].message.text


async def test_no_result_is_never_a_dead_end(tmp_path: Path) -> None:
    async with console_service(fixture_settings(tmp_path)) as (_, console):
        nothing = await console.say("/resources zzqx")
        close = await console.say("/resources grieving")
        filtered = await console.say("/resources naloxone indigenous:yes")
        assert "Without the filters there are 2." in filtered
        widened = await console.say("1")
    assert "I couldn't find anything for zzqx." in nothing
    assert "[1] Naloxone" in nothing and "Grief and loss" in nothing  # browse by topic
    assert "/glossary may explain it" in nothing
    assert "[1] Grief and loss" in close  # the close topic first
    assert "Peer work guide" not in close  # no unrelated cards to pad it out
    assert "Naloxone kits near you" in widened


async def test_a_topic_button_browses_the_topic(tmp_path: Path) -> None:
    async with console_service(fixture_settings(tmp_path)) as (_, console):
        ask = await console.say("/resources")
        assert "What are you looking for?" in ask
        number = next(
            part.split("]")[0].lstrip("[") for part in ask.split("   ") if "Grief and loss" in part
        )
        out = await console.say(number.strip())
    assert "Grief and loss" in out and "Northern grief circle" in out


async def test_an_unknown_region_gets_a_kind_answer(tmp_path: Path) -> None:
    async with console_service(fixture_settings(tmp_path)) as (_, console):
        out = await console.say("/resources grief region:mars")
    assert "I don't know the region 'mars'. Try north, island" in out


async def test_topics_and_regions_autocomplete(tmp_path: Path) -> None:
    async with console_service(fixture_settings(tmp_path)) as (svc, _):

        async def suggest(option: str, partial: str) -> list[str]:
            event = AutocompleteEvent(Actor(CONSOLE_ACCOUNT), PRIVATE, "resources", option, partial)
            return await svc.dispatcher.autocomplete(event)

        assert await suggest("topic", "gri") == ["grief"]
        assert await suggest("region", "isl") == ["vancouver-island"]
        assert "harm-reduction" in await suggest("topic", "harm")


async def test_peer_is_a_search_word_and_filters_are_named(tmp_path: Path) -> None:
    """Regression: "/resources peer support" silently became "support, peer-run only"."""
    async with console_service(fixture_settings(tmp_path)) as (_, console):
        words = await console.say("/resources peer support")
        filtered = await console.say("/resources support peer:yes free region:north")
    assert "Here's what I found for peer support:" in words
    assert "Only:" not in words
    assert "Only: Northern BC · free · Peer-run" in filtered


async def test_nothing_found_points_to_a_command_that_may_help(tmp_path: Path) -> None:
    async with console_service(fixture_settings(tmp_path)) as (_, console):
        out = await console.say("/resources boundaries")
    assert "I couldn't find anything for boundaries." in out
    assert "Or try /selfcare boundaries for a moment of care now." in out
    assert "Peer work guide" not in out  # said plainly, not padded with other cards
