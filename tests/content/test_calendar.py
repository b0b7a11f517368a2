"""Calendar files dropped in content/calendar/ become trainings; what is missing is named."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bot.content.problems import ContentError
from bot.content.schema.trainings import Training
from bot.content.sources import SOURCES, TRAININGS
from bot.content.store import load_all
from tests.directory.fixtures import content_dir

CALENDAR = """\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Some provider//EN
X-WR-CALNAME:Island Peer Network
X-PEER-CIRCLE-SOURCE:Island Peer Network calendar feed, checked by a steward
X-PEER-CIRCLE-VERIFIED:2026-02-01
X-PEER-CIRCLE-COST:free
X-PEER-CIRCLE-REGIONS:vancouver-island, bc
BEGIN:VEVENT
UID:abc123@island.example
SUMMARY:Boundaries at work
DESCRIPTION:A peer-led workshop on keeping boundaries when you are the only
  peer at your worksite.
DTSTART;TZID=America/Toronto:20260305T130000
DTEND;TZID=America/Toronto:20260305T143000
RRULE:FREQ=WEEKLY;UNTIL=20260402T170000Z;BYDAY=TH
URL:https://island.example/boundaries
LOCATION:https://zoom.example/j/123
END:VEVENT
BEGIN:VEVENT
UID:def456@island.example
SUMMARY:Naloxone hands-on
DESCRIPTION:Practice giving naloxone with a peer trainer in Nanaimo.
DTSTART;TZID=America/Vancouver:20260310T180000
DURATION:PT2H
LOCATION:Nanaimo Community Hall
X-PEER-CIRCLE-ID:nanaimo-naloxone
X-PEER-CIRCLE-COST:low-cost
X-PEER-CIRCLE-COST-NOTE:$10, bursaries
END:VEVENT
END:VCALENDAR
"""


def trainings_from(folder: Path) -> dict[str, Training]:
    content, _ = load_all(folder, SOURCES)
    return {t.id: t for t in content[TRAININGS].trainings}


def test_calendar_events_become_trainings(tmp_path: Path) -> None:
    found = trainings_from(content_dir(tmp_path, **{"calendar/island.ics": CALENDAR}))
    weekly = found["boundaries-at-work"]
    assert weekly.title == "Boundaries at work"
    assert weekly.summary.startswith("A peer-led workshop on keeping boundaries")
    assert weekly.timezone == "America/Toronto"
    assert weekly.starts == datetime.fromisoformat("2026-03-05T13:00:00")  # local, naive
    assert weekly.duration_minutes == 90
    # UNTIL in UTC is turned into Toronto time, like DTSTART.
    assert weekly.rrule == "FREQ=WEEKLY;UNTIL=20260402T130000;BYDAY=TH"
    assert [f.value for f in weekly.formats] == ["online"]
    assert weekly.provider == "Island Peer Network"
    assert weekly.source.startswith("Island Peer Network calendar feed")
    assert str(weekly.verified) == "2026-02-01"
    assert [r.value for r in weekly.regions] == ["vancouver-island", "bc"]
    hall = found["nanaimo-naloxone"]
    assert hall.cost.value == "low-cost" and hall.cost_note == "$10, bursaries"
    assert [f.value for f in hall.formats] == ["in-person"]
    assert hall.location == "Nanaimo Community Hall"
    assert hall.duration_minutes == 120
    assert "peer-circle-weekly" in found  # the YAML trainings are still there


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_all(folder, SOURCES)
    return [str(p) for p in caught.value.problems]


def test_missing_facts_name_the_file_event_and_property(tmp_path: Path) -> None:
    broken = CALENDAR.replace(
        "X-PEER-CIRCLE-SOURCE:Island Peer Network calendar feed, checked by a steward\n", ""
    )
    broken = broken.replace("DTSTART;TZID=America/Vancouver:20260310T180000\n", "")
    found = problems_of(content_dir(tmp_path, **{"calendar/island.ics": broken}))
    line = broken.splitlines().index("BEGIN:VEVENT") + 1
    assert (
        f'calendar/island.ics:{line} — entry event 1 "Boundaries at work" — '
        "field 'X-PEER-CIRCLE-SOURCE': is missing" in found[0]
    )
    assert any('event 2 "Naloxone hands-on"' in p and "field 'DTSTART'" in p for p in found), found


def test_an_unknown_timezone_and_a_bad_rule_are_named(tmp_path: Path) -> None:
    broken = CALENDAR.replace("TZID=America/Vancouver", "TZID=Mars/Olympus")
    broken = broken.replace(
        "RRULE:FREQ=WEEKLY;UNTIL=20260402T170000Z;BYDAY=TH", "RRULE:FREQ=WEEKLY;BYDAY=XX"
    )
    found = problems_of(content_dir(tmp_path, **{"calendar/island.ics": broken}))
    assert any('"Boundaries at work"' in p and "field 'RRULE'" in p for p in found), found
    assert any(
        '"Naloxone hands-on"' in p and "field 'DTSTART'" in p and "Mars/Olympus" in p for p in found
    ), found


def test_a_wrong_value_from_an_x_property_names_that_property(tmp_path: Path) -> None:
    broken = CALENDAR.replace("X-PEER-CIRCLE-COST:low-cost", "X-PEER-CIRCLE-COST:cheap")
    (problem,) = problems_of(content_dir(tmp_path, **{"calendar/island.ics": broken}))
    assert 'event 2 "Naloxone hands-on"' in problem
    assert "field 'X-PEER-CIRCLE-COST'" in problem


def test_an_event_id_already_used_in_the_yaml_is_named(tmp_path: Path) -> None:
    clash = CALENDAR.replace("X-PEER-CIRCLE-ID:nanaimo-naloxone", "X-PEER-CIRCLE-ID:naloxone-101")
    (problem,) = problems_of(content_dir(tmp_path, **{"calendar/island.ics": clash}))
    assert "calendar/island.ics" in problem and "already used in trainings.yaml" in problem
