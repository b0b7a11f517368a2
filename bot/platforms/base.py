"""What every platform adapter provides to the service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from bot.core.spaces import SpaceControl
from bot.outbox.delivery import Deliverer

if TYPE_CHECKING:
    from bot.core.dispatch import Dispatcher


class PlatformAdapter(Deliverer, Protocol):
    """An adapter is a deliverer for the outbox plus a life cycle. ``start`` connects and begins
    feeding events to the dispatcher; it returns once the adapter is running. ``spaces`` is
    what it does for peer spaces (see :mod:`bot.core.spaces`)."""

    @property
    def spaces(self) -> SpaceControl: ...

    async def start(self, dispatcher: Dispatcher) -> None: ...

    async def stop(self) -> None: ...
