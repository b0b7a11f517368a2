"""How times are stored: ISO 8601 text in UTC, so they sort and read the same everywhere."""

from __future__ import annotations

from datetime import UTC, datetime


def to_db(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored; attach a timezone")
    return moment.astimezone(UTC).isoformat()


def from_db(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
