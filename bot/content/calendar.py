"""Trainings from ``content/trainings.yaml`` and from calendar files in ``content/calendar/``.

Many providers publish an ``.ics`` calendar; a steward can drop it in ``content/calendar/``
instead of retyping each session. Standard properties give the facts (SUMMARY, DESCRIPTION,
DTSTART/DTEND with TZID, RRULE, URL, LOCATION); what a calendar cannot say (where the facts
were checked, when, cost, regions) comes from ``X-PEER-CIRCLE-…`` lines, written once at the
top of the file for every event in it, or inside one event to override it there. Each event
is then validated by the same :class:`Training` model as the YAML, so the rules are one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from bot.config import check_timezone
from bot.content.problems import ContentError, Problem
from bot.content.schema.base import duplicate_ids
from bot.content.schema.common import Format
from bot.content.schema.trainings import Training, TrainingsFile
from bot.content.yamlfile import load_yaml_model

if TYPE_CHECKING:
    import icalendar

PREFIX = "X-PEER-CIRCLE-"
# Training field -> the X- property that sets it (lists are comma-separated).
EXTRA = {
    "id": "ID",
    "provider": "PROVIDER",
    "cost": "COST",
    "cost_note": "COST-NOTE",
    "formats": "FORMATS",
    "regions": "REGIONS",
    "topics": "TOPICS",
    "registration_deadline": "DEADLINE",
    "certification": "CERTIFICATION",
    "source": "SOURCE",
    "verified": "VERIFIED",
}
LISTS = {"formats", "regions", "topics"}
# Training field -> the property a steward would look for in the file.
SHOWN = {
    "title": "SUMMARY",
    "summary": "DESCRIPTION",
    "starts": "DTSTART",
    "timezone": "DTSTART (TZID)",
    "duration_minutes": "DTEND",
    "rrule": "RRULE",
    "url": "URL",
    "location": "LOCATION",
    **{name: PREFIX + prop for name, prop in EXTRA.items()},
}
_ONLINE = re.compile(r"^https?://|\b(online|zoom|teams|virtual|webinar)\b", re.IGNORECASE)


def load_trainings(directory: Path) -> TrainingsFile:
    """Every training: the YAML file, then each calendar file in name order."""
    problems: list[Problem] = []
    trainings: list[Training] = []
    try:
        trainings += load_yaml_model(
            directory / "trainings.yaml", TrainingsFile, shown_as="trainings.yaml"
        ).trainings
    except ContentError as exc:
        problems += exc.problems
    origin = {t.id: "trainings.yaml" for t in trainings}
    for path in sorted((directory / "calendar").glob("*.ics")):
        shown = f"calendar/{path.name}"
        found, trouble = read_ics(path, shown)
        problems += trouble
        for training in found:
            if training.id in origin:
                problems.append(
                    Problem(
                        shown,
                        f"the id '{training.id}' is already used in {origin[training.id]};"
                        f" set {PREFIX}ID to a different one",
                        entry=f'"{training.title}"',
                        field=PREFIX + "ID",
                    )
                )
                continue
            origin[training.id] = shown
            trainings.append(training)
    if problems:
        raise ContentError(problems)
    return TrainingsFile.model_construct(trainings=trainings)


def read_ics(path: Path, shown: str) -> tuple[list[Training], list[Problem]]:
    """The events of one calendar file as trainings, and a problem for each that is not."""
    import icalendar  # here: a tenth of a second of every start, and most folders have none

    try:
        text = path.read_text("utf-8")
        calendar = icalendar.Calendar.from_ical(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return [], [Problem(shown, f"is not a calendar file that can be read ({exc})")]
    if calendar.name != "VCALENDAR":
        return [], [Problem(shown, "does not start with BEGIN:VCALENDAR")]
    defaults = _extras(calendar)
    default_provider = str(calendar.get("X-WR-CALNAME", "")).strip() or None
    zone = (
        str(calendar.get("X-WR-TIMEZONE", "")).strip()
        or Training.model_fields["timezone"].get_default()
    )
    try:
        check_timezone(zone)
    except ValueError as exc:
        return [], [Problem(shown, f"X-WR-TIMEZONE: {exc}")]
    lines = [n + 1 for n, ln in enumerate(text.splitlines()) if ln.strip() == "BEGIN:VEVENT"]
    events = list(calendar.walk("VEVENT"))
    trainings: list[Training] = []
    problems: list[Problem] = []
    for n, event in enumerate(events):
        line = lines[n] if n < len(lines) else None
        label = f'event {n + 1} "{str(event.get("SUMMARY", "")).strip() or "(no SUMMARY)"}"'
        if event.get("RECURRENCE-ID") is not None:
            continue  # a changed single date of a repeating event: the series is listed
        data, trouble = _event_data(event, defaults, default_provider, zone)
        problems += [Problem(shown, msg, line, label, field) for field, msg in trouble]
        if trouble:
            continue
        try:
            trainings.append(Training.model_validate(data))
        except ValidationError as exc:
            for err in exc.errors():
                name = str(err["loc"][0]) if err["loc"] else ""
                message = str(err["msg"]).removeprefix("Value error, ")
                problems.append(Problem(shown, message, line, label, SHOWN.get(name, name)))
    ids = [t.id for t in trainings]
    for (_, i, _), message in duplicate_ids("events", ids, "events"):
        assert isinstance(i, int)
        problems.append(Problem(shown, message, None, f'"{trainings[i].title}"', PREFIX + "ID"))
    return trainings, problems


def _extras(component: icalendar.cal.Component) -> dict[str, Any]:
    """The X-PEER-CIRCLE- properties of a calendar or an event, as Training fields."""
    found: dict[str, Any] = {}
    for name, prop in EXTRA.items():
        value = component.get(PREFIX + prop)
        if value is None:
            continue
        text = str(value).strip()
        if name in LISTS:
            found[name] = [part.strip() for part in text.split(",") if part.strip()]
        elif name == "certification":
            found[name] = text.lower() in {"yes", "true", "1"}
        else:
            found[name] = text
    return found


def _event_data(
    event: icalendar.cal.Component,
    defaults: Mapping[str, Any],
    provider: str | None,
    zone: str,
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A Training's fields from one event; or what is missing or unreadable, by property."""
    trouble: list[tuple[str, str]] = [
        (prop, f"cannot be read ({why})") for prop, why in getattr(event, "errors", [])
    ]
    if trouble:
        return {}, trouble
    data: dict[str, Any] = {**defaults, **_extras(event)}
    title = str(event.get("SUMMARY", "")).strip()
    description = " ".join(str(event.get("DESCRIPTION", "")).split())
    for prop, value in (("SUMMARY", title), ("DESCRIPTION", description)):
        if not value:
            trouble.append((prop, "is missing; every session needs it"))
    for field in ("source", "verified", "cost", "regions"):
        if field not in data:
            trouble.append(
                (PREFIX + EXTRA[field], "is missing: add it at the top of the file or here")
            )
    start: Any = event.get("DTSTART")
    if start is None:
        trouble.append(("DTSTART", "is missing; when does it start?"))
    if trouble:
        return {}, trouble
    data["title"] = title
    data["summary"] = _shorten(description, 300)
    data.setdefault("provider", provider or _organizer(event) or title)
    data.setdefault("id", _slug(title))
    if event.get("URL") is not None:
        data["url"] = str(event["URL"]).strip()
    location = " ".join(str(event.get("LOCATION", "")).split())
    if location:
        data["location"] = location[:160]
        data.setdefault(
            "formats",
            [Format.ONLINE.value if _ONLINE.search(location) else Format.IN_PERSON.value],
        )
    starts, timezone, problem = _local_start(start, zone)
    if problem:
        return {}, [("DTSTART", problem)]
    data["starts"], data["timezone"] = starts, timezone
    end: Any = event.get("DTEND")
    length: Any = event.get("DURATION")
    if end is not None and isinstance(end.dt, datetime) and isinstance(start.dt, datetime):
        data["duration_minutes"] = int((end.dt - start.dt).total_seconds() // 60)
    elif length is not None and isinstance(length.dt, timedelta):
        data["duration_minutes"] = int(length.dt.total_seconds() // 60)
    if event.get("RRULE") is not None:
        data["rrule"] = _local_rule(event["RRULE"], timezone)
    return data, []


def _local_start(start: Any, zone: str) -> tuple[datetime | None, str, str | None]:
    """(local naive start, IANA timezone, problem). A floating or UTC time is read in the
    calendar's own zone (X-WR-TIMEZONE, else Vancouver); all-day events start at midnight."""
    moment = start.dt
    tzid = start.params.get("TZID")
    if isinstance(moment, date) and not isinstance(moment, datetime):
        return datetime.combine(moment, datetime.min.time()), zone, None
    if moment.tzinfo is None and tzid:
        try:
            return moment, check_timezone(str(tzid)), None
        except ValueError:
            return None, "", f"the timezone {tzid!r} is not one I know; use an IANA name"
    if moment.tzinfo is None:
        return moment, zone, None
    key = getattr(moment.tzinfo, "key", None)
    if key == "UTC" and tzid is None:
        try:
            local = moment.astimezone(ZoneInfo(zone))
        except (ValueError, KeyError):
            return None, "", f"X-WR-TIMEZONE {zone!r} is not a timezone; use an IANA name"
        return local.replace(tzinfo=None), zone, None
    if not key:
        return None, "", f"the timezone {tzid!r} is not one I know; use an IANA name"
    return moment.replace(tzinfo=None), str(key), None


def _local_rule(rule: Any, timezone: str) -> str:
    """The RRULE as text, with an UNTIL in UTC turned into local time like DTSTART."""
    parts = dict(rule)
    until = parts.get("UNTIL")
    if until and isinstance(until[0], datetime) and until[0].tzinfo is not None:
        local = until[0].astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
        parts["UNTIL"] = [local]
    import icalendar  # see read_ics

    text: bytes = icalendar.vRecur(parts).to_ical()  # type: ignore[no-untyped-call]
    return text.decode()


def _organizer(event: icalendar.cal.Component) -> str | None:
    organizer = event.get("ORGANIZER")
    name = organizer.params.get("CN") if organizer is not None else None
    return str(name) if name else None


def _slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))[:48].strip("-") or "event"


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",.;:") + "…"
