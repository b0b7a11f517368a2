"""Training dates: repeating sessions expanded in their own wall-clock time, the window,
self-paced ones, and the calendar file read back with icalendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from bot.content.schema.trainings import Training
from bot.content.sources import SOURCES, TRAININGS
from bot.content.store import load_all
from bot.directory.sessions import calendar_file, dates, select, upcoming
from tests.directory.fixtures import content_dir

VANCOUVER = ZoneInfo("America/Vancouver")
NOW = datetime(2037, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def trainings(tmp_path: Path) -> dict[str, Training]:
    content, _ = load_all(content_dir(tmp_path), SOURCES)
    return {t.id: t for t in content[TRAININGS].trainings}


def test_a_weekly_session_keeps_its_local_time_across_daylight_saving(
    trainings: dict[str, Training],
) -> None:
    found = dates(trainings["peer-circle-weekly"], NOW, NOW + timedelta(days=60))
    assert len(found) == 6  # COUNT=6
    assert [d.astimezone(VANCOUVER).strftime("%a %d %H:%M") for d in found[:2]] == [
        "Tue 03 10:00",
        "Tue 10 10:00",
    ]
    # Daylight time starts on 8 March: the same 10:00 is an hour earlier in UTC.
    assert found[0].astimezone(UTC).hour == 18
    assert found[1].astimezone(UTC).hour == 17


def test_only_dates_inside_the_window(trainings: dict[str, Training]) -> None:
    later = NOW + timedelta(days=14)  # after the first two Tuesdays
    found = dates(trainings["peer-circle-weekly"], later, later + timedelta(days=14))
    assert [d.astimezone(VANCOUVER).day for d in found] == [17, 24]


def test_upcoming_lists_dated_sessions_then_self_paced(trainings: dict[str, Training]) -> None:
    sessions = upcoming(trainings.values(), NOW, days=60)
    dated = [s for s in sessions if s.starts is not None]
    assert [s.starts for s in dated] == sorted(s.starts for s in dated)
    undated = [s.training.id for s in sessions[len(dated) :]]
    assert undated == ["curriculum", "wrap-workshop"]  # after every dated one, by title
    assert all(s.starts is None for s in sessions[len(dated) :])
    assert "last-year" not in {s.training.id for s in sessions}


def test_a_session_past_its_registration_deadline_drops_out(
    trainings: dict[str, Training],
) -> None:
    before = {s.training.id for s in upcoming(trainings.values(), NOW, days=60)}
    after_deadline = datetime(2037, 3, 16, 12, 0, tzinfo=UTC)
    after = {s.training.id for s in upcoming(trainings.values(), after_deadline, days=60)}
    assert "naloxone-101" in before and "naloxone-101" not in after


def test_select_by_words_and_filters(trainings: dict[str, Training]) -> None:
    sessions = upcoming(trainings.values(), NOW, days=60)
    assert {s.training.id for s in select(sessions, ["nalox"])} == {"naloxone-101"}
    free = {s.training.id for s in select(sessions, [], free=True, online=True)}
    assert free == {"peer-circle-weekly", "curriculum"}
    north = {s.training.id for s in select(sessions, [], regions=("northern-bc",))}
    assert north == {"naloxone-101"}


def test_the_calendar_file_reads_back_with_icalendar(trainings: dict[str, Training]) -> None:
    sessions = upcoming(trainings.values(), NOW, days=60)
    data = calendar_file(sessions, NOW, "Peer Circle")
    cal = icalendar.Calendar.from_ical(data)
    events = cal.walk("VEVENT")
    assert len(events) == 7  # six weekly dates and the naloxone session; self-paced has no date
    first = events[0]
    assert str(first["SUMMARY"]) == "Weekly peer support circle"
    assert first.decoded("DTSTART") == datetime(2037, 3, 3, 10, 0, tzinfo=VANCOUVER)
    assert first.decoded("DTEND") - first.decoded("DTSTART") == timedelta(minutes=90)
    assert len({str(e["UID"]) for e in events}) == 7
    assert cal.walk("VTIMEZONE"), "the file carries its timezone definitions"
