"""Quiet hours in a person's own timezone, across midnight and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, time

from bot.core.model import QuietHours
from bot.quiet import quiet_until

NIGHT = QuietHours(time(22, 0), time(7, 0))
AFTERNOON = QuietHours(time(13, 0), time(15, 30))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_window_across_midnight_ends_the_next_morning() -> None:
    # 23:00 in Vancouver on 10 June (PDT, UTC-7) → quiet until 07:00 on 11 June = 14:00 UTC.
    assert quiet_until(utc(2026, 6, 11, 6, 0), "America/Vancouver", NIGHT) == utc(2026, 6, 11, 14)
    # 05:00 in Vancouver → quiet until 07:00 the same day.
    assert quiet_until(utc(2026, 6, 11, 12, 0), "America/Vancouver", NIGHT) == utc(2026, 6, 11, 14)


def test_outside_the_window_is_not_quiet() -> None:
    assert quiet_until(utc(2026, 6, 11, 16, 0), "America/Vancouver", NIGHT) is None  # 09:00
    assert quiet_until(utc(2026, 6, 11, 14, 0), "America/Vancouver", NIGHT) is None  # 07:00 sharp


def test_a_daytime_window() -> None:
    # 13:30 in Toronto (EDT, UTC-4) → until 15:30 = 19:30 UTC.
    assert quiet_until(utc(2026, 6, 11, 17, 30), "America/Toronto", AFTERNOON) == utc(
        2026, 6, 11, 19, 30
    )
    assert quiet_until(utc(2026, 6, 11, 20, 0), "America/Toronto", AFTERNOON) is None


def test_the_same_moment_is_quiet_in_one_timezone_and_not_another() -> None:
    moment = utc(2026, 6, 11, 5, 0)  # 22:00 Vancouver, 01:00 Toronto, 06:00 London
    assert quiet_until(moment, "America/Vancouver", NIGHT) is not None
    assert quiet_until(moment, "America/Toronto", NIGHT) is not None
    assert quiet_until(moment, "Europe/London", NIGHT) is not None
    assert quiet_until(utc(2026, 6, 11, 8, 0), "Europe/London", NIGHT) is None  # 09:00 BST


def test_the_end_stays_at_seven_on_the_night_clocks_fall_back() -> None:
    # 1 Nov 2026, clocks go back at 02:00 in Vancouver. At 23:00 PDT on 31 Oct (06:00 UTC)
    # the window ends at 07:00 PST on 1 Nov, which is 15:00 UTC (not 14:00).
    assert quiet_until(utc(2026, 11, 1, 6, 0), "America/Vancouver", NIGHT) == utc(2026, 11, 1, 15)


def test_no_quiet_hours_or_an_empty_window() -> None:
    assert quiet_until(utc(2026, 6, 11, 6, 0), "America/Vancouver", None) is None
    same = QuietHours(time(9, 0), time(9, 0))
    assert quiet_until(utc(2026, 6, 11, 16, 0), "America/Vancouver", same) is None
