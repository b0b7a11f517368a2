"""Message maps: which copies the relay made of which original.

Only ids are held, never text. A bridged space's map is on disk (``bot/storage/relay.py``), so
replies, edits and deletions keep working after a restart for 30 days; a debrief room's map is
:class:`MemoryMap`, gone when the room closes or the process stops.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from bot.relay.model import Copy, Endpoint, Group, MessageRef


class MessageMap(Protocol):
    async def known(self, ref: MessageRef) -> bool:
        """Whether this message was relayed already, or is a copy the relay made."""
        ...

    async def add_source(
        self, conversation: str, source: MessageRef, person_id: int | None, at: datetime
    ) -> bool:
        """Record an original about to be relayed; False if it was already (a duplicate)."""
        ...

    async def add_copy(
        self, conversation: str, source: MessageRef, copy: Copy, at: datetime, first: bool = False
    ) -> None:
        """Record the copy of ``source`` on ``copy.endpoint`` for ``copy.item``, replacing
        the one recorded before (``first``: its first delivery, nothing to replace)."""
        ...

    async def groups_of(self, ref: MessageRef) -> list[Group]:
        """The originals ``ref`` is, or is a copy of (several if it is a merged copy)."""
        ...

    async def forget(self, source: MessageRef) -> None: ...

    async def last_id(self, endpoint: Endpoint, before: datetime) -> str | None:
        """The newest message id relayed from or to an endpoint, among those mapped before
        ``before`` (catch-up starts after it: copies made since may be newer than what was
        missed)."""
        ...

    async def groups_in(self, conversation: str) -> list[Group]: ...

    async def drop(self, conversation: str) -> None: ...


class MemoryMap:
    """A map that lives in memory only (debrief rooms: nothing of a room touches disk)."""

    def __init__(self) -> None:
        self._groups: dict[MessageRef, Group] = {}
        self._index: dict[MessageRef, set[MessageRef]] = {}
        self._when: dict[MessageRef, datetime] = {}

    async def known(self, ref: MessageRef) -> bool:
        return ref in self._index

    async def add_source(
        self, conversation: str, source: MessageRef, person_id: int | None, at: datetime
    ) -> bool:
        if source in self._index:
            return False
        self._groups[source] = Group(conversation, source, person_id, ())
        self._index[source] = {source}
        self._when[source] = at
        return True

    async def add_copy(
        self, conversation: str, source: MessageRef, copy: Copy, at: datetime, first: bool = False
    ) -> None:
        group = self._groups.get(source)
        if group is None:
            return  # forgotten meanwhile (deleted, or the room closed)
        old = group.on(copy.endpoint, copy.item)
        kept = tuple(c for c in group.copies if c is not old)
        if old is not None:
            for part in old.parts:
                self._unindex(MessageRef(old.endpoint, part), source)
        self._groups[source] = replace(group, copies=(*kept, copy))
        for part in copy.parts:
            self._index.setdefault(MessageRef(copy.endpoint, part), set()).add(source)
            self._when[MessageRef(copy.endpoint, part)] = at

    async def groups_of(self, ref: MessageRef) -> list[Group]:
        return [self._groups[s] for s in self._index.get(ref, ()) if s in self._groups]

    async def forget(self, source: MessageRef) -> None:
        group = self._groups.pop(source, None)
        if group is None:
            return
        self._unindex(source, source)
        for copy in group.copies:
            for part in copy.parts:
                self._unindex(MessageRef(copy.endpoint, part), source)

    async def last_id(self, endpoint: Endpoint, before: datetime) -> str | None:
        ids = [
            r.message_id
            for r in self._index
            if r.endpoint == endpoint and self._when.get(r, before) < before
        ]
        return max(ids, key=_order, default=None)

    async def groups_in(self, conversation: str) -> list[Group]:
        return [g for g in self._groups.values() if g.conversation == conversation]

    async def drop(self, conversation: str) -> None:
        for group in await self.groups_in(conversation):
            await self.forget(group.source)

    def _unindex(self, ref: MessageRef, source: MessageRef) -> None:
        sources = self._index.get(ref)
        if sources is not None:
            sources.discard(source)
            if not sources:
                del self._index[ref]
                self._when.pop(ref, None)


def _order(message_id: str) -> tuple[int, str]:
    return (len(message_id), message_id)


def shared_parts(groups: Sequence[Group], endpoint: Endpoint) -> set[str]:
    """Parts on ``endpoint`` that belong to more than one of ``groups``."""
    seen: dict[str, int] = {}
    for g in groups:
        for part in g.ids_on(endpoint):
            seen[part] = seen.get(part, 0) + 1
    return {p for p, n in seen.items() if n > 1}
