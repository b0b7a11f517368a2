"""Dates, days and lists as people say them ("Tue 3 Mar, 10:00 PST", "every Monday and
Friday"), the same on every system.

Formatting goes through Babel (CLDR data) rather than ``strftime``, whose output depends on the
C library and the machine's locale. The network writes Canadian English (``LOCALE``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_day_names
from babel.lists import format_list

LOCALE = "en_CA"

#: Weekdays as schedules spell them (APScheduler's cron names), Monday first.
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def day_month(day: date) -> str:
    """3 Mar"""
    return format_date(day, "d MMM", locale=LOCALE)


def day_month_year(day: date) -> str:
    """3 Mar 2026"""
    return format_date(day, "d MMM y", locale=LOCALE)


def weekday_day_month(day: date) -> str:
    """Tue 3 Mar"""
    return format_date(day, "EEE d MMM", locale=LOCALE)


def local_moment(moment: datetime, timezone: str) -> str:
    """Tue 3 Mar, 10:00 PST — a moment in the reader's own timezone."""
    here = moment.astimezone(ZoneInfo(timezone))
    return f"{weekday_day_month(here)}, {here:%H:%M %Z}"


def day_name(key: str) -> str:
    """``"tue"`` → "Tuesday"."""
    names = get_day_names("wide", locale=LOCALE)
    return str(names[DAY_KEYS.index(key)])


def spoken_list(items: Iterable[str], style: Literal["and", "or"] = "and") -> str:
    """ "Monday, Wednesday and Friday"; with ``style="or"``, "on or off"."""
    words = list(items)
    if not words:
        return ""
    return format_list(words, style="standard" if style == "and" else "or", locale=LOCALE)
