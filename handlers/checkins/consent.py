"""A check-in is a mentor's offer that the peer controls. Nothing runs until the peer accepts.

A mentor proposes a time (typed, or picked with buttons); the peer accepts, asks for another
time, declines, or asks this mentor never to ask again. A change of time later, by either of
them, is asked of the other the same way. The mentor learns only "accepted", "declined" or the
new time the peer asked for: never why, and "don't ask me again" reads to them as "declined".
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.commands import Access
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.model import Person, PersonRef, Role
from bot.core.replies import ButtonStyle, Choice, Replies, Reply
from bot.storage.checkins import ACTIVE, PROPOSED, CheckinRow
from handlers.checkins.common import (
    caller_name,
    checkin_for,
    member,
    peer_timezone,
    retime,
    start,
    tell,
)
from handlers.checkins.plans import EVERY, NEEDS_DAY, TIMES, in_both, make_plan, read_plan
from handlers.membership import find_member
from handlers.selfcare import DAYS


def may_offer(person: Person) -> bool:
    return Access.MENTOR.allows(person)


async def propose_command(ctx: Context, req: Request) -> Replies:
    """``/checkin propose <member> weekly mon 10:00``; without a time, buttons to pick one."""
    peer = await find_member(ctx, req.args["person"])
    text = str(req.args.get("when", "")).strip()
    if not text:
        return picker(ctx, {"for": "propose", "id": peer.id})
    return await propose(ctx, req, peer, read_plan(text))


async def propose(ctx: Context, req: Request, peer: Person, plan: Mapping[str, str]) -> Reply:
    mentor = req.person
    if peer.id == mentor.id:
        raise UserFacingError(ctx.text("checkins.not_yourself"))
    existing = await ctx.repo.checkins.between(mentor.id, peer.id)
    if existing is not None and existing.status == ACTIVE:
        raise UserFacingError(ctx.text("checkins.already", who=member(ctx, peer.id)))
    if await ctx.repo.checkins.declined_for_good(peer.id, mentor.id):
        return Reply(ctx.text("checkins.declined_to_mentor", who=member(ctx, peer.id)))
    checkin_id = await ctx.repo.checkins.propose(mentor.id, peer.id, plan, ctx.clock.now())
    peer_tz = ctx.timezone_of(peer)
    offer = Reply.with_choices(
        ctx.text(
            "checkins.proposal",
            who=caller_name(ctx, req),
            plan=in_both(ctx, plan, peer_tz, peer_tz),
        ),
        [
            Choice(
                ctx.text("checkins.button_accept"),
                "checkins.accept",
                {"c": checkin_id},
                style=ButtonStyle.SUCCESS,
            ),
            Choice(
                ctx.text("checkins.button_another_time"),
                "checkins.pick",
                {"for": "counter", "id": checkin_id},
            ),
            Choice(ctx.text("checkins.button_decline"), "checkins.decline", {"c": checkin_id}),
            Choice(ctx.text("checkins.button_never"), "checkins.never", {"c": checkin_id}),
        ],
        per_row=2,
    )
    await tell(ctx, peer.id, offer)
    return Reply(
        ctx.text(
            "checkins.proposed",
            who=member(ctx, peer.id),
            plan=in_both(ctx, plan, peer_tz, ctx.timezone_of(mentor)),
        )
    )


# -- picking a time with buttons -----------------------------------------------------------


def picker(ctx: Context, state: Mapping[str, str | int]) -> Reply:
    """One step of choosing a time: how often, then a day if needed, then a time."""
    step = dict(state)
    if "every" not in step:
        options = [(ctx.text(f"checkins.button_every_{e}"), {"every": e}) for e in EVERY]
        hint = ctx.text("checkins.pick_every")
    elif step["every"] in NEEDS_DAY and "day" not in step:
        options = [(ctx.text(f"checkins.day_short_{d}"), {"day": d}) for d in DAYS]
        hint = ctx.text("checkins.pick_day")
    else:
        options = [(t, {"t": t}) for t in TIMES]
        hint = ctx.text("checkins.pick_time")
    choices = [Choice(label, "checkins.pick", {**step, **extra}) for label, extra in options]
    return Reply.with_choices(hint, choices, per_row=4 if len(choices) > 6 else 3, replace=True)


async def pick(ctx: Context, req: Request) -> Replies:
    state = {k: v for k, v in req.args.items() if v is not None}
    if "t" not in state:
        return picker(ctx, state)
    plan = make_plan(str(state["every"]), state.get("day"), str(state["t"]))
    purpose, target = str(state.get("for")), int(state.get("id", 0))
    if purpose == "propose":
        if not may_offer(req.person):
            raise UserFacingError(ctx.text("checkins.mentors_only"))
        return await propose(ctx, req, await find_member(ctx, PersonRef(number=target)), plan)
    row = await checkin_for(ctx, Request(req.caller, {"c": target}), peer=None)
    return await ask_change(ctx, req, row, plan)


# -- the peer's answer to a proposal -------------------------------------------------------


async def accept(ctx: Context, req: Request) -> Replies:
    row = await checkin_for(ctx, req, peer=True)
    if row.status != PROPOSED:
        return Reply(ctx.text("checkins.already_answered"), replace=True)
    await start(ctx, row, row.plan)
    peer_tz = await peer_timezone(ctx, row)
    mentor = await ctx.repo.people.get(row.mentor_id)
    await tell(
        ctx,
        row.mentor_id,
        Reply(
            ctx.text(
                "checkins.accepted_to_mentor",
                who=member(ctx, row.peer_id),
                plan=in_both(ctx, row.plan, peer_tz, ctx.timezone_of(mentor)),
            )
        ),
    )
    return Reply(
        ctx.text("checkins.accepted", plan=in_both(ctx, row.plan, peer_tz, peer_tz)), replace=True
    )


async def decline(ctx: Context, req: Request) -> Replies:
    row = await checkin_for(ctx, req, peer=True)
    if row.status != PROPOSED:
        return Reply(ctx.text("checkins.already_answered"), replace=True)
    await ctx.repo.checkins.delete(row.id)
    await tell(
        ctx,
        row.mentor_id,
        Reply(ctx.text("checkins.declined_to_mentor", who=member(ctx, row.peer_id))),
    )
    return Reply(ctx.text("checkins.declined"), replace=True)


async def never(ctx: Context, req: Request) -> Replies:
    """Decline, and keep this mentor from offering again. The mentor reads only "declined"."""
    row = await checkin_for(ctx, req, peer=True)
    await ctx.repo.checkins.decline_for_good(row.peer_id, row.mentor_id)
    if row.status == PROPOSED:
        await ctx.repo.checkins.delete(row.id)
        await tell(
            ctx,
            row.mentor_id,
            Reply(ctx.text("checkins.declined_to_mentor", who=member(ctx, row.peer_id))),
        )
    return Reply(ctx.text("checkins.never_again"), replace=True)


async def allow_command(ctx: Context, req: Request) -> Replies:
    """``/checkin allow <mentor>``: undo "don't ask me again". The mentor is not told."""
    mentor = await find_member(ctx, req.args["person"])
    return await _allow(ctx, req.person.id, mentor.id, replace=False)


async def allow(ctx: Context, req: Request) -> Replies:
    """The button on ``/checkin``'s list of mentors asked not to offer again."""
    return await _allow(ctx, req.person.id, int(req.args.get("m", 0)), replace=True)


async def _allow(ctx: Context, peer_id: int, mentor_id: int, *, replace: bool) -> Reply:
    if not await ctx.repo.checkins.allow_again(peer_id, mentor_id):
        return Reply(ctx.text("checkins.allow_not_asked", who=member(ctx, mentor_id)))
    return Reply(ctx.text("checkins.allowed", who=member(ctx, mentor_id)), replace=replace)


async def declined_card(ctx: Context, peer_id: int) -> Reply | None:
    """For the peer alone: the mentors they asked not to offer again, each with an undo."""
    mentors = await ctx.repo.checkins.declined_mentors(peer_id)
    if not mentors:
        return None
    return Reply.with_choices(
        ctx.text("checkins.declined_list", who=", ".join(member(ctx, m) for m in mentors)),
        [
            Choice(
                ctx.text("checkins.button_allow", who=member(ctx, m)), "checkins.allow", {"m": m}
            )
            for m in mentors
        ],
        per_row=1,
    )


# -- another time, asked of the other person -----------------------------------------------


async def ask_change(ctx: Context, req: Request, row: CheckinRow, plan: Mapping[str, str]) -> Reply:
    me = req.person.id
    await ctx.repo.checkins.ask_change(row.id, plan, me)
    other = row.other(me)
    peer_tz = await peer_timezone(ctx, row)
    reader = await ctx.repo.people.get(other)
    question = Reply.with_choices(
        ctx.text(
            "checkins.change_asked",
            who=member(ctx, me),
            plan=in_both(ctx, plan, peer_tz, ctx.timezone_of(reader)),
        ),
        [
            Choice(
                ctx.text("checkins.button_accept"),
                "checkins.change_yes",
                {"c": row.id},
                style=ButtonStyle.SUCCESS,
            ),
            Choice(ctx.text("checkins.button_keep_time"), "checkins.change_no", {"c": row.id}),
        ],
        per_row=2,
    )
    await tell(ctx, other, question)
    return Reply(ctx.text("checkins.change_sent", who=member(ctx, other)), replace=True)


async def change_yes(ctx: Context, req: Request) -> Replies:
    row = await checkin_for(ctx, req)
    if row.pending_plan is None or row.pending_by in (None, req.person.id):
        return Reply(ctx.text("checkins.already_answered"), replace=True)
    plan = row.pending_plan
    if row.status == PROPOSED:
        await start(ctx, row, plan)
    else:
        await retime(ctx, row, plan)
    peer_tz = await peer_timezone(ctx, row)
    asker = await ctx.repo.people.get(row.pending_by)
    await tell(
        ctx,
        row.pending_by,
        Reply(
            ctx.text(
                "checkins.change_accepted",
                who=member(ctx, req.person.id),
                plan=in_both(ctx, plan, peer_tz, ctx.timezone_of(asker)),
            )
        ),
    )
    return Reply(
        ctx.text(
            "checkins.accepted", plan=in_both(ctx, plan, peer_tz, ctx.timezone_of(req.person))
        ),
        replace=True,
    )


async def change_no(ctx: Context, req: Request) -> Replies:
    row = await checkin_for(ctx, req)
    asker = row.pending_by
    if row.pending_plan is None or asker in (None, req.person.id):
        return Reply(ctx.text("checkins.already_answered"), replace=True)
    if row.status == PROPOSED:  # the mentor cannot make the peer's time: the offer ends
        await ctx.repo.checkins.delete(row.id)
        await tell(
            ctx, asker, Reply(ctx.text("checkins.counter_declined", who=member(ctx, req.person.id)))
        )
        return Reply(ctx.text("checkins.counter_declined_you"), replace=True)
    await ctx.repo.checkins.settle_change(row.id, None)
    await tell(
        ctx, asker, Reply(ctx.text("checkins.change_declined", who=member(ctx, req.person.id)))
    )
    return Reply(ctx.text("checkins.time_kept"), replace=True)


def is_mentor(person: Person) -> bool:
    return person.has(Role.MENTOR) or person.has(Role.STEWARD)
