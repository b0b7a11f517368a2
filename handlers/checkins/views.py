"""``/checkin``: a peer's check-ins with their controls, and a mentor's view: the peers who
accepted, their times in both timezones, and what those peers chose to share. Nothing else:
no answer rates, no missed check-ins, no figure about anyone. Also handing check-ins to another
mentor (each peer accepts or declines), and a peer's own history, off unless they turn it on.
"""

from __future__ import annotations

from datetime import timedelta

from bot.core import markup
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.replies import ButtonStyle, Choice, Replies, Reply
from bot.storage.checkins import ACTIVE, CheckinRow
from handlers.checkins.common import checkin_for, member, peer_timezone, questions, tell
from handlers.checkins.consent import declined_card, is_mentor
from handlers.checkins.plans import in_both
from handlers.membership import find_member
from handlers.selfcare import local_date

HISTORY_KEPT = timedelta(days=90)


async def overview(ctx: Context, req: Request) -> Replies:
    me = req.person
    mine = [r for r in await ctx.repo.checkins.as_peer(me.id) if r.status == ACTIVE]
    replies: list[Reply] = []
    for n, row in enumerate(mine, start=1):
        replies.append(await peer_card(ctx, row, n))
    declined = await declined_card(ctx, me.id)
    if declined is not None:
        replies.append(declined)
    if is_mentor(me):
        replies.append(await mentor_view(ctx, req))
    if not replies:
        return Reply(ctx.text("checkins.none"))
    return replies


async def peer_card(ctx: Context, row: CheckinRow, n: int) -> Reply:
    tz = await peer_timezone(ctx, row)
    lines = [
        ctx.text(
            "checkins.card",
            n=n,
            who=member(ctx, row.mentor_id),
            plan=in_both(ctx, row.plan, tz, tz),
        )
    ]
    schedule = await ctx.repo.schedules.get(row.schedule_id or 0)
    paused = schedule.paused_until if schedule else None
    if paused is not None and paused > ctx.clock.now():
        lines.append(ctx.text("checkins.paused_line", date=local_date(paused, tz)))
    c = {"c": row.id}
    hold = (
        Choice(ctx.text("checkins.button_resume"), "checkins.resume", c)
        if paused is not None and paused > ctx.clock.now()
        else Choice(ctx.text("checkins.button_pause"), "checkins.pause_menu", c)
    )
    return Reply.with_choices(
        "\n".join(lines),
        [
            Choice(ctx.text("checkins.button_skip_next"), "checkins.skip", {**c, "next": True}),
            hold,
            Choice(
                ctx.text("checkins.button_change"), "checkins.pick", {"for": "change", "id": row.id}
            ),
            Choice(ctx.text("checkins.button_stop"), "checkins.stop", c, style=ButtonStyle.DANGER),
        ],
        per_row=2,
    )


async def mentor_view(ctx: Context, req: Request) -> Reply:
    me = req.person
    rows = [r for r in await ctx.repo.checkins.as_mentor(me.id) if r.status == ACTIVE]
    if not rows:
        return Reply(ctx.text("checkins.mentor_none"))
    my_tz = ctx.timezone_of(me)
    lines = [ctx.text("checkins.mentor_header")]
    choices = []
    file = questions(ctx)
    for n, row in enumerate(rows, start=1):
        tz = await peer_timezone(ctx, row)
        line = f"{n}. {member(ctx, row.peer_id)}: {in_both(ctx, row.plan, tz, my_tz)}"
        mood = file.mood(row.shared_mood) if row.shared_mood else None
        if mood is not None and row.shared_at is not None:
            line += "\n   " + ctx.text(
                "checkins.last_shared",
                mood=markup.escape(mood.label),
                date=local_date(row.shared_at, my_tz),
            )
        lines.append(line)
        choices.append(
            Choice(
                ctx.text("checkins.button_change_n", n=n),
                "checkins.pick",
                {"for": "change", "id": row.id},
            )
        )
        choices.append(
            Choice(ctx.text("checkins.button_stop_n", n=n), "checkins.stop", {"c": row.id})
        )
    lines += ["", ctx.text("checkins.mentor_footer")]
    return Reply.with_choices("\n".join(lines), choices, per_row=2)


# -- handing over --------------------------------------------------------------------------


async def handover(ctx: Context, req: Request) -> Replies:
    """``/checkin handover <mentor>``: each peer is asked; nothing moves without their yes."""
    me = req.person
    to = await find_member(ctx, req.args["person"])
    if to.id == me.id or not is_mentor(to):
        raise UserFacingError(ctx.text("checkins.handover_not_mentor"))
    rows = [r for r in await ctx.repo.checkins.as_mentor(me.id) if r.status == ACTIVE]
    if not rows:
        return Reply(ctx.text("checkins.mentor_none"))
    for row in rows:
        await ctx.repo.checkins.offer_handover(row.id, to.id)
        tz = await peer_timezone(ctx, row)
        await tell(
            ctx,
            row.peer_id,
            Reply.with_choices(
                ctx.text(
                    "checkins.handover_offer",
                    old=member(ctx, me.id),
                    new=member(ctx, to.id),
                    plan=in_both(ctx, row.plan, tz, tz),
                ),
                [
                    Choice(
                        ctx.text("checkins.button_accept"),
                        "checkins.handover_yes",
                        {"c": row.id},
                        style=ButtonStyle.SUCCESS,
                    ),
                    Choice(
                        ctx.text("checkins.button_decline"), "checkins.handover_no", {"c": row.id}
                    ),
                ],
                per_row=2,
            ),
        )
    return Reply(ctx.text("checkins.handover_sent", count=len(rows), who=member(ctx, to.id)))


async def handover_yes(ctx: Context, req: Request) -> Replies:
    row = await checkin_for(ctx, req, peer=True)
    to = row.handover_to
    if to is None:
        return Reply(ctx.text("checkins.already_answered"), replace=True)
    if not await ctx.repo.checkins.hand_over(row.id, to):
        raise UserFacingError(ctx.text("checkins.already", who=member(ctx, to)))
    tz = await peer_timezone(ctx, row)
    new = await ctx.repo.people.get(to)
    await tell(
        ctx,
        row.mentor_id,
        Reply(ctx.text("checkins.handover_accepted_old", who=member(ctx, row.peer_id))),
    )
    await tell(
        ctx,
        to,
        Reply(
            ctx.text(
                "checkins.handover_accepted_new",
                who=member(ctx, row.peer_id),
                plan=in_both(ctx, row.plan, tz, ctx.timezone_of(new)),
            )
        ),
    )
    return Reply(ctx.text("checkins.handover_done", who=member(ctx, to)), replace=True)


async def handover_no(ctx: Context, req: Request) -> Replies:
    row = await checkin_for(ctx, req, peer=True)
    if row.handover_to is None:
        return Reply(ctx.text("checkins.already_answered"), replace=True)
    await ctx.repo.checkins.offer_handover(row.id, None)
    await tell(
        ctx,
        row.mentor_id,
        Reply(ctx.text("checkins.handover_declined_old", who=member(ctx, row.peer_id))),
    )
    return Reply(ctx.text("checkins.handover_kept", who=member(ctx, row.mentor_id)), replace=True)


# -- a peer's own history ------------------------------------------------------------------


async def history(ctx: Context, req: Request) -> Replies:
    """``/checkin history on|off``; on its own, the person's own moods (only theirs)."""
    me = req.person
    turn = req.args.get("turn")
    if turn is not None:
        wanted = turn == "on"
        await ctx.repo.checkins.set_history(me.id, wanted)
        return Reply(ctx.text("checkins.history_on" if wanted else "checkins.history_off"))
    if not await ctx.repo.checkins.keeps_history(me.id):
        return Reply(ctx.text("checkins.history_is_off"))
    tz = ctx.timezone_of(me)
    file = questions(ctx)
    kept = await ctx.repo.checkins.history(me.id)
    lines = [ctx.text("checkins.history_header")]
    for mood_id, at in kept:
        mood = file.mood(mood_id)
        lines.append(f"{local_date(at, tz)}: {markup.escape(mood.label if mood else mood_id)}")
    if not kept:
        lines.append(ctx.text("checkins.history_empty"))
    return Reply("\n".join(lines))


async def purge_history(ctx: Context) -> int:
    return await ctx.repo.checkins.purge_history(ctx.clock.now() - HISTORY_KEPT)
