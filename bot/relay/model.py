"""What the relay engine works with: endpoints, conversations, message references and the
policy through which each kind of conversation decides what is its own business."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.core.events import Actor, Conversation
from bot.core.model import Platform
from bot.outbox.message import Destination, DestinationKind


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One place a conversation lives: a group or channel (``chat``), or a person's private
    chat with the bot (``user``, named by their account id, since a Discord DM channel has an
    id of its own that the adapter finds)."""

    platform: Platform
    kind: DestinationKind
    id: str

    @property
    def destination(self) -> Destination:
        return Destination(self.platform, self.kind, self.id)

    def __str__(self) -> str:
        return str(self.destination)

    @classmethod
    def parse(cls, text: str) -> Endpoint:
        d = Destination.parse(text)
        return cls(d.platform, d.kind, d.id)

    @classmethod
    def where(cls, conversation: Conversation, actor: Actor | None = None) -> Endpoint:
        """The endpoint an event happened in: the chat, or for a private chat its person."""
        if conversation.is_private and actor is not None:
            return cls(conversation.platform, "user", actor.account.user_id)
        return cls(conversation.platform, "chat", conversation.chat_id)


@dataclass(frozen=True, slots=True)
class MessageRef:
    """One message on one endpoint."""

    endpoint: Endpoint
    message_id: str

    def __str__(self) -> str:
        return f"{self.endpoint}:{self.message_id}"

    @classmethod
    def parse(cls, text: str) -> MessageRef:
        where, _, message_id = text.rpartition(":")
        return cls(Endpoint.parse(where), message_id)


@dataclass(frozen=True, slots=True)
class Copy:
    """A relayed copy: ``item`` 0 is the text, 1… each attachment; ``parts`` are the ids of a
    text split into several messages, in order."""

    endpoint: Endpoint
    item: int
    parts: tuple[str, ...]
    shared: bool = False  # merged with other relayed messages into one platform message


@dataclass(frozen=True, slots=True)
class Group:
    """An original message and every copy of it the relay made."""

    conversation: str
    source: MessageRef
    person_id: int | None
    copies: tuple[Copy, ...]

    def on(self, endpoint: Endpoint, item: int = 0) -> Copy | None:
        return next((c for c in self.copies if c.endpoint == endpoint and c.item == item), None)

    def ids_on(self, endpoint: Endpoint) -> list[str]:
        """Every message id this group has on an endpoint (the source's, or every copy part)."""
        if endpoint == self.source.endpoint:
            return [self.source.message_id]
        return [p for c in self.copies if c.endpoint == endpoint for p in c.parts]


@dataclass(frozen=True, slots=True)
class Shown:
    """How an author appears on one endpoint."""

    name: str
    avatar_url: str | None = None


@dataclass(frozen=True, slots=True)
class Failure:
    """A message the platform refused for good (kept in memory, for /status)."""

    at: datetime
    endpoint: Endpoint
    reason: str


class Policy(Protocol):
    """What a kind of conversation decides; the engine does everything else."""

    #: True: nothing of it touches disk (outbox messages in memory, the id map in memory).
    @property
    def ephemeral(self) -> bool: ...

    async def admit(
        self, conversation: RelayConversation, source: Endpoint, actor: Actor
    ) -> int | None:
        """The author's person id if what ``actor`` posts at ``source`` may cross; None and
        nothing of it is relayed."""
        ...

    async def shown(
        self, conversation: RelayConversation, person_id: int, actor: Actor, target: Endpoint
    ) -> Shown:
        """The name (and avatar) ``target`` sees for this author."""
        ...

    async def refused(
        self, conversation: RelayConversation, person_id: int | None, target: Endpoint, reason: str
    ) -> None:
        """A copy could not be delivered for good: tell the author (never quote the text)."""
        ...

    async def too_large(
        self,
        conversation: RelayConversation,
        person_id: int,
        target: Endpoint,
        filename: str,
        size: int | None,
    ) -> str:
        """A file was over ``target``'s limit: tell the author privately that it did not
        cross, and return the short note the others see in its place."""
        ...


@dataclass(slots=True)
class RelayConversation:
    """A set of endpoints that are one conversation. ``key`` is unique and has no colon
    (``bridge-3``, ``debrief-k2f9``)."""

    key: str
    endpoints: list[Endpoint]
    policy: Policy
    failures: list[Failure] = field(default_factory=list)

    def others(self, source: Endpoint) -> Sequence[Endpoint]:
        return [e for e in self.endpoints if e != source]
