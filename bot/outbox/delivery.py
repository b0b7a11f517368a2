"""The contract between the outbox and a platform adapter.

An adapter's ``deliver`` returns the platform's ids for what it sent, or raises one of three
exceptions that tell the outbox what to do next. Adapters map their library's errors to these;
the outbox never sees discord or telegram types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from bot.core.model import Platform
from bot.outbox.limits import Limit
from bot.outbox.message import Destination, OutgoingMessage


class RetryLater(Exception):
    """The platform said slow down (429). ``scope='platform'`` pauses every destination."""

    def __init__(
        self, retry_after: float, scope: Literal["destination", "platform"] = "destination"
    ) -> None:
        super().__init__(f"retry after {retry_after:.2f}s ({scope})")
        self.retry_after = retry_after
        self.scope = scope


class TransientFailure(Exception):
    """A 5xx, a timeout or a dropped connection: try again with backoff."""


class PermanentFailure(Exception):
    """It will never work (blocked the bot, chat gone): mark failed with this reason.
    ``unreachable``: the person cannot be written to privately (they never opened a private
    chat with the bot, closed their messages, or blocked it), which a sender may tell the one
    who asked, in the same words on every platform."""

    def __init__(self, reason: str, *, unreachable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unreachable = unreachable


class Deliverer(Protocol):
    """What a platform adapter offers the outbox."""

    @property
    def platform(self) -> Platform: ...

    #: Longest message text, in rendered characters, before the adapter splits it.
    @property
    def max_text(self) -> int: ...

    #: Limit across every destination of this platform (per bot), or None.
    @property
    def global_limit(self) -> Limit | None: ...

    # Optional: ``max_in_flight: int``, the most deliveries the adapter's HTTP client runs at
    # once (its connection pool); the outbox never starts more, so none waits for a connection.

    def limit_for(self, destination: Destination) -> Limit | None:
        """The platform's limit for one destination (private chat, group, channel)."""
        ...

    async def deliver(self, destination: Destination, message: OutgoingMessage) -> list[str]:
        """Send, edit or delete; return the platform's message ids."""
        ...


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What happened to one queued message, for the code that sent it."""

    outbox_id: int
    destination: Destination
    origin: str | None
    person_id: int | None
    delivered: bool
    message_ids: tuple[str, ...] = ()
    error: str | None = None
    #: The person cannot be written to privately (see :class:`PermanentFailure`).
    unreachable: bool = False
