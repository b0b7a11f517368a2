"""What every platform adapter provides to the service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from bot.core.spaces import SpaceControl
from bot.outbox.delivery import Deliverer
from bot.relay.ports import RelayPort

if TYPE_CHECKING:
    from bot.core.dispatch import Dispatcher


class PlatformAdapter(Deliverer, Protocol):
    """An adapter is a deliverer for the outbox plus a life cycle. ``start`` connects and begins
    feeding events to the dispatcher; it returns once the adapter is running. ``spaces`` is
    what it does for peer spaces (see :mod:`bot.core.spaces`)."""

    @property
    def spaces(self) -> SpaceControl: ...

    #: What it offers the relay (media, history, reconnecting), if it relays at all.
    @property
    def relay(self) -> RelayPort | None: ...

    async def start(self, dispatcher: Dispatcher) -> None: ...

    async def stop(self) -> None: ...
