"""When a check-in comes: how often, which day, what time, always in the peer's own timezone.

A plan is a small dict kept with the check-in (``{"every": "weekly", "day": "mon", "time":
"10:00"}``), typed (``weekly mon 10:00``) or picked with buttons. It becomes a scheduler time
here, and is said back in words, with the next one shown in the reader's own time, so a mentor
in Toronto sees both the peer's 10:00 and their own 13:00.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from datetime import date, time
from typing import Any

from bot.core import markup
from bot.core.arguments import parse_time
from bot.core.context import Context
from bot.core.dates import local_moment
from bot.core.errors import UserFacingError
from bot.scheduler import build_trigger, cron, every_weeks
from handlers.selfcare import DAYS, day_word

Plan = dict[str, str]

#: How often, in the order the buttons show them.
EVERY = ("daily", "weekdays", "weekly", "fortnightly", "monthly")
NEEDS_DAY = {"weekly", "fortnightly", "monthly"}
TIMES = ("08:00", "10:00", "12:00", "15:00", "17:00", "19:00")
_EVERY_WORDS = {
    "daily": "daily",
    "everyday": "daily",
    "weekdays": "weekdays",
    "weekly": "weekly",
    "fortnightly": "fortnightly",
    "biweekly": "fortnightly",
    "monthly": "monthly",
}


def read_plan(text: str) -> Plan:
    """``weekly mon 10:00``, ``daily 7pm``, ``every two weeks thu 15:30``, ``monthly fri 9``:
    how often, a day where one is needed, and a time. Raises UserFacingError."""
    words = re.sub(r"every\s+(two|2|other)\s+weeks?", "fortnightly", text.lower())
    words = re.sub(r"(\d)\s+(am|pm)\b", r"\1\2", words)
    every = day = at = None
    for word in words.replace(",", " ").split():
        if word in _EVERY_WORDS:
            every = _EVERY_WORDS[word]
        elif word in ("at", "on", "every", "each"):
            continue
        elif (days := day_word(word)) is not None and len(days) == 1:
            day = days[0]
        elif days is not None and len(days) == 5 and days == DAYS[:5]:
            every = "weekdays"
        elif re.match(r"^\d", word):
            at = parse_time(word)
        else:
            raise UserFacingError.about("checkins.plan_unknown", word=markup.escape(word))
    if every is None:
        every = "weekly" if day else None
    if every is None or at is None or (every in NEEDS_DAY and day is None):
        raise UserFacingError.about("checkins.plan_incomplete")
    return make_plan(every, day, at)


def make_plan(every: str, day: str | None, at: time | str) -> Plan:
    if isinstance(at, str):
        at = time.fromisoformat(at)
    plan = {"every": every, "time": f"{at:%H:%M}"}
    if every in NEEDS_DAY:
        if day not in DAYS:
            raise UserFacingError.about("checkins.plan_incomplete")
        plan["day"] = str(day)
    return plan


def trigger(plan: Mapping[str, str], starting: date) -> dict[str, Any]:
    """The scheduler's time for a plan; fortnightly counts from ``starting``'s week."""
    at = time.fromisoformat(plan["time"])
    every, day = plan["every"], plan.get("day", "mon")
    base = {"hour": at.hour, "minute": at.minute}
    if every == "daily":
        return cron(**base)
    if every == "weekdays":
        return cron(day_of_week="mon-fri", **base)
    if every == "monthly":
        return cron(day=f"1st {day}", **base)
    weekly = cron(day_of_week=day, **base)
    return every_weeks(weekly, 2, starting) if every == "fortnightly" else weekly


def describe(ctx: Context, plan: Mapping[str, str]) -> str:
    """ "Mondays at 10:00", "every other Monday at 10:00", "weekdays at 08:00"."""
    day = {d: ctx.text(f"checkins.day_{d}") for d in DAYS}.get(plan.get("day", ""), "")
    return ctx.text(f"checkins.every_{plan['every']}", day=day, time=plan["time"])


def in_both(ctx: Context, plan: Mapping[str, str], peer_tz: str, reader_tz: str) -> str:
    """The plan in the peer's time, and the next one in the reader's own time if it differs."""
    said = describe(ctx, plan)
    now = ctx.clock.now()
    nxt = build_trigger(trigger(plan, now.date()), peer_tz).get_next_fire_time(None, now)
    if nxt is None:
        return said
    if reader_tz == peer_tz:
        return ctx.text(
            "checkins.plan_same_zone",
            plan=said,
            next=markup.time_tag(int(nxt.timestamp()), local_moment(nxt, reader_tz)),
        )
    return ctx.text(
        "checkins.plan_two_zones",
        plan=said,
        zone=markup.escape(peer_tz),
        next=markup.time_tag(int(nxt.timestamp()), local_moment(nxt, reader_tz)),
    )


def split_question(text: str) -> tuple[str, str]:
    """``mon 09:00 "How is your week starting?"``: the time part and the quoted question."""
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    when: list[str] = []
    question: list[str] = []
    for word in words:
        if question or " " in word or not _is_time_word(word):
            question.append(word)
        else:
            when.append(word)
    return " ".join(when), " ".join(question).strip()


def _is_time_word(word: str) -> bool:
    lowered = word.lower()
    return (
        lowered in _EVERY_WORDS
        or lowered in ("at", "on", "every")
        or day_word(lowered) is not None
        or bool(re.match(r"^\d{1,2}([:.]\d{2})?(am|pm)?$", lowered))
    )
