"""/jobs (closing by themselves in the network's timezone) and /glossary (forgiving)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import SettableClock
from bot.config import Settings
from tests.directory.fixtures import content_dir
from tests.helpers import console_service, make_settings

# 23:00 on 10 March in Vancouver (daylight time), already 11 March in UTC.
LATE_ON_CLOSING_DAY = datetime(2037, 3, 11, 6, 0, tzinfo=UTC)


def fixture_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, content_dir=content_dir(tmp_path))


async def test_an_opportunity_closes_by_itself_in_the_network_timezone(tmp_path: Path) -> None:
    clock = SettableClock(LATE_ON_CLOSING_DAY)
    async with console_service(fixture_settings(tmp_path), clock=clock) as (_, console):
        last_evening = await console.say("/jobs")
        clock.advance(timedelta(hours=1))  # midnight in Vancouver
        next_day = await console.say("/jobs")
    assert "Peer navigator: Island harm reduction" in last_evening
    assert "Job · $28/hour · vancouver island" in last_evening
    assert "Closes 10 Mar" in last_evening
    assert "Old posting" not in last_evening
    assert "Peer navigator" not in next_day and "Advisory seat for peers" in next_day


async def test_jobs_filters(tmp_path: Path) -> None:
    clock = SettableClock(datetime(2037, 3, 1, 12, 0, tzinfo=UTC))
    async with console_service(fixture_settings(tmp_path), clock=clock) as (_, console):
        north = await console.say("/jobs region:north")
        calls = await console.say("/jobs kind:call")
        words = await console.say("/jobs navigator")
        nothing = await console.say("/jobs knitting")
    assert "Advisory seat" in north and "Peer navigator" not in north  # BC-wide only
    assert "Advisory seat" in calls and "Peer navigator" not in calls
    assert "Peer navigator" in words and "Advisory seat" not in words
    assert "Nothing open matches that right now" in nothing


async def test_glossary_forgives_case_aliases_and_small_typos(tmp_path: Path) -> None:
    async with console_service(fixture_settings(tmp_path)) as (_, console):
        efap = await console.say("/glossary efap")
        alias = await console.say("/glossary employee and family assistance program")
        four_c = await console.say("/glossary 4c")
        typo = await console.say("/glossary PEPP")
        listing = await console.say("/glossary")
        unknown = await console.say("/glossary zzzz")
    assert efap.startswith("EFAP (Employee and Family Assistance Program)\nCounselling")
    assert alias.startswith("EFAP")
    assert four_c.startswith("4C exemption (4C)\nA BC rule")
    assert typo.startswith("PEEP\n")
    assert "4C exemption, EFAP, PEEP, Peer" in listing
    assert "I don't have 'zzzz' yet" in unknown


async def test_glossary_offers_choices_when_a_word_could_be_several(tmp_path: Path) -> None:
    async with console_service(fixture_settings(tmp_path)) as (_, console):
        maybe = await console.say("/glossary pe")
        pressed = await console.say("1")
    assert "One of these?" in maybe and "[1] PEEP" in maybe and "[2] Peer" in maybe
    assert pressed.startswith("PEEP\n")
