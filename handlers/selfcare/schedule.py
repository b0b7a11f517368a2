"""A person's own prompt schedule: choosing times and themes, pausing, stopping.

Everything here is opt-in and one tap to undo (DESIGN rule 4): presets cover the common shift
patterns, every delivered prompt carries pause and stop, and quiet hours are never broken
(the scheduler holds anything due inside them until they end; we only say so up front).
Times are wall-clock times in the person's own timezone, so they follow a move in /settings.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.core import markup
from bot.core.context import Context, Request
from bot.core.dates import local_moment, weekday_day_month
from bot.core.errors import UserFacingError
from bot.core.model import Person
from bot.core.replies import Choice, Replies, Reply
from bot.quiet import quiet_until
from bot.storage.schedules import ScheduleRow
from handlers.selfcare.prompts import (
    PERSONAL_KIND,
    personal_schedules,
    prompts_file,
    themes_of,
)
from handlers.selfcare.when import Plan, describe, read_plan, same_time

MAX_SCHEDULES = 3
PRESETS: dict[str, tuple[str, Plan]] = {
    "weekday-mornings": (
        "selfcare.preset_weekday_mornings",
        Plan(("mon", "tue", "wed", "thu", "fri"), time(8, 0), ()),
    ),
    "after-day-shifts": (
        "selfcare.preset_after_day_shifts",
        Plan(("mon", "tue", "wed", "thu", "fri"), time(17, 30), ()),
    ),
    "after-evening-shifts": ("selfcare.preset_after_evening_shifts", Plan((), time(22, 30), ())),
    "weekends": ("selfcare.preset_weekends", Plan(("sat", "sun"), time(10, 0), ())),
}


def local_date(day: date | datetime, timezone: str | None = None) -> str:
    """A day as people say it ("Tue 10 Jun"); a moment is first moved into ``timezone``."""
    if isinstance(day, datetime):
        day = day.astimezone(ZoneInfo(timezone or "UTC")).date()
    return weekday_day_month(day)


def themes_line(ctx: Context, theme_ids: list[str]) -> str:
    file = prompts_file(ctx)
    labels = [t.label for t in (file.theme(i) for i in theme_ids) if t is not None]
    return markup.escape(", ".join(labels)) if labels else ctx.text("selfcare.all_themes")


def schedule_line(ctx: Context, row: ScheduleRow, timezone: str) -> str:
    """One schedule in words, with when it next comes in the reader's own time."""
    when = describe(row.trigger, ctx.text, starts_line=True)
    line = f"{when} · {themes_line(ctx, themes_of(row.payload))}"
    nxt = ctx.scheduler.next_fire(row.id)
    if nxt is not None:
        shown = markup.time_tag(int(nxt.timestamp()), local_moment(nxt, timezone))
        line += "\n   " + ctx.text("selfcare.next", when=shown)
    return line


def paused_until(ctx: Context, rows: list[ScheduleRow]) -> datetime | None:
    now = ctx.clock.now()
    pauses = [r.paused_until for r in rows if r.paused_until is not None and r.paused_until > now]
    return max(pauses) if pauses else None


async def overview(ctx: Context, person: Person, note: str = "", replace: bool = False) -> Reply:
    """The person's schedules, with one-tap ways to add, change, pause or stop them."""
    tz = ctx.timezone_of(person)
    rows = await personal_schedules(ctx, person.id)
    lines = [note, ""] if note else []
    lines.append(ctx.text("selfcare.schedule_header"))
    if rows:
        lines += [f"{n}. {schedule_line(ctx, row, tz)}" for n, row in enumerate(rows, start=1)]
    else:
        lines.append(ctx.text("selfcare.schedule_none"))
    held = paused_until(ctx, rows)
    if held is not None:
        lines.append(ctx.text("selfcare.paused_line", date=local_date(held, tz)))
    lines += ["", ctx.text("selfcare.schedule_help", timezone=markup.escape(tz))]
    choices: list[tuple[Choice, ...]] = []
    if len(rows) < MAX_SCHEDULES:
        presets = [
            Choice(ctx.text(key), "selfcare.preset", {"preset": name})
            for name, (key, _) in PRESETS.items()
        ]
        choices += [tuple(presets[:2]), tuple(presets[2:])]
    if rows:
        choices.append(
            (
                Choice(ctx.text("selfcare.button_themes"), "selfcare.choose_themes"),
                Choice(ctx.text("selfcare.button_remove_time"), "selfcare.remove_menu"),
            )
        )
        hold = (
            Choice(ctx.text("selfcare.button_resume"), "selfcare.resume")
            if held is not None
            else Choice(ctx.text("selfcare.button_pause"), "selfcare.pause_menu")
        )
        choices.append((hold, Choice(ctx.text("selfcare.button_stop"), "selfcare.stop")))
    return Reply("\n".join(lines), tuple(choices), replace=replace)


def quiet_note(ctx: Context, person: Person, plan: Plan) -> str:
    """Say up front when a chosen time falls in the person's quiet hours."""
    quiet = person.quiet_hours
    if quiet is None:
        return ""
    tz = ctx.timezone_of(person)
    today = ctx.clock.now().astimezone(ZoneInfo(tz)).date()
    at = datetime.combine(today, plan.at, tzinfo=ZoneInfo(tz))
    if quiet_until(at, tz, quiet) is None:
        return ""
    return "\n" + ctx.text("selfcare.in_quiet_hours", quiet=str(quiet), end=f"{quiet.end:%H:%M}")


async def add(ctx: Context, person: Person, plan: Plan) -> Reply:
    rows = await personal_schedules(ctx, person.id)
    payload = {"themes": list(plan.themes)}
    same = next((r for r in rows if same_time(r.trigger, plan.trigger())), None)
    if same is not None:
        await ctx.scheduler.change(same.id, payload=payload)
    elif len(rows) >= MAX_SCHEDULES:
        raise UserFacingError(ctx.text("selfcare.too_many", most=MAX_SCHEDULES))
    else:
        await ctx.scheduler.add(
            PERSONAL_KIND,
            plan.trigger(),
            timezone=ctx.timezone_of(person),
            person_id=person.id,
            payload=payload,
        )
    note = ctx.text(
        "selfcare.scheduled",
        when=describe(plan.trigger(), ctx.text),
        themes=themes_line(ctx, list(plan.themes)),
    )
    return await overview(ctx, person, note + quiet_note(ctx, person, plan))


async def schedule(ctx: Context, req: Request) -> Replies:
    """``/selfcare schedule``: the overview, or a schedule typed as days, time and themes."""
    text = " ".join(str(req.args[k]) for k in ("days", "time", "themes") if k in req.args)
    if not text.strip():
        return await overview(ctx, req.person)
    return await add(ctx, req.person, read_plan(text, prompts_file(ctx)))


async def preset(ctx: Context, req: Request) -> Replies:
    chosen = PRESETS.get(str(req.args.get("preset")))
    if chosen is None:
        return Reply(ctx.text("core.button_expired"))
    return await add(ctx, req.person, chosen[1])


async def own_schedule(ctx: Context, req: Request) -> ScheduleRow:
    row = await ctx.repo.schedules.get(int(req.args.get("schedule", 0)))
    if row is None or row.kind != PERSONAL_KIND or row.person_id != req.person.id:
        raise UserFacingError(ctx.text("selfcare.schedule_gone"))
    return row


async def which_schedule(ctx: Context, req: Request, action: str, key: str) -> Reply | None:
    """With several schedules, ask which one (a button each); None when there is one."""
    rows = await personal_schedules(ctx, req.person.id)
    if not rows:
        raise UserFacingError(ctx.text("selfcare.no_schedule"))
    if len(rows) == 1:
        return None
    choices = [
        Choice(
            f"{n}. {describe(r.trigger, ctx.text, starts_line=True).strip('`')}",
            action,
            {"schedule": r.id},
        )
        for n, r in enumerate(rows, start=1)
    ]
    return Reply.with_choices(ctx.text(key), choices, per_row=1)


async def choose_themes(ctx: Context, req: Request) -> Replies:
    """Tick themes on and off for one schedule; no theme ticked means a mix of all."""
    if "schedule" not in req.args:
        ask = await which_schedule(ctx, req, "selfcare.choose_themes", "selfcare.which_themes")
        if ask is not None:
            return ask
        rows = await personal_schedules(ctx, req.person.id)
        row = rows[0]
    else:
        row = await own_schedule(ctx, req)
    chosen = themes_of(row.payload)
    file = prompts_file(ctx)
    choices = [
        Choice(
            ("✓ " if t.id in chosen else "") + t.label,
            "selfcare.toggle_theme",
            {"schedule": row.id, "theme": t.id},
        )
        for t in file.themes
    ]
    everything = ctx.text("selfcare.button_all_themes") + (" ✓" if not chosen else "")
    choices.append(Choice(everything, "selfcare.all_themes", {"schedule": row.id}))
    choices.append(Choice(ctx.text("selfcare.button_done"), "selfcare.themes_done"))
    per_row = min(5, max(3, -(-len(choices) // 5)))
    text = ctx.text(
        "selfcare.pick_schedule_themes",
        when=describe(row.trigger, ctx.text),
        themes=themes_line(ctx, chosen),
    )
    return Reply.with_choices(text, choices, per_row=per_row, replace=True)


async def toggle_theme(ctx: Context, req: Request) -> Replies:
    row = await own_schedule(ctx, req)
    theme = str(req.args.get("theme"))
    chosen = themes_of(row.payload)
    if prompts_file(ctx).theme(theme) is not None:
        chosen = [t for t in chosen if t != theme] if theme in chosen else [*chosen, theme]
    await ctx.scheduler.change(row.id, payload={"themes": chosen})
    return await choose_themes(ctx, req)


async def all_themes(ctx: Context, req: Request) -> Replies:
    row = await own_schedule(ctx, req)
    await ctx.scheduler.change(row.id, payload={"themes": []})
    return await choose_themes(ctx, req)


async def themes_done(ctx: Context, req: Request) -> Replies:
    return await overview(ctx, req.person, replace=True)


async def remove_menu(ctx: Context, req: Request) -> Replies:
    ask = await which_schedule(ctx, req, "selfcare.remove", "selfcare.which_remove")
    if ask is not None:
        return ask
    rows = await personal_schedules(ctx, req.person.id)
    await ctx.scheduler.remove(rows[0].id)
    return await overview(ctx, req.person, ctx.text("selfcare.removed"), replace=True)


async def remove(ctx: Context, req: Request) -> Replies:
    row = await own_schedule(ctx, req)
    await ctx.scheduler.remove(row.id)
    return await overview(ctx, req.person, ctx.text("selfcare.removed"), replace=True)
