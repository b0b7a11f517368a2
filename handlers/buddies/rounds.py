"""A buddy round: who waits, the matching, each pair's private introduction, and a week
later the check-back ("did you connect?"), whose answer goes nowhere.

A round runs from the scheduler (every two weeks, the day a steward chose). Before pairing,
the previous round's introductions are counted: someone who let two pass in a row without a
tap is asked whether to stay in (and left out until they answer), never removed.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from bot.core import dates
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.replies import Choice, Replies, Reply
from bot.scheduler import cron, every_weeks, once
from bot.storage.buddies import Pairing
from handlers.buddies.common import (
    ASK_AFTER_MISSED,
    CHECKBACK_KIND,
    INTRO_KIND,
    NETWORK,
    ROUND_KIND,
    STAY_KIND,
    interest_labels,
    named,
    tell,
)
from handlers.buddies.matching import Candidate, pair_up
from handlers.checkins import member
from handlers.selfcare import day_word, local_date

CHECK_BACK_AFTER = timedelta(weeks=1)
ROUND_EVERY_WEEKS = 2
ROUND_HOUR = 10
DEFAULT_DAY = "mon"
#: "Did you connect?": each answer's button. The answer is said back, and goes nowhere else.
_ANSWERS = {
    "yes": "buddies.button_yes",
    "not_yet": "buddies.button_not_yet",
    "skip": "buddies.button_skip",
}


async def hold_round(ctx: Context, req: Request) -> Replies:
    """The scheduled round (no caller: it answers no one, it tells each person)."""
    await run_round(ctx)
    return None


async def run_round(ctx: Context) -> list[Pairing]:
    repo = ctx.repo.buddies
    now = ctx.clock.now()
    last = await repo.last_round()
    if last:
        for person_id in await repo.count_missed(last, ASK_AFTER_MISSED):
            await ctx.scheduler.run_now(STAY_KIND, person_id=person_id)
    waiting = [
        Candidate(b.person_id, b.region, frozenset(b.interests)) for b in await repo.waiting(now)
    ]
    round_no = last + 1
    groups = pair_up(
        waiting, await repo.history(), await repo.avoided_pairs(), round_no, random.Random()
    )
    # Recorded even when no one could be paired, so no round's introductions count twice.
    pairings = await repo.hold_round(round_no, groups, now)
    for pairing in pairings:
        for person_id in pairing.members:
            # Through the scheduler's fire path: quiet hours hold an introduction back.
            await ctx.scheduler.run_now(INTRO_KIND, person_id=person_id, payload={"p": pairing.id})
            await ctx.scheduler.add(
                CHECKBACK_KIND,
                once(now + CHECK_BACK_AFTER),
                timezone=ctx.timezone_of(await ctx.repo.people.get(person_id)),
                person_id=person_id,
                payload={"p": pairing.id},
            )
    return pairings


async def ask_to_stay(ctx: Context, req: Request) -> Replies:
    """Two introductions let pass: would they like to stay in? (Not removed either way.)"""
    assert req.schedule is not None and req.schedule.person_id is not None
    await tell(ctx, req.schedule.person_id, stay_question(ctx))
    return None


async def send_introduction(ctx: Context, req: Request) -> Replies:
    assert req.schedule is not None and req.schedule.person_id is not None
    pairing = await ctx.repo.buddies.pairing(int(req.schedule.payload.get("p", 0)))
    if pairing is not None and req.schedule.person_id in pairing.members:
        await introduce(ctx, pairing, req.schedule.person_id)
    return None


def stay_question(ctx: Context) -> Reply:
    return Reply.with_choices(
        ctx.text("buddies.stay_question"),
        [
            Choice(ctx.text("buddies.button_stay"), "buddies.stay"),
            Choice(ctx.text("buddies.button_break"), "buddies.take_break"),
            Choice(ctx.text("buddies.button_leave"), "buddies.leave"),
        ],
        per_row=1,
    )


async def introduce(ctx: Context, pairing: Pairing, person_id: int) -> None:
    """Tell one person who their buddy (or buddies) are, where each is, how to reach them."""
    others = pairing.others(person_id)
    key = "buddies.intro" if len(others) == 1 else "buddies.intro_group"
    lines = [ctx.text(key, who=named(ctx, others))]
    for other in others:
        lines.append(await reach_line(ctx, other))
    shared = await shared_interests(ctx, person_id, others)
    if shared:
        lines.append(ctx.text("buddies.intro_shared", what=shared))
    choices = [
        Choice(
            ctx.text("buddies.button_say_hi", who=member(ctx, other)),
            "buddies.say_hi",
            {"p": pairing.id, "to": other},
        )
        for other in others
    ]
    await tell(ctx, person_id, Reply.with_choices("\n\n".join(lines), choices, per_row=1))


async def reach_line(ctx: Context, person_id: int) -> str:
    """Where someone is and how to reach them there: their own handle where the platform
    gives one (a Telegram @username, a Discord mention), else a pointer to Say hi."""
    account = await ctx.repo.people.reach_account(person_id)
    who = member(ctx, person_id)
    if account is None:
        return ctx.text("buddies.intro_no_link", who=who, platform="")
    platform = ctx.text(f"buddies.platform_{account.platform.value}")
    adapter = ctx.platforms.get(account.platform)
    handle = await adapter.spaces.reach(account.user_id) if adapter is not None else None
    if handle:
        return ctx.text("buddies.intro_reach", who=who, platform=platform, handle=handle)
    return ctx.text("buddies.intro_no_link", who=who, platform=platform)


async def shared_interests(ctx: Context, person_id: int, others: tuple[int, ...]) -> str:
    me = await ctx.repo.buddies.get(person_id)
    if me is None:
        return ""
    shared = set(me.interests)
    for other in others:
        row = await ctx.repo.buddies.get(other)
        shared &= set(row.interests) if row else set()
    return interest_labels(ctx, shared)


# -- the check-back ------------------------------------------------------------------------


async def check_back(ctx: Context, req: Request) -> Replies:
    """A week after an introduction: did you connect? Asked only of this person."""
    assert req.schedule is not None and req.schedule.person_id is not None
    person_id = req.schedule.person_id
    pairing = await ctx.repo.buddies.pairing(int(req.schedule.payload.get("p", 0)))
    if pairing is None or person_id not in pairing.members or len(pairing.members) < 2:
        return None
    ask = Reply.with_choices(
        ctx.text("buddies.checkback", who=named(ctx, pairing.others(person_id))),
        [
            Choice(ctx.text(key), "buddies.connected", {"p": pairing.id, "a": a})
            for a, key in _ANSWERS.items()
        ],
    )
    await tell(ctx, person_id, ask)
    return None


async def connected(ctx: Context, req: Request) -> Replies:
    """The answer is said back to the person and goes nowhere else; only that they tapped is
    kept (so the introduction does not count as let pass)."""
    answer = str(req.args.get("a", "skip"))
    if answer not in ("yes", "not_yet", "skip"):
        answer = "skip"
    pairing = await ctx.repo.buddies.pairing(int(req.args.get("p", 0)))
    if pairing is not None and req.person.id in pairing.members:
        await ctx.repo.buddies.tapped(pairing.id, req.person.id)
    return Reply(ctx.text(f"buddies.checkback_{answer}"), replace=True)


# -- when rounds happen --------------------------------------------------------------------


async def round_schedule_on(ctx: Context, day: str) -> Reply:
    """Rounds every other ``day`` at 10:00 in the network's timezone, from this week."""
    for row in await ctx.repo.schedules.for_target(NETWORK, ROUND_KIND):
        await ctx.scheduler.remove(row.id)
    when = every_weeks(
        cron(day_of_week=day, hour=ROUND_HOUR, minute=0), ROUND_EVERY_WEEKS, _today(ctx)
    )
    row = await ctx.scheduler.add(ROUND_KIND, when, target=NETWORK)
    nxt = ctx.scheduler.next_fire(row.id)
    tz = ctx.settings.default_timezone
    return Reply(
        ctx.text(
            "buddies.rounds_set",
            day=dates.day_name(day),
            time=f"{ROUND_HOUR:02d}:00",
            timezone=tz,
            date=local_date(nxt, tz) if nxt else "",
        )
    )


def _today(ctx: Context) -> date:
    return ctx.clock.now().date()


async def rounds_command(ctx: Context, req: Request) -> Replies:
    """``/buddy rounds <weekday>`` (stewards)."""
    day = day_word(str(req.args.get("day", "") or ""))
    if day is None or len(day) != 1:
        raise UserFacingError(ctx.text("buddies.rounds_unknown_day"))
    return await round_schedule_on(ctx, day[0])


async def ensure_rounds(ctx: Context) -> None:
    """The first person to join starts the rounds, every other Monday unless a steward
    has chosen a day (so a network that never uses buddies holds no round schedule)."""
    if not await ctx.repo.schedules.for_target(NETWORK, ROUND_KIND):
        await round_schedule_on(ctx, DEFAULT_DAY)
