"""Peer spaces on the console, simulated in memory so every membership command can be tried
on a fresh machine: the console's one space (``:space``) keeps a set of who is in it. Nothing
here lasts beyond the process, which is all a local trial needs."""

from __future__ import annotations

from bot.core.spaces import (
    AccessOffer,
    Entry,
    Finding,
    Need,
    Problem,
    SpaceError,
    SpaceInfo,
    Verified,
)

TITLE = "the console space"


class ConsoleSpaces:
    def __init__(self, space_ids: tuple[str, ...]) -> None:
        self.inside: dict[str, set[str]] = {space: set() for space in space_ids}

    def _space(self, space_id: str) -> set[str]:
        if space_id not in self.inside:
            raise SpaceError("the console has no such space")
        return self.inside[space_id]

    async def describe(self, space_id: str) -> SpaceInfo:
        self._space(space_id)
        return SpaceInfo(TITLE, space_id)

    async def admit(self, space_id: str, user_id: str) -> AccessOffer:
        self._space(space_id).add(user_id)
        return AccessOffer(Entry.GRANTED)

    async def remove(self, space_id: str, user_id: str) -> None:
        self._space(space_id).discard(user_id)

    async def answer_join_request(self, space_id: str, user_id: str, approve: bool) -> None:
        if approve:
            self._space(space_id).add(user_id)

    async def inspect(
        self, space_id: str, verified: Verified, seen: frozenset[str]
    ) -> list[Finding]:
        present = self._space(space_id) | seen
        return [
            Finding(Problem.UNVERIFIED_PRESENT, user, fixable=True)
            for user in sorted(present)
            if not verified(user)
        ]

    async def fix(self, space_id: str, finding: Finding) -> None:
        if finding.problem is not Problem.UNVERIFIED_PRESENT or finding.user_id is None:
            raise SpaceError("the console cannot fix that")
        await self.remove(space_id, finding.user_id)

    async def relay_missing(self, space_id: str) -> list[Need]:
        return []  # the console's pretend spaces can do everything

    def join_link(self, code: str) -> str | None:
        return None

    def profile_link(self, user_id: str) -> str | None:
        return None

    async def reach(self, user_id: str) -> str | None:
        return None  # the console is one person at a terminal: Say hi passes messages on
