"""The relay engine: conversations made of endpoints, and what crosses between them.

One engine serves every kind of relayed conversation: a bridged peer space (a Discord channel
and Telegram groups as one conversation, its message map on disk) and a debrief room
(participants' private chats, everything in memory only). A conversation's :class:`Policy`
decides who may speak and under which name; the engine maps ids, replies, edits, deletions and
media between the endpoints and sends everything through the one outbox.
"""

from bot.relay.engine import Relay
from bot.relay.maps import MemoryMap, MessageMap
from bot.relay.model import (
    Copy,
    Endpoint,
    Failure,
    Group,
    MessageRef,
    Policy,
    RelayConversation,
    Shown,
)
from bot.relay.ports import Fetched, MediaPort, Need, RelayPort

__all__ = [
    "Copy",
    "Endpoint",
    "Failure",
    "Fetched",
    "Group",
    "MediaPort",
    "MemoryMap",
    "MessageMap",
    "MessageRef",
    "Need",
    "Policy",
    "Relay",
    "RelayConversation",
    "RelayPort",
    "Shown",
]
