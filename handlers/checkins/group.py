"""Group check-ins: a question posted in a peer space at a time stewards set, in the network's
timezone. Replies in the space are the space's own conversation: nothing is collected."""

from __future__ import annotations

from bot.core import markup
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.replies import Choice, Privacy, Replies, Reply
from bot.outbox import Destination
from handlers.checkins.common import GROUP_KIND, ORIGIN, questions
from handlers.checkins.plans import describe, read_plan, split_question, trigger
from handlers.selfcare import space_of

MAX_PER_SPACE = 5


async def listing(ctx: Context, space: Destination, note: str = "") -> Reply:
    rows = await ctx.repo.schedules.for_target(str(space), GROUP_KIND)
    lines = [note, ""] if note else []
    lines.append(
        ctx.text("checkins.space_header", zone=markup.escape(ctx.settings.default_timezone))
    )
    for n, row in enumerate(rows, start=1):
        plan = row.payload.get("plan", {})
        said = describe(ctx, plan) if plan else ""
        lines.append(f"{n}. {said}: “{markup.escape(str(row.payload.get('question', '')))}”")
    if not rows:
        lines.append(ctx.text("checkins.space_none"))
    choices = [
        Choice(
            ctx.text("checkins.button_remove_n", n=n), "checkins.space_remove", {"schedule": r.id}
        )
        for n, r in enumerate(rows, start=1)
    ]
    return Reply.with_choices("\n".join(lines), choices, per_row=3, privacy=Privacy.DISCREET)


async def space(ctx: Context, req: Request) -> Replies:
    """``/checkin space mon 09:00 "How is your week starting?"``; on its own, the list."""
    where = space_of(ctx, req, "checkin space")
    text = str(req.args.get("when", "")).strip()
    if not text:
        return await listing(ctx, where)
    when, asked = split_question(text)
    plan = read_plan(when)
    if len(await ctx.repo.schedules.for_target(str(where), GROUP_KIND)) >= MAX_PER_SPACE:
        raise UserFacingError(ctx.text("checkins.space_too_many", most=MAX_PER_SPACE))
    await ctx.scheduler.add(
        GROUP_KIND,
        trigger(plan, ctx.clock.now().date()),
        timezone=ctx.settings.default_timezone,
        target=str(where),
        payload={"plan": plan, "question": asked or questions(ctx).group_question},
    )
    return await listing(ctx, where, ctx.text("checkins.space_added", plan=describe(ctx, plan)))


async def remove(ctx: Context, req: Request) -> Replies:
    where = space_of(ctx, req, "checkin space")
    row = await ctx.repo.schedules.get(int(req.args.get("schedule", 0)))
    if row is None or row.kind != GROUP_KIND or row.target != str(where):
        raise UserFacingError(ctx.text("checkins.gone"))
    await ctx.scheduler.remove(row.id)
    return await listing(ctx, where, ctx.text("checkins.space_removed"))


async def post(ctx: Context, req: Request) -> Replies:
    """The job: the question in the space, with no buttons and nothing collected."""
    row = req.schedule
    if row is None or row.target is None:
        return None
    asked = str(row.payload.get("question") or questions(ctx).group_question)
    await ctx.messenger.to_destination(
        Destination.parse(row.target),
        Reply(markup.escape(asked), privacy=Privacy.SPACE),
        origin=ORIGIN,
    )
    return None
