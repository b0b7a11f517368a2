"""One persistent outbox for everything the bot sends, with per-destination rate limits."""

from bot.outbox.delivery import (
    Deliverer,
    DeliveryReport,
    PermanentFailure,
    RetryLater,
    TransientFailure,
)
from bot.outbox.engine import Outbox
from bot.outbox.limits import Limit
from bot.outbox.message import Button, Destination, Op, OutgoingMessage
from bot.outbox.parts import delivered_parts, paced
from bot.outbox.progress import Progress

__all__ = [
    "Button",
    "Deliverer",
    "DeliveryReport",
    "Destination",
    "Limit",
    "Op",
    "Outbox",
    "OutgoingMessage",
    "PermanentFailure",
    "Progress",
    "RetryLater",
    "TransientFailure",
    "delivered_parts",
    "paced",
]
