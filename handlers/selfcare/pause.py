"""Pausing and stopping a person's scheduled prompts: each one command or one tap.

A pause holds every one of the person's prompt times until the start of a day in their own
timezone (the scheduler skips paused runs, reading the row at fire time); stop removes them
all without asking "are you sure?", because stopping should never be harder than starting.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.context import Context, Request
from bot.core.model import Person
from bot.core.replies import Choice, Replies, Reply
from handlers.selfcare.prompts import personal_schedules
from handlers.selfcare.schedule import local_date, overview
from handlers.selfcare.when import read_pause

PAUSE_CHOICES = (3, 7, 14, 30)


async def pause_until(ctx: Context, person: Person, resume: date) -> Reply:
    rows = await personal_schedules(ctx, person.id)
    if not rows:
        return Reply(ctx.text("selfcare.no_schedule"))
    tz = ctx.timezone_of(person)
    until = datetime.combine(resume, time(0), tzinfo=ZoneInfo(tz))
    for row in rows:
        await ctx.scheduler.pause(row.id, until)
    return Reply.with_choices(
        ctx.text("selfcare.paused", date=local_date(resume)),
        [Choice(ctx.text("selfcare.button_resume"), "selfcare.resume")],
    )


def today_for(ctx: Context, person: Person) -> date:
    return ctx.clock.now().astimezone(ZoneInfo(ctx.timezone_of(person))).date()


async def pause(ctx: Context, req: Request) -> Replies:
    """``/selfcare pause [date or days]``: buttons for common lengths, or a typed date."""
    wanted = str(req.args.get("until", "")).strip()
    if wanted:
        return await pause_until(ctx, req.person, read_pause(wanted, today_for(ctx, req.person)))
    return await pause_menu(ctx, req)


async def pause_menu(ctx: Context, req: Request) -> Replies:
    if not await personal_schedules(ctx, req.person.id):
        return Reply(ctx.text("selfcare.no_schedule"))
    choices = [
        Choice(ctx.text("selfcare.button_pause_days", days=days), "selfcare.pause", {"days": days})
        for days in PAUSE_CHOICES
    ]
    return Reply.with_choices(ctx.text("selfcare.pick_pause"), choices, per_row=2)


async def pause_button(ctx: Context, req: Request) -> Replies:
    days = max(1, min(int(req.args.get("days", 7)), 366))
    resume = today_for(ctx, req.person) + timedelta(days=days)
    return await pause_until(ctx, req.person, resume)


async def resume(ctx: Context, req: Request) -> Replies:
    rows = await personal_schedules(ctx, req.person.id)
    if not rows:
        return Reply(ctx.text("selfcare.no_schedule"))
    for row in rows:
        await ctx.scheduler.pause(row.id, None)
    return await overview(ctx, req.person, ctx.text("selfcare.resumed"))


async def stop(ctx: Context, req: Request) -> Replies:
    """Stop every scheduled prompt at once: one command or one tap, no questions."""
    rows = await personal_schedules(ctx, req.person.id)
    for row in rows:
        await ctx.scheduler.remove(row.id)
    return Reply(ctx.text("selfcare.stopped" if rows else "selfcare.no_schedule"))
