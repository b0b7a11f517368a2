"""What a handler is given: a frozen context of services, and the request it is answering.

Handlers get everything they use from here, explicitly: no globals, no injection by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.core.errors import UserFacingError
from bot.core.events import Actor, Conversation
from bot.core.model import Person, Platform

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.config import Settings
    from bot.content.store import ContentStore
    from bot.core.commands import Registry
    from bot.messenger import Messenger
    from bot.outbox import Outbox
    from bot.platforms.base import PlatformAdapter
    from bot.relay import Relay
    from bot.scheduler import Scheduler
    from bot.storage.personal import PersonalData
    from bot.storage.repository import Repository
    from bot.storage.schedules import ScheduleRow


@dataclass(frozen=True, slots=True)
class Caller:
    """The person (or not-yet-member) a request comes from, and where."""

    actor: Actor
    conversation: Conversation
    person: Person | None


@dataclass(frozen=True, slots=True)
class Request:
    """One thing to answer: a command (``args`` are its typed options), a button press
    (``args`` is the button's payload) or a scheduled job (``schedule`` is set, no caller)."""

    caller: Caller | None
    args: Mapping[str, Any] = field(default_factory=dict)
    command: str | None = None
    message_id: str | None = None
    schedule: ScheduleRow | None = None
    #: The message a command answered as a reply (Telegram, console), e.g. for ``/delete``.
    replied: str | None = None

    @property
    def person(self) -> Person:
        """The calling member; dispatch has already checked access for member commands."""
        if self.caller is None or self.caller.person is None:
            raise UserFacingError("This is for members of the network.")
        return self.caller.person

    @property
    def maybe_person(self) -> Person | None:
        return None if self.caller is None else self.caller.person


@dataclass(frozen=True, slots=True)
class Context:
    """The services every handler may use. Built once at start-up."""

    settings: Settings
    clock: Clock
    repo: Repository
    content: ContentStore
    scheduler: Scheduler
    outbox: Outbox
    messenger: Messenger
    registry: Registry
    personal_data: tuple[PersonalData, ...]
    platforms: dict[Platform, PlatformAdapter] = field(default_factory=dict)
    #: The relay engine (bridged spaces, debrief rooms); set by the service at start-up.
    relay: Relay | None = None

    def text(self, key: str, **values: object) -> str:
        """Wording from ``content/texts/``; see :class:`bot.content.texts.Texts`."""
        from bot.content.sources import TEXTS

        return self.content[TEXTS](key, **values)

    def timezone_of(self, person: Person | None) -> str:
        return (person.timezone if person else None) or self.settings.default_timezone
