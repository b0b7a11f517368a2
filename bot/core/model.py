"""Who people are to the bot: a person, the platform accounts they use, and their roles.

A person is one human across platforms; an account is how one platform knows them. Roles are a
set, not a ladder: a steward need not be a mentor. Every member holds the peer role; removing
membership removes every role.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum


class Platform(StrEnum):
    """The chat platforms the bot can live on."""

    CONSOLE = "console"
    TELEGRAM = "telegram"
    DISCORD = "discord"


class Role(StrEnum):
    """Roles a member can hold. There is deliberately no manager or supervisor role."""

    PEER = "peer"
    MENTOR = "mentor"
    STEWARD = "steward"


@dataclass(frozen=True, slots=True)
class AccountRef:
    """One platform's id for one human, e.g. telegram:12345."""

    platform: Platform
    user_id: str

    def __str__(self) -> str:
        return f"{self.platform.value}:{self.user_id}"

    @classmethod
    def parse(cls, text: str) -> AccountRef:
        """Parse ``platform:id``; raises ValueError with a plain explanation."""
        platform, sep, user_id = text.strip().partition(":")
        if not sep or not user_id.strip():
            raise ValueError(f"'{text}' should look like telegram:12345 or discord:67890")
        try:
            kind = Platform(platform.strip().lower())
        except ValueError:
            raise ValueError(
                f"'{platform}' is not a platform; use telegram, discord or console"
            ) from None
        return cls(kind, user_id.strip())


@dataclass(frozen=True, slots=True)
class PersonRef:
    """Someone a command points at, before the core looks them up: one of their platform
    accounts (a Discord user option, a Telegram reply or text mention) or their member number
    (what ``/members`` shows; the bot stores no names to point with)."""

    account: AccountRef | None = None
    number: int | None = None

    def __post_init__(self) -> None:
        if (self.account is None) == (self.number is None):
            raise ValueError("a person is pointed at by an account or by a member number")


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily window, in the person's own timezone, when nothing scheduled reaches them."""

    start: time
    end: time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


@dataclass(frozen=True, slots=True)
class Person:
    """A person the bot holds something about. Only members and bootstrap stewards exist here."""

    id: int
    roles: frozenset[Role] = field(default_factory=frozenset)
    timezone: str | None = None
    quiet_hours: QuietHours | None = None
    #: ``/away until``: nothing scheduled reaches them before this moment (aware, UTC).
    away_until: datetime | None = None

    @property
    def is_member(self) -> bool:
        return Role.PEER in self.roles

    def has(self, role: Role) -> bool:
        return role in self.roles
