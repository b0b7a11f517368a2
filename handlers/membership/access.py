"""Opening and closing every peer space for a person, on every platform at once.

Why this is not a message through the outbox: letting someone in or taking them out is an act
on the platform, and "removed everywhere within seconds" cannot wait behind a queue of
messages. Each platform's :class:`~bot.core.spaces.SpaceControl` is called directly, all
platforms at the same time (a few spaces at a time within one), with retries on transient
errors, and every outcome comes back so the steward is told what worked and what did not.

Access is held per *place*: a Telegram group is its own place, while every Discord channel on
one server shares the server's peer role. So each place is asked once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.core import markup
from bot.core.context import Context
from bot.core.model import AccountRef, Platform
from bot.core.replies import ButtonStyle, Choice
from bot.core.spaces import AccessOffer, Entry, SpaceControl, SpaceError, with_retries
from bot.storage.spaces import Space

AT_ONCE_PER_PLATFORM = 8


@dataclass(frozen=True, slots=True)
class Door:
    """What happened at one place for one account: an offer (letting in), or done/problem."""

    account: AccountRef
    spaces: tuple[Space, ...]
    offer: AccessOffer | None = None
    problem: str | None = None

    @property
    def titles(self) -> str:
        return ", ".join(markup.escape(s.title) for s in self.spaces)

    @property
    def platform_name(self) -> str:
        return self.account.platform.value.title()


def shown(space: Space) -> str:
    """A space as people see it named: its title and its app."""
    return f"{markup.escape(space.title)} ({space.platform.value.title()})"


def control(ctx: Context, platform: Platform) -> SpaceControl | None:
    adapter = ctx.platforms.get(platform)
    return None if adapter is None else adapter.spaces


async def places(ctx: Context, platform: Platform) -> list[tuple[Space, ...]]:
    """Registered spaces on ``platform``, grouped by the place that holds their access."""
    grouped: dict[str, list[Space]] = {}
    for space in await ctx.repo.spaces.all():
        if space.platform is platform:
            grouped.setdefault(space.place_id, []).append(space)
    return [tuple(group) for group in grouped.values()]


Act = Callable[[SpaceControl, Space, str], Awaitable[AccessOffer | None]]


async def _each_place(ctx: Context, accounts: Sequence[AccountRef], act: Act) -> list[Door]:
    async def one(gate: asyncio.Semaphore, account: AccountRef, group: tuple[Space, ...]) -> Door:
        spaces = control(ctx, account.platform)
        if spaces is None:
            return Door(account, group, problem=ctx.text("membership.platform_off"))
        async with gate:
            try:
                offer = await with_retries(lambda: act(spaces, group[0], account.user_id))
            except SpaceError as exc:
                return Door(account, group, problem=exc.reason)
        return Door(account, group, offer)

    tasks = []
    gates: dict[Platform, asyncio.Semaphore] = {}
    for account in accounts:
        gate = gates.setdefault(account.platform, asyncio.Semaphore(AT_ONCE_PER_PLATFORM))
        for group in await places(ctx, account.platform):
            tasks.append(one(gate, account, group))
    return list(await asyncio.gather(*tasks))


async def let_in(ctx: Context, accounts: Sequence[AccountRef]) -> list[Door]:
    """Open every peer space on the platforms these (verified) accounts use."""

    async def admit(spaces: SpaceControl, space: Space, user_id: str) -> AccessOffer:
        return await spaces.admit(space.chat_id, user_id)

    return await _each_place(ctx, accounts, admit)


async def take_out(ctx: Context, accounts: Sequence[AccountRef]) -> list[Door]:
    """Close every peer space to these accounts, on every platform at once."""

    async def remove(spaces: SpaceControl, space: Space, user_id: str) -> None:
        await spaces.remove(space.chat_id, user_id)
        return None

    doors = await _each_place(ctx, accounts, remove)
    for door in doors:
        if door.problem is None:  # still inside where it failed: the audit must keep seeing them
            chats = [space.chat_id for space in door.spaces]
            await ctx.repo.spaces.gone(door.account.platform, chats, door.account.user_id)
    return doors


def welcome_lines(ctx: Context, doors: Sequence[Door]) -> tuple[list[str], list[Choice]]:
    """How a member gets into each space: lines to read, and a button for each link."""
    lines: list[str] = []
    links: list[Choice] = []
    for door in doors:
        values = {"spaces": door.titles, "platform": door.platform_name}
        if door.problem is not None:
            lines.append(ctx.text("membership.door_problem", **values))
        elif door.offer is None or door.offer.entry is Entry.GRANTED:
            lines.append(ctx.text("membership.door_open", **values))
        elif door.offer.entry is Entry.ON_ARRIVAL:
            lines.append(ctx.text("membership.door_on_arrival", **values))
        elif door.offer.url:
            lines.append(ctx.text("membership.door_link", **values))
            label = ctx.text("membership.button_join_space", space=door.spaces[0].title)
            links.append(Choice(label[:60], url=door.offer.url, style=ButtonStyle.PRIMARY))
    return lines, links


def outcome_lines(ctx: Context, doors: Sequence[Door]) -> list[str]:
    """What a removal did, place by place, for the steward (or the person leaving)."""
    done = [d for d in doors if d.problem is None]
    failed = [d for d in doors if d.problem is not None]
    lines = []
    if done:
        shown = "; ".join(f"{d.titles} ({d.platform_name})" for d in done)
        lines.append(ctx.text("membership.taken_out", spaces=shown))
    for door in failed:
        lines.append(
            ctx.text(
                "membership.not_taken_out",
                spaces=door.titles,
                platform=door.platform_name,
                reason=markup.escape(door.problem or ""),
            )
        )
    if not doors:
        lines.append(ctx.text("membership.no_spaces_to_leave"))
    return lines


async def other_platforms(ctx: Context, accounts: Sequence[AccountRef]) -> list[str]:
    """Platforms with peer spaces where these accounts have no account yet (so /link helps)."""
    have = {a.platform for a in accounts}
    found = {s.platform for s in await ctx.repo.spaces.all()} - have
    return sorted(p.value.title() for p in found)
