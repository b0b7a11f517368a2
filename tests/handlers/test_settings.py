"""/settings: timezone and quiet hours, by button or typed, with kind answers to mistakes."""

from __future__ import annotations

from datetime import UTC, datetime, time

from bot.clock import SettableClock
from bot.config import Settings
from bot.core.model import QuietHours
from bot.platforms.console import CONSOLE_ACCOUNT
from bot.scheduler import cron
from tests.helpers import console_service


async def test_settings_by_buttons(settings: Settings) -> None:
    clock = SettableClock(datetime(2026, 6, 11, 16, 5, tzinfo=UTC))
    async with console_service(settings, clock=clock) as (svc, console):
        shown = await console.say("/settings")
        assert "Timezone: America/Vancouver (it's 09:05 there now)" in shown
        assert "Quiet hours: none set" in shown
        picker = await console.say("1")  # Change timezone
        assert "[5] Eastern" in picker
        done = await console.say("5")
        assert "Done: your timezone is America/Toronto, where it's 12:05 now." in done
        await console.say("2")  # Quiet hours
        quiet = await console.say("1")  # 22:00–07:00
        person = await svc.ctx.repo.people.by_account(CONSOLE_ACCOUNT)
    assert "Quiet hours are 22:00–07:00" in quiet
    assert person is not None and person.timezone == "America/Toronto"
    assert person.quiet_hours == QuietHours(time(22), time(7))


async def test_typed_settings_accept_the_ways_people_write_them(settings: Settings) -> None:
    async with console_service(settings) as (svc, console):
        assert "America/St_Johns" in await console.say("/settings timezone newfoundland")
        # Ambiguous names favour Canada, and the other places are one tap away.
        paris = await console.say("/settings timezone paris")
        assert "your timezone is Paris, ON" in paris and "[1] Not this? Paris, France" in paris
        assert "Europe/Paris" in await console.say("1")
        assert "America/Edmonton" in await console.say("/settings timezone America/Edmonton")
        assert "Quiet hours are 21:30–06:00" in await console.say("/settings quiet 9:30pm to 6am")
        assert "No quiet hours now" in await console.say("/settings quiet off")
        person = await svc.ctx.repo.people.by_account(CONSOLE_ACCOUNT)
    assert person is not None and person.quiet_hours is None


async def test_mistakes_get_a_clear_answer_and_change_nothing(settings: Settings) -> None:
    async with console_service(settings) as (svc, console):
        assert "couldn't find a place called 'Nowhereville'" in await console.say(
            "/settings timezone Nowhereville"
        )
        assert "look like 22:00-07:00" in await console.say("/settings quiet late")
        assert "should be a time" in await console.say("/settings quiet 25:00-07:00")
        # Regression: hints named the subcommand alone ("/timezone <zone>").
        assert "Please add the zone, like this: /settings timezone <zone>" in await console.say(
            "/settings timezone"
        )
        assert "I didn't understand 'Toronto'. /settings show" in await console.say(
            "/settings Toronto"
        )
        person = await svc.ctx.repo.people.by_account(CONSOLE_ACCOUNT)
    assert person is not None and person.timezone is None and person.quiet_hours is None


async def test_a_new_timezone_moves_the_persons_schedules(settings: Settings) -> None:
    async with console_service(settings) as (svc, console):
        person = await svc.ctx.repo.people.by_account(CONSOLE_ACCOUNT)
        assert person is not None
        row = await svc.ctx.scheduler.add(
            "nothing.yet", cron(hour=7, minute=30), person_id=person.id
        )
        await console.say("/settings timezone Toronto")
        moved = await svc.ctx.repo.schedules.get(row.id)
    assert moved is not None and moved.timezone == "America/Toronto"


async def test_timezone_autocomplete_offers_plain_names_first(settings: Settings) -> None:
    from bot.core.events import Actor, AutocompleteEvent
    from bot.platforms.console import PRIVATE

    async with console_service(settings) as (svc, _):
        found = await svc.dispatcher.autocomplete(
            AutocompleteEvent(
                Actor(CONSOLE_ACCOUNT), PRIVATE, "settings", "zone", "pac", subcommand="timezone"
            )
        )
        many = await svc.dispatcher.autocomplete(
            AutocompleteEvent(
                Actor(CONSOLE_ACCOUNT), PRIVATE, "settings", "zone", "", subcommand="timezone"
            )
        )
    assert found[0] == "America/Vancouver"
    assert len(many) == 25


#: Names people in BC and Canada give for where they are, and the zone each means.
PLACES = {
    "Victoria": "America/Vancouver",
    "Kamloops": "America/Vancouver",
    "Kelowna": "America/Vancouver",
    "Nanaimo": "America/Vancouver",
    "Prince George": "America/Vancouver",
    "Surrey": "America/Vancouver",
    "Cranbrook": "America/Edmonton",
    "Fort St. John": "America/Dawson_Creek",
    "Whitehorse": "America/Whitehorse",
    "Pacific": "America/Vancouver",
    "PST": "America/Vancouver",
    "pacific time": "America/Vancouver",
    "Haida Gwaii": "America/Vancouver",
    "St. John's": "America/St_Johns",
    "Montréal": "America/Toronto",
    "mountain": "America/Edmonton",
}


async def test_places_people_name_find_their_own_timezone(settings: Settings) -> None:
    clock = SettableClock(datetime(2026, 6, 11, 16, 5, tzinfo=UTC))
    async with console_service(settings, clock=clock) as (svc, console):
        for place, zone in PLACES.items():
            answer = await console.say(f"/settings timezone {place}")
            person = await svc.ctx.repo.people.by_account(CONSOLE_ACCOUNT)
            assert person is not None and person.timezone == zone, (place, answer)
        kamloops = await console.say("/settings timezone kamloops")
    assert "Done: your timezone is Kamloops, BC, where it's 09:05 now." in kamloops


async def test_long_words_are_quoted_short(settings: Settings) -> None:
    async with console_service(settings) as (_, console):
        answer = await console.say("/settings timezone " + "nowhere " * 600)
    assert "couldn't find a place called 'nowhere nowhere" in answer
    assert len(answer) < 600 and "…'" in answer
