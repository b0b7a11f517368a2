"""Skip, snooze, pause, change or stop: one tap each, on every check-in and in ``/checkin``.

Skipping and "keep it to myself" record nothing. Snoozing adds a one-off time to the same
scheduler (so quiet hours and restarts treat it like any other); pausing holds the check-in's
schedule until the start of a day in the peer's timezone, read the way self-care pauses are.
Stopping needs no reason and no "are you sure": the other person is told kindly that it ended.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core import markup
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.replies import ButtonStyle, Choice, Replies, Reply
from bot.scheduler import once
from bot.storage.checkins import ACTIVE, CheckinRow
from handlers.checkins.common import AGAIN_KIND, checkin_for, end, peer_timezone
from handlers.checkins.consent import picker
from handlers.selfcare import local_date, read_pause, today_for

PAUSE_DAYS = (3, 7, 14, 30)


async def active_for(ctx: Context, req: Request, *, peer: bool | None = None) -> CheckinRow:
    row = await checkin_for(ctx, req, peer=peer)
    if row.status != ACTIVE or row.schedule_id is None:
        raise UserFacingError(ctx.text("checkins.gone"))
    return row


async def skip(ctx: Context, req: Request) -> Replies:
    """This one is put away; nothing is recorded. From the list, the next one is skipped."""
    row = await active_for(ctx, req, peer=True)
    if req.args.get("next"):
        assert row.schedule_id is not None
        nxt = ctx.scheduler.following(row.schedule_id, None)
        if nxt is not None:
            await ctx.scheduler.pause(row.schedule_id, nxt + timedelta(minutes=1))
    return Reply(ctx.text("checkins.skipped"), replace=True)


async def snooze(ctx: Context, req: Request) -> Replies:
    """Ask again in 1 or 3 hours, or tomorrow at the agreed time (``h`` = 0)."""
    row = await active_for(ctx, req, peer=True)
    tz = await peer_timezone(ctx, row)
    hours = int(req.args.get("h", 1))
    now = ctx.clock.now()
    if hours > 0:
        at = now + timedelta(hours=min(hours, 12))
    else:
        local = now.astimezone(ZoneInfo(tz))
        at = datetime.combine(
            local.date() + timedelta(days=1),
            time.fromisoformat(row.plan["time"]),
            tzinfo=ZoneInfo(tz),
        )
    for old in await ctx.repo.schedules.for_person(row.peer_id, AGAIN_KIND):
        if old.payload.get("checkin") == row.id:
            await ctx.scheduler.remove(old.id)  # one snooze at a time
    await ctx.scheduler.add(
        AGAIN_KIND, once(at), timezone=tz, person_id=row.peer_id, payload={"checkin": row.id}
    )
    shown = markup.time_tag(int(at.timestamp()), f"{at.astimezone(ZoneInfo(tz)):%H:%M}")
    return Reply(ctx.text("checkins.snoozed", when=shown), replace=True)


async def pause_menu(ctx: Context, req: Request) -> Replies:
    row = await active_for(ctx, req)
    choices = [
        Choice(
            ctx.text("checkins.button_pause_days", days=d),
            "checkins.pause",
            {"c": row.id, "days": d},
        )
        for d in PAUSE_DAYS
    ]
    return Reply.with_choices(ctx.text("checkins.pick_pause"), choices, per_row=2)


async def hold(ctx: Context, row: CheckinRow, resume: datetime) -> Reply:
    assert row.schedule_id is not None
    await ctx.scheduler.pause(row.schedule_id, resume)
    tz = await peer_timezone(ctx, row)
    return Reply.with_choices(
        ctx.text("checkins.paused", date=local_date(resume, tz)),
        [Choice(ctx.text("checkins.button_resume"), "checkins.resume", {"c": row.id})],
        replace=True,
    )


async def start_of(ctx: Context, row: CheckinRow, day_text: str | None, days: int) -> datetime:
    """The start of the day check-ins come back, in the peer's timezone: a typed date (read
    as self-care pauses are) or a number of days from today."""
    peer = await ctx.repo.people.get(row.peer_id)
    assert peer is not None
    today = today_for(ctx, peer)
    resume = read_pause(day_text, today) if day_text else today + timedelta(days=days)
    return datetime.combine(resume, time(0), tzinfo=ZoneInfo(ctx.timezone_of(peer)))


async def pause(ctx: Context, req: Request) -> Replies:
    row = await active_for(ctx, req)
    days = max(1, min(int(req.args.get("days", 7)), 366))
    return await hold(ctx, row, await start_of(ctx, row, None, days))


async def pause_command(ctx: Context, req: Request) -> Replies:
    """``/checkin pause 1 July``: every check-in the person is part of, until that date."""
    rows = [r for r in await mine(ctx, req.person.id) if r.status == ACTIVE and r.schedule_id]
    if not rows:
        return Reply(ctx.text("checkins.none"))
    wanted = str(req.args.get("until", "")).strip()
    if not wanted:
        return await pause_menu(ctx, Request(req.caller, {"c": rows[0].id}))
    held = [await hold(ctx, row, await start_of(ctx, row, wanted, 0)) for row in rows]
    return held[-1]


async def resume(ctx: Context, req: Request) -> Replies:
    row = await active_for(ctx, req)
    assert row.schedule_id is not None
    await ctx.scheduler.pause(row.schedule_id, None)
    return Reply(ctx.text("checkins.resumed"), replace=True)


async def manage(ctx: Context, req: Request) -> Replies:
    row = await active_for(ctx, req)
    return Reply.with_choices(
        ctx.text("checkins.manage"),
        [
            Choice(
                ctx.text("checkins.button_change"), "checkins.pick", {"for": "change", "id": row.id}
            ),
            Choice(
                ctx.text("checkins.button_stop"),
                "checkins.stop",
                {"c": row.id},
                style=ButtonStyle.DANGER,
            ),
        ],
        per_row=2,
    )


async def change(ctx: Context, req: Request) -> Replies:
    row = await active_for(ctx, req)
    return picker(ctx, {"for": "change", "id": row.id})


async def stop(ctx: Context, req: Request) -> Replies:
    row = await checkin_for(ctx, req)
    await end(ctx, row, told=row.other(req.person.id))
    return Reply(ctx.text("checkins.stopped"), replace=True)


async def mine(ctx: Context, person_id: int) -> list[CheckinRow]:
    return await ctx.repo.checkins.as_peer(person_id)
