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


def preload() -> None:
    """Read Babel's locale data (CLDR) for ``LOCALE`` now, and everything each function above
    needs with it (its date patterns, the list patterns, the number module).

    Why: Babel reads and merges that data the first time a date, day or list is written in a
    process: 15 to 45 ms, which used to fall on the first ``/resources``, calendar or check-in
    answer after every start. The service calls this on a worker thread from the very start of
    start-up (bot/warm.py ``read_locale``), while the content loads, so neither start-up nor
    the event loop waits for it. A command that needs the data before this is done reads it
    itself, as before (Babel's own lock lets only one thread read it; the other waits for that
    one): the words are the same either way.
    """
    day = date(2026, 1, 5)
    day_month(day)
    day_month_year(day)
    weekday_day_month(day)
    day_name(DAY_KEYS[0])
    spoken_list(("a", "b"))
    spoken_list(("a", "b"), style="or")
