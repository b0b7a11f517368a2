"""What every part of check-ins shares: job kinds, finding a check-in someone may act on,
starting and ending one, and naming people (the bot keeps no names: a display name is used
only while it is in hand, from the tap being answered, else the member number)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.content.schema.checkins import CheckinsFile
from bot.content.sources import CHECKINS
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.replies import Reply
from bot.storage.checkins import ACTIVE, CheckinRow
from handlers.checkins.plans import trigger

ORIGIN = "feature:checkins"
ASK_KIND = "checkins.ask"  # the agreed, repeating time
AGAIN_KIND = "checkins.again"  # a snoozed one, once
GROUP_KIND = "checkins.space"  # a question posted in a peer space


def questions(ctx: Context) -> CheckinsFile:
    return ctx.content[CHECKINS]


def member(ctx: Context, person_id: int) -> str:
    return ctx.text("checkins.member", number=person_id)


def caller_name(ctx: Context, req: Request) -> str:
    """How the person tapping is named to someone they chose to contact: the display name
    their app gives now (never stored), else their member number."""
    shown = req.caller.actor.display_name.strip() if req.caller else ""
    return shown or member(ctx, req.person.id)


async def tell(ctx: Context, person_id: int, reply: Reply) -> None:
    await ctx.messenger.to_person(person_id, reply, origin=ORIGIN)


async def checkin_for(ctx: Context, req: Request, *, peer: bool | None = None) -> CheckinRow:
    """The check-in a button names, if the caller is part of it (``peer`` True: only its
    peer; False: only its mentor; None: either)."""
    row = await ctx.repo.checkins.get(int(req.args.get("c", 0)))
    me = req.person.id
    if row is None:
        raise UserFacingError(ctx.text("checkins.gone"))
    allowed = {True: me == row.peer_id, False: me == row.mentor_id, None: me in row_people(row)}
    if not allowed[peer]:
        raise UserFacingError(ctx.text("checkins.gone"))
    return row


def row_people(row: CheckinRow) -> tuple[int, int]:
    return (row.mentor_id, row.peer_id)


async def peer_timezone(ctx: Context, row: CheckinRow) -> str:
    return ctx.timezone_of(await ctx.repo.people.get(row.peer_id))


async def start(ctx: Context, row: CheckinRow, plan: Mapping[str, str]) -> None:
    """Arm the check-in at the agreed time, in the peer's timezone."""
    tz = await peer_timezone(ctx, row)
    when = trigger(plan, ctx.clock.now().date())
    schedule = await ctx.scheduler.add(
        ASK_KIND, when, timezone=tz, person_id=row.peer_id, payload={"checkin": row.id}
    )
    await ctx.repo.checkins.activate(row.id, plan, schedule.id)


async def retime(ctx: Context, row: CheckinRow, plan: Mapping[str, str]) -> None:
    """Both agreed a new time."""
    await ctx.repo.checkins.settle_change(row.id, plan)
    if row.schedule_id is not None:
        await ctx.scheduler.change(row.schedule_id, when=trigger(plan, ctx.clock.now().date()))


async def end(ctx: Context, row: CheckinRow, *, told: int | None) -> None:
    """Stop a check-in and everything scheduled for it; ``told`` hears, kindly and without
    a reason, that it ended."""
    for schedule in await ctx.repo.schedules.for_person(row.peer_id):
        if schedule.payload.get("checkin") == row.id:
            await ctx.scheduler.remove(schedule.id)
    await ctx.repo.checkins.delete(row.id)
    for person in row_people(row):
        if ctx.repo.checkins.in_flight.typing.get(person, ("", 0))[1] == row.id:
            ctx.repo.checkins.in_flight.typing.pop(person, None)
    answer = ctx.repo.checkins.in_flight.answers.get(row.peer_id)
    if answer is not None and answer.checkin_id == row.id:
        ctx.repo.checkins.in_flight.answers.pop(row.peer_id, None)
    if told is not None and row.status == ACTIVE:
        other = row.other(told)
        await tell(ctx, told, Reply(ctx.text("checkins.ended", who=member(ctx, other))))
