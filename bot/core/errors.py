"""Errors that become plain answers, and the short codes people see when something breaks.

A :class:`UserFacingError` carries a message written for the person: dispatch sends it as the
reply. Anything else is a bug: it is logged without message text under a short code that the
person also sees, so a steward can find the log line without anyone sharing what they wrote.
"""

from __future__ import annotations

import secrets
import traceback
from collections.abc import Callable, Mapping


class UserFacingError(Exception):
    """Raised by handlers and parsers with a warm, plain message for the person: either the
    message itself, or (from code that has no Context, such as parsers) a key into
    ``content/texts/`` with its placeholders, rendered by dispatch."""

    def __init__(
        self, message: str = "", *, key: str | None = None, values: Mapping[str, object] = {}
    ) -> None:
        super().__init__(key or message)
        self.message = message
        self.key = key
        self.values = dict(values)

    @classmethod
    def about(cls, key: str, **values: object) -> UserFacingError:
        """An error worded by ``content/texts/`` (``key`` like ``"selfcare.when_no_time"``)."""
        return cls(key=key, values=values)

    def render(self, text: Callable[..., str]) -> str:
        """The words the person sees, given ``ctx.text`` (or a :class:`Texts`)."""
        return text(self.key, **self.values) if self.key else self.message


class SettingsError(Exception):
    """A setting that stops start-up: ``str()`` is one plain line naming the setting."""


def incident_code() -> str:
    """A short code to match what a person saw with one log line."""
    return secrets.token_hex(3)


def describe_without_text(exc: BaseException) -> str:
    """A traceback that names the exception type and where it happened, but leaves out its
    message: messages can quote what a person typed, and logs must never hold that."""
    frames = traceback.extract_tb(exc.__traceback__)
    lines = [f"{type(exc).__module__}.{type(exc).__qualname__}"]
    lines += [f'  File "{f.filename}", line {f.lineno}, in {f.name}' for f in frames]
    cause = exc.__cause__ or exc.__context__
    if cause is not None and cause is not exc:
        lines.append("caused by " + describe_without_text(cause))
    return "\n".join(lines)
