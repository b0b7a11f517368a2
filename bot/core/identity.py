"""What was worked out from an object, kept by that very object (its identity), for a while.

Why: a burst of due prompts hands the same few reply and message objects to thousands of
people, batch after batch; what each gives (its buttons' tokens and rendering, its stored
text) is worked out once. Kept by identity, not equality: only the very same object is known,
so nothing made for one object is ever given for another that merely looks alike, and an
object is held while kept, so its id cannot be reused meanwhile. Bounded simply: once
``most`` are kept, they are all let go (a burst's few come back at once).
"""

from __future__ import annotations

from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class KeptByIdentity(Generic[K, V]):
    def __init__(self, most: int) -> None:
        self._most = most
        self._kept: dict[int, tuple[K, V]] = {}

    def get(self, key: K) -> V | None:
        """What was kept for this very object, or None."""
        known = self._kept.get(id(key))
        return known[1] if known is not None and known[0] is key else None

    def keep(self, key: K, value: V) -> None:
        if len(self._kept) >= self._most:
            self._kept.clear()
        self._kept[id(key)] = (key, value)
