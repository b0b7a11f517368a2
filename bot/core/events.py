"""Platform-neutral incoming events: what an adapter hands to dispatch.

Adapters build these from Discord interactions, Telegram updates or console lines. Text a person
typed travels only inside these objects; nothing here is stored or logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.model import AccountRef, Platform
from bot.core.richtext import RichText


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
    #: Accounts the message points at natively, outside its text (Telegram: the author of the
    #: message it replies to, text mentions). They fill PERSON options not given in ``raw``.
    mentioned: tuple[AccountRef, ...] = ()
    #: The message the command was sent as a reply to, if any (``/delete``).
    reply_to: str | None = None


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


@dataclass(frozen=True, slots=True)
class SpaceEvent:
    """Something an account did where peer spaces live. ``chat_id`` is the group or channel;
    on platforms where access is held server-wide (Discord's peer role), joining and leaving
    name the server instead. Never carries what anyone wrote."""

    chat_id: str
    account: AccountRef

    @property
    def platform(self) -> Platform:
        return self.account.platform


@dataclass(frozen=True, slots=True)
class MemberJoined(SpaceEvent):
    """An account joined a group or server."""


@dataclass(frozen=True, slots=True)
class MemberLeft(SpaceEvent):
    """An account left, or was taken out of, a group or server."""


@dataclass(frozen=True, slots=True)
class JoinRequested(SpaceEvent):
    """An account asked to join a group that approves new members."""


@dataclass(frozen=True, slots=True)
class MemberPosted(SpaceEvent):
    """An account posted in a group or channel: only who and where, never the text."""

    message_id: str | None = None


# -- messages people post (relayed by bot/relay; never stored, never logged) ---------------------


@dataclass(frozen=True, slots=True)
class MediaRef:
    """A file on a message, named the way its platform can fetch it again (a Telegram file id,
    a Discord attachment URL). Only the reference travels; the bytes are fetched when relayed
    and held only until delivered. ``kind`` is photo, file, voice, video, animation or sticker."""

    kind: str
    ref: str
    filename: str
    size: int | None = None
    mime_type: str = ""


@dataclass(frozen=True, slots=True)
class MessageEvent:
    """Something that happened to a message in a chat the bot can see."""

    conversation: Conversation


@dataclass(frozen=True, slots=True)
class MessagePosted(MessageEvent):
    """Someone posted a message that is not a command. ``reply_to`` is the platform id of the
    message it answers; ``at`` is when the platform says it was posted (catch-up keeps order
    and age by it)."""

    actor: Actor
    message_id: str
    text: RichText
    reply_to: str | None = None
    media: tuple[MediaRef, ...] = ()
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class MessageEdited(MessageEvent):
    """Someone changed a message they posted earlier (its whole new text)."""

    actor: Actor
    message_id: str
    text: RichText


@dataclass(frozen=True, slots=True)
class MessagesDeleted(MessageEvent):
    """Messages were deleted (one, or a bulk deletion). Platforms that never tell bots about
    deletions (Telegram) do not emit this; ``/delete`` covers them. ``actor`` is whose
    private chat it was, when it was one (the relay addresses private chats by person)."""

    message_ids: tuple[str, ...]
    actor: Actor | None = None
