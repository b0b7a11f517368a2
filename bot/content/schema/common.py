"""Vocabulary shared by resources, trainings and opportunities."""

from __future__ import annotations

from enum import StrEnum


class Region(StrEnum):
    """Where something is available. ``bc`` is province-wide, ``canada`` Canada-wide,
    ``international`` run from outside Canada (online, open to anyone): a US or UK group is
    not a Canadian one, and its rules (certification, law, pay) may not apply here."""

    LOWER_MAINLAND = "lower-mainland"
    FRASER_VALLEY = "fraser-valley"
    VANCOUVER_ISLAND = "vancouver-island"
    INTERIOR = "interior"
    NORTHERN_BC = "northern-bc"
    BC = "bc"
    CANADA = "canada"
    INTERNATIONAL = "international"


class Cost(StrEnum):
    FREE = "free"
    LOW_COST = "low-cost"
    PAID = "paid"
    VARIES = "varies"


class Format(StrEnum):
    ONLINE = "online"
    PHONE = "phone"
    TEXT = "text"
    IN_PERSON = "in-person"
    APP = "app"
    GUIDE = "guide"  # a document, toolkit or report to read
    SELF_PACED = "self-paced"
