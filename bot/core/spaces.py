"""What a platform does for peer spaces, in neutral terms: letting a verified member in, taking
someone out, answering a join request, and checking who could read a space.

Handlers reach it as ``ctx.platforms[platform].spaces`` and never learn how it is done: Discord
holds access in a server-wide role, Telegram in group membership, the console in memory. What a
platform cannot do shows in return values, not in the handler: :meth:`SpaceControl.admit`
answers "granted" where the bot can open the door itself and "here is a link" where the person
must walk through it; a finding without ``fixable`` must be fixed by hand.

It lives in the core, not in ``bot/platforms``, because handlers speak it and handlers never
import platform code; each adapter in ``bot/platforms`` implements it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Decides whether a platform user id belongs to a verified member (the handler knows, the
#: adapter asks).
Verified = Callable[[str], bool]


class SpaceError(Exception):
    """A platform refused or failed. ``reason`` is plain words for a steward (never what anyone
    wrote); ``transient`` errors are worth trying again, after ``retry_after`` if given."""

    def __init__(self, reason: str, *, transient: bool = False, retry_after: float = 0.0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
        self.retry_after = retry_after


class Entry(StrEnum):
    """How a verified member gets into a space."""

    GRANTED = "granted"  # they can read it now (the bot opened it, or they were already in)
    LINK = "link"  # they follow ``url``; the bot lets them in only if verified
    ON_ARRIVAL = "on_arrival"  # they are not on the server yet; access follows when they arrive


@dataclass(frozen=True, slots=True)
class AccessOffer:
    entry: Entry
    url: str | None = None


@dataclass(frozen=True, slots=True)
class SpaceInfo:
    """What a space is called (shown to people) and where its access is held: the group itself
    on Telegram, the server on Discord. Spaces that share a place share access."""

    title: str
    place_id: str


class Problem(StrEnum):
    """Things an audit can find. Wording for each lives in ``content/texts/spaces.yaml``."""

    PUBLIC = "public"  # anyone can find and read it (a public Telegram username)
    EVERYONE_CAN_VIEW = "everyone_can_view"  # everyone on the server can open the channel
    UNVERIFIED_HOLDS_ACCESS = "unverified_holds_access"  # holds the peer role, not verified
    UNVERIFIED_PRESENT = "unverified_present"  # in the group, not verified
    NO_PEER_ROLE = "no_peer_role"  # the configured peer role does not exist
    BOT_LACKS_RIGHTS = "bot_lacks_rights"  # the bot cannot let people in or take them out
    BOT_CANNOT_USE = "bot_cannot_use"  # the bot itself cannot see or post in the space
    UNREACHABLE = "unreachable"  # the space is gone or the bot is no longer in it


class Need(StrEnum):
    """What relaying a conversation needs the bot to be able to do in a space. Wording for each
    lives in ``content/texts/bridge.yaml``; ``docs/setup-*.md`` say where to turn each on."""

    VIEW = "view"  # Discord: see the channel
    READ_HISTORY = "read_history"  # Discord: read its history (catch-up, replies)
    SEND = "send"  # post in it
    ATTACH = "attach"  # Discord: attach files
    WEBHOOKS = "webhooks"  # Discord: manage webhooks (to post under each author's name)
    SEE_ALL = "see_all"  # Telegram: see every message (an admin, or privacy mode off)
    DELETE = "delete"  # Telegram: delete messages (its own copies, and originals on /delete)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem. ``missing`` names, in the platform's own words, what the bot lacks there
    (for ``BOT_CANNOT_USE``), so a steward knows exactly what to allow."""

    problem: Problem
    user_id: str | None = None
    fixable: bool = False
    missing: tuple[str, ...] = ()


class SpaceControl(Protocol):
    """Each platform adapter offers one of these as its ``spaces`` attribute."""

    async def describe(self, space_id: str) -> SpaceInfo:
        """Name and place of a group or channel; SpaceError if the bot cannot see it."""
        ...

    async def admit(self, space_id: str, user_id: str) -> AccessOffer:
        """Let a verified member in, or hand back the way in."""
        ...

    async def remove(self, space_id: str, user_id: str) -> None:
        """Take someone's access away (done if they had none)."""
        ...

    async def answer_join_request(self, space_id: str, user_id: str, approve: bool) -> None:
        """Approve or decline a pending join request (platforms without them: nothing)."""
        ...

    async def inspect(
        self, space_id: str, verified: Verified, seen: frozenset[str]
    ) -> list[Finding]:
        """Everything wrong with a space: who could read it that is not verified, and whether
        the bot itself has what it needs there. ``seen`` are the accounts the bot noticed
        there, for platforms that cannot list members."""
        ...

    async def fix(self, space_id: str, finding: Finding) -> None:
        """Repair one fixable finding, never taking the bot's own access away; SpaceError if it
        cannot."""
        ...

    async def relay_missing(self, space_id: str) -> list[Need]:
        """What the bot may not do in a space that relaying it needs (empty: all there)."""
        ...

    def join_link(self, code: str) -> str | None:
        """A link that opens a chat with the bot and starts joining with ``code``, if the
        platform has such links."""
        ...

    def profile_link(self, user_id: str) -> str | None:
        """A link a steward can tap to see who an account is, if the platform has one."""
        ...

    async def reach(self, user_id: str) -> str | None:
        """How another member can reach this account directly, as markup: a Telegram
        @username (only if they set one), a Discord mention (shown as their name elsewhere).
        None when there is no such way; then the bot passes a first message on instead.
        Asked each time, so no username is kept."""
        ...


async def with_retries(
    call: Callable[[], Awaitable[T]], *, attempts: int = 3, first_wait: float = 0.5
) -> T:
    """Run ``call``, trying again after transient SpaceErrors (waiting longer each time, or as
    long as the platform asked, capped so a removal still finishes within seconds)."""
    wait = first_wait
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except SpaceError as exc:
            if not exc.transient or attempt == attempts:
                raise
            log.info("space call failed (%s); trying again", exc.reason)
            await asyncio.sleep(min(max(wait, exc.retry_after), 5.0))
            wait *= 2
    raise AssertionError("unreachable")
