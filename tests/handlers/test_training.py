"""/training through the console and the dispatcher: local times, Discord-native time tags,
reminders on the real scheduler, and the calendar file."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import icalendar

from bot.clock import SettableClock
from bot.config import Settings
from bot.core import markup
from bot.core.events import Actor, CommandEvent
from bot.core.model import QuietHours
from bot.platforms.console import CONSOLE_ACCOUNT, PRIVATE
from bot.service import Service
from tests.directory.fixtures import content_dir
from tests.helpers import console_service, make_settings

NOW = datetime(2037, 3, 1, 12, 0, tzinfo=UTC)
FIRST_WEEKLY = int(datetime(2037, 3, 3, 18, 0, tzinfo=UTC).timestamp())  # 10:00 in Vancouver
# Dates are in 2037 (its calendar matches 2026's) so the real scheduler's timers, which run on
# the real clock, are in the future while the tests run.
NALOXONE = datetime(2037, 3, 21, 1, 30, tzinfo=UTC)  # 20 March 18:30 in Vancouver


def fixture_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, content_dir=content_dir(tmp_path))


async def me(svc: Service) -> int:
    person = await svc.ctx.repo.people.by_account(CONSOLE_ACCOUNT)
    assert person is not None
    return person.id


async def test_the_same_session_at_each_readers_local_time(tmp_path: Path) -> None:
    clock = SettableClock(NOW)
    async with console_service(fixture_settings(tmp_path), clock=clock) as (svc, console):
        vancouver = await console.say("/training")
        await svc.ctx.repo.people.set_timezone(await me(svc), "America/Toronto")
        toronto = await console.say("/training")
    assert "Weekly peer support circle\nTue 3 Mar, 10:00 PST · 90 min" in vancouver
    assert "Weekly peer support circle\nTue 3 Mar, 13:00 EST · 90 min" in toronto
    assert "…and 5 more date(s)" in vancouver
    assert "Northern harm reduction · Paid ($20) · in person" in vancouver
    assert "Register by 15 Mar" in vancouver
    assert vancouver.index("Naloxone 101") < vancouver.index("Provincial peer curriculum")
    assert "A session that already happened" not in vancouver


async def test_undated_trainings_have_their_own_sections_after_upcoming(tmp_path: Path) -> None:
    """Regression: trainings with no date were listed under "Upcoming"."""
    async with console_service(fixture_settings(tmp_path), clock=SettableClock(NOW)) as (_, c):
        listing = await c.say("/training")
    upcoming = listing.index("Upcoming (times for America/Vancouver")
    any_time = listing.index("Any time, at your own pace")
    on_request = listing.index("On request: the provider sets the dates")
    assert upcoming < listing.index("Weekly peer support circle") < any_time
    assert any_time < listing.index("Provincial peer curriculum") < on_request
    assert on_request < listing.index("WRAP workshop")
    assert "No dated sessions" not in listing
    numbers = re.findall(r"^(\d+)\. ", listing, re.MULTILINE)
    assert numbers == ["1", "2", "3", "4"]  # one numbering across the sections


async def test_times_are_written_as_discord_native_timestamps(tmp_path: Path) -> None:
    clock = SettableClock(NOW)
    async with console_service(fixture_settings(tmp_path), clock=clock) as (svc, _):
        event = CommandEvent(Actor(CONSOLE_ACCOUNT), PRIVATE, "training", raw="circle")
        (prepared,) = await svc.dispatcher.command(event)
    text = prepared.message.text
    assert markup.time_tag(FIRST_WEEKLY, "Tue 3 Mar, 10:00 PST") in text
    assert f"<t:{FIRST_WEEKLY}:f>" in markup.render(text, markup.render_discord)


async def test_filters_and_words(tmp_path: Path) -> None:
    async with console_service(fixture_settings(tmp_path), clock=SettableClock(NOW)) as (
        _,
        console,
    ):
        free_online = await console.say("/training free online")
        north = await console.say("/training region:north")
        island = await console.say("/training region:island")
        words = await console.say("/training nalox")
        nothing = await console.say("/training knitting")
    assert "Weekly peer support circle" in free_online and "Naloxone 101" not in free_online
    assert "Naloxone 101" in north and "Weekly peer support circle" in north  # BC-wide too
    assert "Naloxone 101" not in island
    assert "Naloxone 101" in words and "Weekly" not in words
    assert "I couldn't find a session like that" in nothing


async def test_reminders_a_day_and_an_hour_before_and_cancelled(tmp_path: Path) -> None:
    async with console_service(fixture_settings(tmp_path), clock=SettableClock(NOW)) as (
        svc,
        console,
    ):
        person = await me(svc)
        out = await console.say("/training remind naloxone-101")
        assert "I'll remind you a day and an hour before Naloxone 101" in out
        rows = await svc.ctx.repo.schedules.for_person(person, "training.reminder")
        fires = {svc.ctx.scheduler.next_fire(r.id) for r in rows}
        assert fires == {NALOXONE - timedelta(days=1), NALOXONE - timedelta(hours=1)}
        again = await console.say("/training remind naloxone-101")
        assert "You already have a reminder" in again
        assert len(await svc.ctx.repo.schedules.for_person(person, "training.reminder")) == 2

        day_before = next(r for r in rows if r.payload["before"] == "day")
        start = len(console.output)
        assert await svc.ctx.scheduler.fire(day_before.id)
        await svc.ctx.outbox.drain(timeout=5)
        sent = console.printed_since(start)
        assert "Reminder: Naloxone 101 in Prince George is tomorrow, Fri 20 Mar, 18:30 PDT." in sent

        cancelled = await console.say("/training cancel naloxone-101")
        assert "No more reminders for naloxone-101" in cancelled
        assert await svc.ctx.repo.schedules.for_person(person, "training.reminder") == []
        assert all(svc.ctx.scheduler.next_fire(r.id) is None for r in rows)


async def test_the_remind_button_and_self_paced_trainings(tmp_path: Path) -> None:
    async with console_service(fixture_settings(tmp_path), clock=SettableClock(NOW)) as (
        svc,
        console,
    ):
        listed = await console.say("/training circle")
        assert "[1] Remind me: 1" in listed
        pressed = await console.say("1")
        self_paced = await console.say("/training remind curriculum")
        unknown = await console.say("/training remind nope")
        rows = await svc.ctx.repo.schedules.for_person(await me(svc), "training.reminder")
    assert "I'll remind you" in pressed and len(rows) == 2
    assert "self-paced" in self_paced
    assert "I couldn't find a training called 'nope'" in unknown


async def test_the_calendar_file_has_the_filtered_sessions(tmp_path: Path) -> None:
    settings = fixture_settings(tmp_path)
    async with console_service(settings, clock=SettableClock(NOW)) as (_, console):
        out = await console.say("/training ics free")
    assert "calendar file of 6 session(s)" in out
    path = settings.database_path.parent / "console-files" / "peer-circle-trainings.ics"
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    titles = {str(e["SUMMARY"]) for e in cal.walk("VEVENT")}
    assert titles == {"Weekly peer support circle"}
    starts = sorted(e.decoded("DTSTART") for e in cal.walk("VEVENT"))
    assert starts[0] == datetime.fromtimestamp(FIRST_WEEKLY, UTC)


async def test_an_undated_course_is_not_called_self_paced(tmp_path: Path) -> None:
    """Regression: in-person courses with no dates were shown as "any time, at your own pace"."""
    async with console_service(fixture_settings(tmp_path), clock=SettableClock(NOW)) as (
        _,
        console,
    ):
        listing = await console.say("/training wrap")
        remind = await console.say("/training remind wrap-workshop")
        self_paced = await console.say("/training remind curriculum")
    assert "On request: the provider sets the dates" in listing
    assert "Any time" not in listing and "Upcoming" not in listing
    assert "No dated sessions in the next 60 days" in listing
    assert "no dates listed yet" in remind
    assert "self-paced" in self_paced


async def test_a_reminder_held_past_the_start_by_quiet_hours_is_dropped(tmp_path: Path) -> None:
    """Regression: quiet hours pushed an "hour before" reminder past the session's start."""
    clock = SettableClock(NOW)
    async with console_service(fixture_settings(tmp_path), clock=clock) as (svc, console):
        person = await me(svc)
        await svc.ctx.repo.people.set_quiet_hours(person, QuietHours(time(17), time(19)))
        await console.say("/training remind naloxone-101")
        rows = await svc.ctx.repo.schedules.for_person(person, "training.reminder")
        hour = next(r for r in rows if r.payload["before"] == "hour")
        clock.set(NALOXONE - timedelta(hours=1))  # 17:30 local: inside quiet hours
        assert await svc.ctx.scheduler.fire(hour.id) is False
        clock.set(NALOXONE + timedelta(minutes=30))  # 19:00 local: quiet hours end
        start = len(console.output)
        await svc.ctx.scheduler.fire(hour.id)
        await svc.ctx.outbox.drain(timeout=5)
    assert "starts in an hour" not in console.printed_since(start)


async def test_less_than_a_day_ahead_promises_only_the_hour_reminder(tmp_path: Path) -> None:
    clock = SettableClock(NALOXONE - timedelta(hours=5))
    async with console_service(fixture_settings(tmp_path), clock=clock) as (svc, console):
        out = await console.say("/training remind Naloxone-101")
        rows = await svc.ctx.repo.schedules.for_person(await me(svc), "training.reminder")
        cancelled = await console.say("/training cancel Naloxone-101")
    assert "I'll remind you an hour before" in out and "a day and" not in out
    assert [r.payload["before"] for r in rows] == ["hour"]
    assert "No more reminders for naloxone-101" in cancelled  # ids forgive case


async def test_the_calendar_file_with_no_words_has_every_dated_session(tmp_path: Path) -> None:
    """Regression: plain /training ics answered "couldn't find a session… try fewer words"."""
    settings = fixture_settings(tmp_path)
    async with console_service(settings, clock=SettableClock(NOW)) as (_, console):
        out = await console.say("/training ics")
    assert "fewer words" not in out
    assert "Here's a calendar file of" in out
    path = settings.database_path.parent / "console-files" / "peer-circle-trainings.ics"
    events = list(icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT"))
    titles = {str(e["SUMMARY"]) for e in events}
    assert any("Naloxone 101" in t for t in titles)


async def test_no_dated_sessions_is_said_plainly_not_try_fewer_words(tmp_path: Path) -> None:
    only_self_paced = """trainings:
  - id: curriculum
    title: Provincial peer curriculum
    summary: Free online modules you can do at your own pace.
    provider: BCcampus
    cost: free
    formats: [online, self-paced]
    regions: [bc]
    source: test
    verified: 2026-11-22
"""
    settings = make_settings(
        tmp_path, content_dir=content_dir(tmp_path, **{"trainings.yaml": only_self_paced})
    )
    async with console_service(settings, clock=SettableClock(NOW)) as (_, console):
        plain = await console.say("/training ics")
        worded = await console.say("/training ics knitting")
    assert "Nothing with a date is coming up" in plain and "fewer words" not in plain
    assert "Try fewer words" in worded


async def test_every_remind_command_on_the_cards_works(tmp_path: Path) -> None:
    """Regression: /training remind ID pointed to ids no card showed."""
    async with console_service(fixture_settings(tmp_path), clock=SettableClock(NOW)) as (_, c):
        listing = await c.say("/training")
        ids = re.findall(r"/training remind ([a-z0-9-]+)", listing)
        answers = [await c.say(f"/training remind {i}") for i in ids]
    assert len(ids) >= 2
    assert all("I'll remind you" in a for a in answers), answers


async def test_remind_by_the_words_on_the_card(tmp_path: Path) -> None:
    async with console_service(fixture_settings(tmp_path), clock=SettableClock(NOW)) as (
        svc,
        console,
    ):
        out = await console.say("/training remind naloxone prince george")
        rows = await svc.ctx.repo.schedules.for_person(await me(svc), "training.reminder")
    assert "I'll remind you" in out and "Naloxone 101" in out
    assert {r.payload["training"] for r in rows} == {"naloxone-101"}


async def test_an_unchecked_training_says_so_on_its_card(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    async with console_service(settings, clock=SettableClock(NOW)) as (_, console):
        out = await console.say("/training working mind")
    assert "The Working Mind" in out
    assert "not yet checked by a steward" in out


async def test_the_shipped_calendar_lists_real_trainings_by_how_they_are_taken(
    tmp_path: Path,
) -> None:
    """Regression: the shipped trainings were six undated entries under "Upcoming". None has
    a real date yet, so none is under "Upcoming"; each is under "Any time" or "On request",
    and one not yet checked says so."""
    async with console_service(make_settings(tmp_path), clock=SettableClock(NOW)) as (_, c):
        listing = await c.say("/training")
        naloxone = await c.say("/training toward the heart")
        asist = await c.say("/training asist")
        ics = await c.say("/training ics")
    assert "Upcoming" not in listing
    assert "No dated sessions in the next 60 days" in listing
    assert "Any time, at your own pace" in listing and "On request:" in listing
    assert "Any time, at your own pace" in naloxone and "On request" not in naloxone
    assert "Naloxone training online (Toward the Heart)" in naloxone
    assert "On request:" in asist and "Any time" not in asist
    assert "ASIST" in asist and "not yet checked by a steward" in asist
    assert "Nothing with a date is coming up" in ics
