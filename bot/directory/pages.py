"""Result lists kept in memory for a "more" button.

The button carries only a random key, so what someone searched for is never written to the
database (button payloads are stored). Lists live with the content version they index: after
a reload or a restart an old "more" button asks the person to search again.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class Pages(Generic[T]):
    def __init__(self, keep: int = 1000) -> None:
        self._lists: OrderedDict[str, tuple[T, ...]] = OrderedDict()
        self._keep = keep

    def remember(self, items: Sequence[T]) -> str:
        key = secrets.token_urlsafe(6)
        self._lists[key] = tuple(items)
        while len(self._lists) > self._keep:
            self._lists.popitem(last=False)
        return key

    def recall(self, key: str) -> tuple[T, ...] | None:
        found = self._lists.get(key)
        if found is not None:
            self._lists.move_to_end(key)
        return found
