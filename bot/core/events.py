"""Platform-neutral incoming events: what an adapter hands to dispatch.

Adapters build these from Discord interactions, Telegram updates or console lines. Text a person
typed travels only inside these objects; nothing here is stored or logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core.model import AccountRef, Platform


@dataclass(frozen=True, slots=True)
class Conversation:
    """Where an event happened: a private chat with the bot, or a group/channel (a space)."""

    platform: Platform
    chat_id: str
    is_private: bool


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did it. ``display_name`` is for showing, never for storing."""

    account: AccountRef
    display_name: str = ""


@dataclass(frozen=True, slots=True)
class CommandEvent:
    """A command. ``raw`` is the text after the command (Telegram, console);
    ``options`` are already-typed values (Discord slash commands). One of them is set."""

    actor: Actor
    conversation: Conversation
    name: str
    raw: str | None = None
    options: Mapping[str, object] | None = None
    subcommand: str | None = None


@dataclass(frozen=True, slots=True)
class ButtonEvent:
    """A button press carrying the opaque token minted when the button was sent."""

    actor: Actor
    conversation: Conversation
    token: str
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class AutocompleteEvent:
    """A person typing an option value (Discord autocomplete)."""

    actor: Actor
    conversation: Conversation
    name: str
    option: str
    partial: str
    subcommand: str | None = None
    filled: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TextEvent:
    """A plain message that is not a command (for prompts that wait for a typed answer)."""

    actor: Actor
    conversation: Conversation
    text: str
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class ChatMoved:
    """A group changed its id on the platform (Telegram turns a group into a supergroup with a
    new chat id). Adapters keep delivering to the new id; features that stored the old id
    update it when told through :meth:`Router.on_chat_moved`."""

    platform: Platform
    old_chat_id: str
    new_chat_id: str
