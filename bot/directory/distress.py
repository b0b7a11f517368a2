"""Recognising "I need support now" in a message, from the patterns in content/distress.yaml.

Rule 6: crisis lines come first whenever someone signals they need support now. Rule 2:
nothing about the message or the match is stored, logged or sent anywhere; this only answers
yes or no (and, for tests and the benchmark, which entry said yes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.content.schema.distress import DistressFile
from bot.directory.phrases import normalise

_LONGEST = 2000  # characters looked at: distress is said early, and a long paste stays cheap


@dataclass(frozen=True, slots=True)
class _Entry:
    id: str
    says: re.Pattern[str]
    unless: re.Pattern[str] | None


class Distress:
    """The compiled patterns of one loaded version of ``distress.yaml``."""

    def __init__(self, file: DistressFile) -> None:
        self.file = file
        self._entries = [_Entry(*entry) for entry in file.compiled()]

    def which(self, text: str) -> str | None:
        """The id of the first entry that recognises distress in ``text``, or None."""
        plain = normalise(text[:_LONGEST])
        for entry in self._entries:
            if entry.says.search(plain) and not (entry.unless and entry.unless.search(plain)):
                return entry.id
        return None

    def recognises(self, text: str) -> bool:
        return self.which(text) is not None
