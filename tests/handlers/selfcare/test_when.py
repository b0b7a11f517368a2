"""Reading the ways people type prompt times and pause dates, and saying schedules back."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.content.sources import SOURCES, TEXTS
from bot.content.store import load_all
from bot.core.errors import UserFacingError
from bot.scheduler import crontab
from handlers.selfcare.when import Plan, describe, read_pause, read_plan, read_space_plan
from tests.handlers.selfcare.test_now import PROMPTS_FILE
from tests.helpers import CONTENT

TEXT = load_all(CONTENT, SOURCES)[0][TEXTS]

MONDAY = date(2025, 6, 2)


@pytest.mark.parametrize(
    ("typed", "plan"),
    [
        (
            "mon,wed,fri 07:30 grounding,rest",
            Plan(("mon", "wed", "fri"), time(7, 30), ("grounding", "rest")),
        ),
        (
            "weekdays 7:30 pm grief",
            Plan(("mon", "tue", "wed", "thu", "fri"), time(19, 30), ("grief-and-loss",)),
        ),
        ("22:30 after a hard shift", Plan((), time(22, 30), ("after-a-hard-shift",))),
        ("every day at 8am", Plan((), time(8), ())),
        ("Saturdays and Sundays 10:00 small wins", Plan(("sat", "sun"), time(10), ("small-wins",))),
        ("fri-mon 9", Plan(("mon", "fri", "sat", "sun"), time(9), ())),
        ("mon tue wed thu fri sat sun 6:15 all", Plan((), time(6, 15), ())),
    ],
)
def test_schedules_typed_the_ways_people_write_them(typed: str, plan: Plan) -> None:
    assert read_plan(typed, PROMPTS_FILE) == plan


def test_a_plan_becomes_a_cron_trigger_and_reads_back() -> None:
    plan = read_plan("mon,wed,fri 07:30", PROMPTS_FILE)
    assert plan.trigger() == {"cron": {"day_of_week": "mon,wed,fri", "hour": "7", "minute": "30"}}
    assert describe(plan.trigger(), TEXT) == "every Monday, Wednesday and Friday at 07:30"
    assert describe(read_plan("daily 22:30", PROMPTS_FILE).trigger(), TEXT) == "every day at 22:30"
    assert describe(crontab("0 9 * * mon-fri"), TEXT) == "on weekdays at 09:00"
    assert describe(crontab("*/30 9-17 * * mon"), TEXT) == "`*/30 9-17 * * mon`"


def test_space_schedules_take_a_crontab_or_the_friendly_form() -> None:
    assert read_space_plan("0 9 * * mon grounding", PROMPTS_FILE) == (
        crontab("0 9 * * mon"),
        ("grounding",),
    )
    when, themes = read_space_plan("weekdays 9am rest connection", PROMPTS_FILE)
    assert describe(when, TEXT) == "on weekdays at 09:00" and themes == ("rest", "connection")


@pytest.mark.parametrize(
    ("typed", "resume"),
    [
        ("7", date(2025, 6, 9)),
        ("10 days", date(2025, 6, 12)),
        ("a week", date(2025, 6, 9)),
        ("2 weeks", date(2025, 6, 16)),
        ("month", date(2025, 7, 2)),
        ("tomorrow", date(2025, 6, 3)),
        ("monday", date(2025, 6, 9)),
        ("fri", date(2025, 6, 6)),
        ("2025-07-01", date(2025, 7, 1)),
        ("1 July", date(2025, 7, 1)),
        ("jan 5", date(2026, 1, 5)),  # a date already passed this year means next year
    ],
)
def test_pause_dates_typed_the_ways_people_write_them(typed: str, resume: date) -> None:
    assert read_pause(typed, MONDAY) == resume


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("2025-06-01", "has passed"),
        ("0", "has passed"),
        ("2026-12-01", "up to a year"),
        ("someday", "Pause until when?"),
    ],
)
def test_pause_mistakes_say_what_would_work(typed: str, answer: str) -> None:
    with pytest.raises(UserFacingError) as caught:
        read_pause(typed, MONDAY)
    assert answer in caught.value.render(TEXT)
