"""Dates and times as people say them ("Tue 3 Mar, 10:00 PST"), the same on every system.

``strftime("%-d")`` drops the leading zero only with glibc; these build the day number
themselves so /crisis and every card render the same everywhere.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def day_month(day: date) -> str:
    """3 Mar"""
    return f"{day.day} {day:%b}"


def day_month_year(day: date) -> str:
    """3 Mar 2026"""
    return f"{day.day} {day:%b %Y}"


def weekday_day_month(day: date) -> str:
    """Tue 3 Mar"""
    return f"{day:%a} {day.day} {day:%b}"


def local_moment(moment: datetime, timezone: str) -> str:
    """Tue 3 Mar, 10:00 PST — a moment in the reader's own timezone."""
    here = moment.astimezone(ZoneInfo(timezone))
    return f"{weekday_day_month(here)}, {here:%H:%M %Z}"
