"""/digest: an opt-in weekly note of resources, trainings and opportunities added since the
last one, Monday 09:00 in the person's own timezone (quiet hours still apply).

"Added since" is exact because the bot records when it first saw each content item (public
facts, no person in them). About the person it keeps only that they asked for the digest and
when the last one went out; nothing about what they read. Every digest says how to stop it.
"""

from __future__ import annotations

from datetime import timedelta

from bot.content.sources import OPPORTUNITIES, RESOURCES, TRAININGS
from bot.content.store import Content
from bot.core import markup
from bot.core.commands import Command, Option, Router
from bot.core.context import Context, Request
from bot.core.replies import Choice, Replies, Reply
from bot.directory.opportunities import network_day, open_on
from bot.directory.sessions import next_date, time_tag
from bot.scheduler import cron

router = Router("digest")
WEEKLY = "digest.weekly"


async def record_seen(ctx: Context, content: Content) -> None:
    now = ctx.clock.now()
    seen = ctx.repo.digests
    await seen.record_seen("resource", (r.id for r in content[RESOURCES].resources), now)
    await seen.record_seen("training", (t.id for t in content[TRAININGS].trainings), now)
    opportunities = content[OPPORTUNITIES].opportunities
    await seen.record_seen("opportunity", (o.id for o in opportunities), now)


@router.on_start
async def watch_content(ctx: Context) -> None:
    """Note new items now and after every successful reload."""
    await record_seen(ctx, ctx.content.current)

    async def on_reload(content: Content) -> None:
        await record_seen(ctx, content)

    ctx.content.on_reload(on_reload)


async def digest(ctx: Context, req: Request) -> Replies:
    person = req.person
    wanted = str(req.args.get("choice", "")).lower()
    row = await ctx.repo.digests.get(person.id)
    off = Choice(ctx.text("digest.off_button"), "digest.off")
    on = Choice(ctx.text("digest.on_button"), "digest.on")
    if wanted == "on":
        if row is None:
            schedule = await ctx.scheduler.add(
                WEEKLY,
                cron(day_of_week="mon", hour=9, minute=0),
                timezone=ctx.timezone_of(person),
                person_id=person.id,
            )
            if not await ctx.repo.digests.subscribe(person.id, schedule.id, ctx.clock.now()):
                await ctx.scheduler.remove(schedule.id)  # a second tap raced the first
        return Reply.with_choices(ctx.text("digest.turned_on"), [off])
    if wanted == "off":
        if row is not None:
            await ctx.scheduler.remove(row.schedule_id)
            await ctx.repo.digests.unsubscribe(person.id)
        return Reply.with_choices(ctx.text("digest.turned_off"), [on])
    if row is None:
        return Reply.with_choices(ctx.text("digest.status_off"), [on])
    return Reply.with_choices(ctx.text("digest.status_on"), [off])


@router.action("on")
async def on_button(ctx: Context, req: Request) -> Replies:
    return await digest(ctx, Request(req.caller, {"choice": "on"}, "digest"))


@router.action("off")
async def off_button(ctx: Context, req: Request) -> Replies:
    return await digest(ctx, Request(req.caller, {"choice": "off"}, "digest"))


def compose(ctx: Context, timezone: str, new: dict[str, set[str]]) -> str | None:
    """The digest text for items first seen in ``new``; None if nothing was added."""
    parts: list[str] = []
    resources = [r for r in ctx.content[RESOURCES].resources if r.id in new["resource"]]
    if resources:
        parts.append(ctx.text("digest.resources"))
        parts += [f"• **{markup.escape(r.name)}**: {markup.escape(r.summary)}" for r in resources]
    now = ctx.clock.now()
    trainings = [t for t in ctx.content[TRAININGS].trainings if t.id in new["training"]]
    if trainings:
        parts.append(ctx.text("digest.trainings"))
        for t in trainings:
            starts = next_date(t, now, timedelta(days=366))
            undated = "digest.any_time" if t.kind == "any-time" else "digest.on_request"
            moment = time_tag(starts, timezone) if starts else ctx.text(undated)
            parts.append(f"• **{markup.escape(t.title)}**: {moment}")
    opportunities = ctx.content[OPPORTUNITIES].opportunities
    day = network_day(now, ctx.settings.default_timezone)
    jobs = [o for o in open_on(opportunities, day) if o.id in new["opportunity"]]
    if jobs:
        parts.append(ctx.text("digest.opportunities"))
        parts += [f"• **{markup.escape(o.title)}**: {markup.escape(o.organization)}" for o in jobs]
    if not parts:
        return None
    return "\n".join([ctx.text("digest.head"), *parts, "", ctx.text("digest.how_to_stop")])


@router.job(WEEKLY)
async def send_digest(ctx: Context, req: Request) -> Replies:
    schedule = req.schedule
    if schedule is None or schedule.person_id is None:
        return None
    person_id = schedule.person_id
    row = await ctx.repo.digests.get(person_id)
    if row is None:
        await ctx.scheduler.remove(schedule.id)
        return None
    kinds = ("resource", "training", "opportunity")
    new = {kind: await ctx.repo.digests.added_since(kind, row.since) for kind in kinds}
    person = await ctx.repo.people.get(person_id)
    text = compose(ctx, ctx.timezone_of(person), new)
    if text is None:
        return None  # nothing new: no message, and the next one still covers from ``since``
    off = Choice(ctx.text("digest.off_button"), "digest.off")
    await ctx.messenger.to_person(person_id, Reply.with_choices(text, [off]), origin="digest")
    await ctx.repo.digests.mark_sent(person_id, ctx.clock.now())
    return None


router.command(
    Command(
        "digest",
        "A weekly note of what's new: /digest on or /digest off",
        digest,
        options=(Option("choice", "on or off", choices=("on", "off")),),
    )
)
