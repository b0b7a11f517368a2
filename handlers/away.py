"""``/away until <date>`` and ``/back``: one pause for everything scheduled for a person.

Self-care prompts, check-ins, the digest and buddy check-backs all stop at once, and buddy
rounds leave the person out. Nothing here touches those features: the away date is kept on the
person, the scheduler honours it when anything of theirs is due (``bot/scheduler.py``, the
one place), and buddy rounds do not count them as waiting. ``/back`` ends it early; it also
ends by itself on the date. A repeating time that falls while they are away is skipped (it
comes again); a one-off (a snoozed check-in, a buddy check-back, a training reminder) is held
and goes once when they are back, if its job finds it still useful.
"""

from __future__ import annotations

from bot.core.commands import Command, Option, Router
from bot.core.context import Context, Request
from bot.core.replies import Choice, Replies, Reply
from handlers.buddies import start_of_day
from handlers.selfcare import local_date

router = Router("away")


async def away(ctx: Context, req: Request) -> Replies:
    person = req.person
    text = str(req.args.get("until", "") or "").strip()
    if not text:
        return Reply(ctx.text("away.away_how"))
    until = start_of_day(ctx, person, text)
    await ctx.repo.people.set_away(person.id, until)
    return Reply.with_choices(
        ctx.text("away.away", date=local_date(until, ctx.timezone_of(person))),
        [Choice(ctx.text("away.button_back"), "away.back")],
    )


async def back(ctx: Context, req: Request) -> Replies:
    person = req.person
    fresh = await ctx.repo.people.get(person.id)
    replace = req.command is None
    if fresh is None or fresh.away_until is None or fresh.away_until <= ctx.clock.now():
        await ctx.repo.people.set_away(person.id, None)
        return Reply(ctx.text("away.not_away"), replace=replace)
    await ctx.repo.people.set_away(person.id, None)
    await ctx.scheduler.person_back(person.id)  # a one-off that fell due meanwhile goes now
    return Reply(ctx.text("away.back"), replace=replace)


router.action("back")(back)
router.command(
    Command(
        "away",
        "Pause everything scheduled for you until a date",
        away,
        options=(Option("until", "e.g. until 1 July, or 2 weeks", greedy=True),),
    )
)
router.command(Command("back", "Back from /away: everything on again", back))
