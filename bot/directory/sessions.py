"""Sessions of the training calendar: each training's dates in a window, and a calendar file.

A repeating training (RRULE) repeats in its own wall-clock time, so a Tuesday 10:00 session
stays at 10:00 in Vancouver across the change to daylight time; each date is then a real
moment that every reader sees in their own timezone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rruleset, rrulestr

from bot.content.schema.trainings import Training
from bot.core import markup
from bot.core.dates import local_moment
from bot.directory.words import matches

DEFAULT_LENGTH = timedelta(hours=1)  # for a session whose length the calendar does not give


@dataclass(frozen=True, slots=True)
class Session:
    """One date of a training, or the training itself when it is self-paced (``starts``
    is None: any time)."""

    training: Training
    starts: datetime | None = None

    @property
    def ends(self) -> datetime | None:
        if self.starts is None:
            return None
        minutes = self.training.duration_minutes
        return self.starts + (timedelta(minutes=minutes) if minutes else DEFAULT_LENGTH)


def time_tag(moment: datetime, timezone: str) -> str:
    """A moment as a time tag: Discord shows it in each reader's own zone; elsewhere the
    fallback is written in ``timezone`` (the reader's), with the zone's short name."""
    return markup.time_tag(int(moment.timestamp()), local_moment(moment, timezone))


def dates(training: Training, after: datetime, before: datetime) -> list[datetime]:
    """Start moments of ``training`` from ``after`` (inclusive) until ``before``."""
    if training.starts is None:
        return []
    zone = ZoneInfo(training.timezone)
    if not training.rrule:
        moment = training.starts.replace(tzinfo=zone)
        return [moment] if after <= moment < before else []
    rule: rrule | rruleset = rrulestr(training.rrule, dtstart=training.starts)
    # The rule runs on naive wall-clock time; widen the window by a day for the offset.
    low = after.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
    high = before.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
    found = (d.replace(tzinfo=zone) for d in rule.between(low, high, inc=True))
    return [d for d in found if after <= d < before]


def next_date(training: Training, after: datetime, horizon: timedelta) -> datetime | None:
    found = dates(training, after, after + horizon)
    return found[0] if found else None


def upcoming(
    trainings: Iterable[Training], now: datetime, days: int, today: date | None = None
) -> list[Session]:
    """Dated sessions in the next ``days`` days, soonest first, then the undated ones: those
    you can start any time, then those the provider runs on request, each by title. A
    training whose registration deadline has passed (``today``, where it is) drops out."""
    dated: list[Session] = []
    anytime: list[Session] = []
    for training in trainings:
        local_today = today or now.astimezone(ZoneInfo(training.timezone)).date()
        if training.registration_deadline and training.registration_deadline < local_today:
            continue
        if training.starts is None:
            anytime.append(Session(training))
            continue
        dated += [Session(training, d) for d in dates(training, now, now + timedelta(days=days))]
    dated.sort(key=lambda s: (s.starts, s.training.title))
    anytime.sort(key=lambda s: (s.training.kind != "any-time", s.training.title.casefold()))
    return dated + anytime


def about(training: Training) -> str:
    """The words a training is found by."""
    return " ".join(
        [training.title, training.summary, training.provider, *training.topics, training.id]
    )


def select(
    sessions: Sequence[Session],
    words: Sequence[str],
    *,
    free: bool = False,
    online: bool = False,
    regions: Sequence[str] = (),
) -> list[Session]:
    """Sessions matching every word (as a prefix, or nearly spelt) and every filter."""
    chosen = []
    for s in sessions:
        t = s.training
        if free and t.cost.value != "free":
            continue
        if online and not any(f.value in ("online", "self-paced") for f in t.formats):
            continue
        if regions and not any(r.value in regions for r in t.regions):
            continue
        if words and not matches(words, about(t)):
            continue
        chosen.append(s)
    return chosen


def calendar_file(sessions: Iterable[Session], stamp: datetime, name: str) -> bytes:
    """An .ics file of the dated sessions, each date its own event, with VTIMEZONEs."""
    import icalendar  # here: only this file needs it, not every start

    cal = icalendar.Calendar()
    cal.add("prodid", "-//Peer Circle//Training calendar//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    for s in sessions:
        if s.starts is None:
            continue
        t = s.training
        event = icalendar.Event()
        event.add("uid", f"{t.id}-{s.starts.astimezone(ZoneInfo('UTC')):%Y%m%dT%H%M}@peer-circle")
        event.add("dtstamp", stamp)
        event.add("dtstart", s.starts)
        event.add("dtend", s.ends)
        event.add("summary", t.title)
        event.add("description", f"{t.summary}\n{t.provider} · {t.cost.value}")
        if t.url:
            event.add("url", str(t.url))
        if t.location:
            event.add("location", t.location)
        cal.add_component(event)
    cal.add_missing_timezones()
    data: bytes = cal.to_ical()
    return data
