"""Reading and saying when self-care prompts come: days, a time, themes, pause dates.

People type these on a phone after a shift, so the reading is forgiving ("weekdays 7:30pm
grief", "mon,wed,fri 07:30 grounding,rest", "after a hard shift") and every mistake gets an
answer that says what would work. Stewards may also give a crontab line for a space.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from dateutil.parser import ParserError
from dateutil.parser import parse as parse_date
from dateutil.relativedelta import relativedelta

from bot.content.schema.prompts import PromptsFile
from bot.core import dates, markup
from bot.core.arguments import parse_time
from bot.core.errors import UserFacingError
from bot.scheduler import cron, crontab

DAYS = dates.DAY_KEYS
_DAY_NAMES = {
    **{d: (d,) for d in DAYS},
    **{full: (full[:3],) for full in ("monday", "tuesday", "wednesday", "thursday", "friday")},
    "saturday": ("sat",),
    "sunday": ("sun",),
    "tues": ("tue",),
    "thur": ("thu",),
    "thurs": ("thu",),
    "weekdays": DAYS[:5],
    "weekday": DAYS[:5],
    "weekends": DAYS[5:],
    "weekend": DAYS[5:],
    "daily": (),
    "everyday": (),
    "day": (),
    "days": (),
}
_FILLER = {"at", "on", "and", "&", "every", "each", "about", "in", "the", "of", "in:", "at:"}
_ALL_THEMES = {"all", "any", "mix", "everything", "all-themes", "anything"}
MAX_PAUSE_DAYS = 366


@dataclass(frozen=True, slots=True)
class Plan:
    """A schedule someone asked for: days (empty means every day), a time, and themes
    (empty means a mix of every theme)."""

    days: tuple[str, ...]
    at: time
    themes: tuple[str, ...]

    def trigger(self) -> dict[str, Any]:
        return cron(
            day_of_week=",".join(self.days) or "*", hour=self.at.hour, minute=self.at.minute
        )


def day_word(token: str) -> tuple[str, ...] | None:
    """Day names a word means: ``mon``, ``mondays``, ``weekdays``, ``mon-fri``; () is every
    day; None if it names no day."""
    word = token.lower().rstrip(".")
    if word in _DAY_NAMES:
        return _DAY_NAMES[word]
    if word.endswith("s") and word[:-1] in _DAY_NAMES:  # "mondays"
        return _DAY_NAMES[word[:-1]]
    first, dash, last = word.partition("-")
    ends = [_DAY_NAMES.get(first, ()), _DAY_NAMES.get(last, ())]
    if dash and all(len(end) == 1 for end in ends):  # "mon-fri", "friday-sunday"
        return expand_days(f"{ends[0][0]}-{ends[1][0]}")
    return None


def _time_word(token: str) -> time | None:
    if not re.match(r"^\d", token):
        return None
    try:
        return parse_time(token)
    except UserFacingError:
        return None


def _tokens(text: str) -> list[str]:
    joined = re.sub(r"(\d)\s+(am|pm)\b", r"\1\2", text.strip(), flags=re.IGNORECASE)
    return [t for t in re.split(r"[\s,;]+", joined) if t]


def read_plan(text: str, prompts: PromptsFile) -> Plan:
    """Days, one time and themes, in any order; raises UserFacingError naming what is off."""
    days: list[str] = []
    every_day = False
    at: time | None = None
    themes: list[str] = []
    unknown: list[str] = []
    tokens = _tokens(text)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        day = day_word(token)
        moment = _time_word(token) if day is None else None
        if day is not None:
            every_day |= not day
            days += [d for d in day if d not in days]
        elif moment is not None:
            if at is not None and moment != at:
                raise UserFacingError.about("selfcare.when_one_time")
            at = moment
        elif token.lower() in _ALL_THEMES:
            themes = []
        elif token.lower() in _FILLER:
            pass
        else:
            for end in range(len(tokens), i, -1):  # the longest run of words naming a theme
                theme = prompts.find_theme(" ".join(tokens[i:end]))
                if theme is not None:
                    if theme.id not in themes:
                        themes.append(theme.id)
                    i = end
                    break
            else:
                unknown.append(token)
                i += 1
            continue
        i += 1
    if unknown:
        raise UserFacingError.about(
            "selfcare.when_unknown",
            words=markup.quote(" ".join(unknown)),
            themes=", ".join(t.id for t in prompts.themes),
        )
    if at is None:
        raise UserFacingError.about("selfcare.when_no_time")
    chosen = () if every_day or len(days) == len(DAYS) else tuple(d for d in DAYS if d in days)
    return Plan(chosen, at, tuple(themes))


def read_space_plan(text: str, prompts: PromptsFile) -> tuple[dict[str, Any], tuple[str, ...]]:
    """A crontab line (``0 9 * * mon``) then themes, or the friendly form of :func:`read_plan`.
    Weekdays in a crontab must be names: cron counts Sunday as 0 and the scheduler counts
    Monday as 0, so a number would quietly mean the wrong day."""
    words = text.split()
    numeric = re.compile(r"^[\d*/,\-]+$")
    if len(words) >= 5 and numeric.match(words[0]) and numeric.match(words[1]):
        line = " ".join(words[:5]).lower()
        if re.search(r"\d", words[4]):
            raise UserFacingError.about("selfcare.when_numeric_days")
        try:
            when = crontab(line)
        except ValueError:
            raise UserFacingError.about(
                "selfcare.when_bad_crontab", line=markup.quote(line)
            ) from None
        rest = " ".join(words[5:])
        themes = read_plan(f"{rest} 00:00", prompts).themes if rest else ()
        return when, themes
    plan = read_plan(text, prompts)
    return plan.trigger(), plan.themes


def read_pause(text: str, today: date) -> date:
    """The date prompts start again: a date, a number of days, "2 weeks", "a month",
    "tomorrow" or a weekday. Raises UserFacingError when it is not one of those."""
    wanted = text.strip().lower()
    resume: date | None = None
    count = re.match(r"^(a|an|one|\d{1,3})?\s*(day|days|d|week|weeks|w|month|months)?$", wanted)
    if count and (count.group(1) or count.group(2)):
        n = 1 if count.group(1) in (None, "a", "an", "one") else int(str(count.group(1)))
        unit = (count.group(2) or "days")[0]
        if unit == "d":
            resume = today + timedelta(days=n)
        elif unit == "w":
            resume = today + timedelta(weeks=n)
        else:
            resume = today + relativedelta(months=n)
    elif wanted == "tomorrow":
        resume = today + timedelta(days=1)
    elif (day := day_word(wanted)) is not None and len(day) == 1:
        ahead = (DAYS.index(day[0]) - today.weekday() - 1) % 7 + 1
        resume = today + timedelta(days=ahead)
    else:
        try:
            default = datetime(today.year, today.month, today.day, tzinfo=UTC)
            moment = parse_date(wanted, default=default)
        except (ParserError, ValueError, OverflowError):
            raise UserFacingError.about("selfcare.when_pause_unknown") from None
        resume = moment.date()
        if resume <= today and not re.search(r"\d{4}", wanted):
            resume = resume.replace(year=resume.year + 1)  # "1 Jan" in December means next year
    if resume <= today:
        raise UserFacingError.about("selfcare.when_pause_passed")
    if resume > today + timedelta(days=MAX_PAUSE_DAYS):
        raise UserFacingError.about("selfcare.when_pause_too_long")
    return resume


_SIMPLE = re.compile(r"^\d{1,2}$")


def describe(
    trigger: Mapping[str, Any], text: Callable[..., str], *, starts_line: bool = False
) -> str:
    """A schedule's time in words, to sit inside a sentence: "on weekdays at 08:00", "every
    Monday, Wednesday and Friday at 07:30"; ``starts_line`` capitalises it for a list line
    (``text`` is ``ctx.text``)."""
    fields: Mapping[str, str] = trigger.get("cron", {})
    hour, minute = fields.get("hour", ""), fields.get("minute", "0")
    plain = all(fields.get(k, "*") == "*" for k in ("day", "month", "week", "year"))
    if not (plain and _SIMPLE.match(hour) and _SIMPLE.match(minute)):
        line = " ".join(
            fields.get(k, "*") for k in ("minute", "hour", "day", "month", "day_of_week")
        )
        return f"`{line}`"
    at = f"{int(hour):02d}:{int(minute):02d}"
    days = describe_days(fields.get("day_of_week", "*"), text)
    said = text("selfcare.when_at", days=days, time=at)
    return said[:1].upper() + said[1:] if starts_line else said


def describe_days(field: str, text: Callable[..., str]) -> str:
    days = expand_days(field)
    if days is None:
        return field
    if not days or len(days) == len(DAYS):
        return text("selfcare.when_every_day")
    if days == DAYS[:5]:
        return text("selfcare.when_weekdays")
    if days == DAYS[5:]:
        return text("selfcare.when_weekends")
    return text("selfcare.when_some_days", days=dates.spoken_list(dates.day_name(d) for d in days))


def expand_days(field: str) -> tuple[str, ...] | None:
    """``mon-fri,sun`` as day names in week order; None if it is not that simple."""
    if field == "*":
        return ()
    found: set[str] = set()
    for part in field.lower().split(","):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            return None
        a, b = DAYS.index(first), DAYS.index(last or first)
        found.update(DAYS[a : b + 1] if a <= b else DAYS[a:] + DAYS[: b + 1])
    return tuple(d for d in DAYS if d in found)


def same_time(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Two triggers that fire at the same moments (so a new one replaces the old)."""
    fa: Mapping[str, str] = a.get("cron", {})
    fb: Mapping[str, str] = b.get("cron", {})
    keys = set(fa) | set(fb)
    return bool(fa) and all(_normal(k, fa.get(k, "*")) == _normal(k, fb.get(k, "*")) for k in keys)


def _normal(key: str, value: str) -> Sequence[str] | str:
    if key == "day_of_week":
        return expand_days(value) or value
    return str(int(value)) if _SIMPLE.match(value) else value
