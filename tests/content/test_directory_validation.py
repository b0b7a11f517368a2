"""Each kind of mistake a steward can make in the directory files is reported naming the file,
the line, the entry and the field, so someone who is not a programmer can fix it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import cli
from bot.content.problems import ContentError, Problem
from bot.content.sources import SOURCES
from bot.content.store import load_all
from tests.directory.fixtures import RESOURCES, TRAININGS, content_dir


def problems_in(folder: Path) -> list[Problem]:
    with pytest.raises(ContentError) as caught:
        load_all(folder, SOURCES)
    return caught.value.problems


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    lines = text.splitlines()
    found = [n + 1 for n, line in enumerate(lines) if needle in line]
    return found[occurrence - 1]


@pytest.mark.parametrize(
    ("old", "new", "field", "says"),
    [
        ("    source: A test source\n", "", "source", "Field required"),
        ("    cost: low-cost\n", "    cost: cheap\n", "cost", "'free', 'low-cost'"),
        ("    verified: 2026-01-15\n", "    verified: 2026-13-01\n", "verified", "date"),
        ("    peer_run: true\n", "    peer_run: maybe\n", "peer_run", "boolean"),
        ("    phone: 250-000-0002\n", "    phone: 250-000-0002\n    phonee: 1\n", "phonee", ""),
    ],
    ids=["missing-field", "bad-enum", "bad-date", "wrong-type", "unknown-field"],
)
def test_a_field_mistake_names_file_line_entry_and_field(
    tmp_path: Path, old: str, new: str, field: str, says: str
) -> None:
    # Each mistake is made in the first entry that has the field.
    at = RESOURCES.index(old)
    broken = RESOURCES[:at] + new + RESOURCES[at + len(old) :]
    problem = only(problems_in(content_dir(tmp_path, **{"resources.yaml": broken})))
    assert problem.file == "resources.yaml"
    assert problem.field == field
    assert problem.entry is not None and problem.entry.startswith("resources[")
    assert problem.line is not None and problem.line > 1
    assert says in problem.message
    shown = str(problem)
    assert "resources.yaml:" in shown and f"field '{field}'" in shown


def test_a_yaml_slip_names_the_file_and_line(tmp_path: Path) -> None:
    broken = RESOURCES.replace("    cost: low-cost\n", "    cost: low-cost\n  oops: [\n", 1)
    problem = only(problems_in(content_dir(tmp_path, **{"resources.yaml": broken})))
    assert problem.file == "resources.yaml"
    assert "YAML error" in problem.message
    assert problem.line is not None


def test_a_duplicate_id_points_at_the_second_entry(tmp_path: Path) -> None:
    broken = RESOURCES.replace("- id: grief-online", "- id: grief-north")
    problem = only(problems_in(content_dir(tmp_path, **{"resources.yaml": broken})))
    assert problem.field == "id"
    assert problem.entry == 'resources[4] "grief-north"'
    assert problem.line == line_of(broken, "- id: grief-north", occurrence=2)
    assert "two resources share the id 'grief-north'" in problem.message


def test_an_unknown_topic_names_the_entry_and_its_topics(tmp_path: Path) -> None:
    broken = RESOURCES.replace("topics: [grief]", "topics: [greif]", 1)
    problem = only(problems_in(content_dir(tmp_path, **{"resources.yaml": broken})))
    assert problem.field == "topics"
    assert problem.entry == 'resources[2] "grief-north"'
    assert "greif" in problem.message and "topics list" in problem.message
    assert problem.line is not None


def test_a_bad_repeat_rule_names_the_training_and_rrule(tmp_path: Path) -> None:
    broken = TRAININGS.replace("FREQ=WEEKLY;BYDAY=TU;COUNT=6", "FREQ=SOMETIMES")
    problem = only(problems_in(content_dir(tmp_path, **{"trainings.yaml": broken})))
    assert problem.file == "trainings.yaml"
    assert problem.entry == 'trainings[0] "peer-circle-weekly"'
    assert problem.field == "rrule"
    assert problem.line == line_of(broken, "rrule: FREQ=SOMETIMES")


def test_a_bad_timezone_names_the_training_and_field(tmp_path: Path) -> None:
    broken = TRAININGS.replace("timezone: America/Vancouver", "timezone: Mars/Olympus", 1)
    problem = only(problems_in(content_dir(tmp_path, **{"trainings.yaml": broken})))
    assert problem.field == "timezone"
    assert problem.entry == 'trainings[0] "peer-circle-weekly"'
    assert "'Mars/Olympus' is not a timezone" in problem.message


def test_a_dated_session_marked_on_request_names_the_training_and_field(tmp_path: Path) -> None:
    broken = TRAININGS.replace(
        "    rrule: FREQ=WEEKLY", "    offered: on-request\n    rrule: FREQ=WEEKLY"
    )
    problem = only(problems_in(content_dir(tmp_path, **{"trainings.yaml": broken})))
    assert problem.entry == 'trainings[0] "peer-circle-weekly"'
    assert problem.field == "offered"
    assert "only for a training with no date" in problem.message


def test_an_unknown_kind_of_undated_training_lists_the_kinds(tmp_path: Path) -> None:
    broken = TRAININGS.replace(
        "    formats: [self-paced, online]\n",
        "    formats: [self-paced, online]\n    offered: whenever\n",
    )
    problem = only(problems_in(content_dir(tmp_path, **{"trainings.yaml": broken})))
    assert problem.entry == 'trainings[2] "curriculum"' and problem.field == "offered"
    assert "'any-time' or 'on-request'" in problem.message


def test_a_broken_calendar_file_is_named(tmp_path: Path) -> None:
    folder = content_dir(tmp_path, **{"calendar/northern.ics": "this is not a calendar\n"})
    problem = only(problems_in(folder))
    assert problem.file == "calendar/northern.ics"
    assert "not a calendar file" in problem.message


def test_every_problem_in_every_file_is_reported_at_once(tmp_path: Path) -> None:
    folder = content_dir(
        tmp_path,
        **{
            "resources.yaml": RESOURCES.replace("cost: low-cost", "cost: cheap"),
            "trainings.yaml": TRAININGS.replace("FREQ=WEEKLY", "FREQ=SOMETIMES"),
        },
    )
    files = {p.file for p in problems_in(folder)}
    assert files == {"resources.yaml", "trainings.yaml"}


def test_check_content_prints_each_problem_plainly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = RESOURCES.replace("topics: [grief]", "topics: [greif]", 1)
    folder = content_dir(tmp_path, **{"resources.yaml": broken})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CONTENT_DIR", str(folder))
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    assert cli.main(["check-content"]) == 2
    err = capsys.readouterr().err
    line = line_of(broken, "topics: [greif]")
    assert f"resources.yaml:{line} — entry resources[2] \"grief-north\" — field 'topics'" in err
