"""/training: upcoming sessions in the reader's own time, reminders, and a calendar file.

Each training shows once with its next date (a repeating one says how many more dates
follow) under "Upcoming"; trainings with no date follow in their own sections, "Any time"
(self-paced) and "On request" (the provider sets dates or runs it for a group), so nothing
undated sits under "Upcoming". Times are written with a time tag, so Discord shows each
reader their own zone and other platforms show the zone they chose.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.content.schema.trainings import Training
from bot.content.sources import TRAININGS
from bot.core import markup
from bot.core.commands import Command, Option, OptionType, Router
from bot.core.context import Context, Request
from bot.core.dates import day_month
from bot.core.errors import UserFacingError
from bot.core.replies import Attachment, Choice, Replies, Reply
from bot.directory.regions import REGION_OPTION, region_filter, serving
from bot.directory.sessions import (
    Session,
    about,
    calendar_file,
    next_date,
    select,
    time_tag,
    upcoming,
)
from bot.directory.words import fold, matches, words
from bot.scheduler import once

router = Router("training")
WINDOW_DAYS = 60
SHOWN = 6  # cards per section, so every section shows even when one is long
SECTIONS = ("dated", "any-time", "on-request")
REMINDER = "training.reminder"
BEFORE = {"day": timedelta(days=1), "hour": timedelta(hours=1)}


def card(ctx: Context, s: Session, timezone: str, more_dates: int, number: int) -> str:
    t = s.training
    lines = [f"{number}. **{markup.escape(t.title)}**"]
    if s.starts is not None:
        length = f" · {t.duration_minutes} min" if t.duration_minutes else ""
        lines.append(time_tag(s.starts, timezone) + length)
        if more_dates:
            lines.append(ctx.text("training.more_dates", count=more_dates))
    cost = ctx.text(f"training.cost_{t.cost.value.replace('-', '_')}")
    if t.cost_note:
        cost += f" ({markup.escape(t.cost_note)})"
    formats = ", ".join(f.value.replace("-", " ") for f in t.formats)
    who = f"{markup.escape(t.provider)} · {cost} · {formats}"
    if not t.confirmed:
        who += " · *" + ctx.text("training.unconfirmed") + "*"
    lines.append(who)
    if t.registration_deadline:
        deadline = day_month(t.registration_deadline)
        lines.append(ctx.text("training.register_by", date=deadline))
    if t.url:
        lines.append(markup.escape(str(t.url)))
    if s.starts is not None:
        lines.append(ctx.text("training.remind_hint", id=t.id))
    return "\n".join(lines)


def chosen_sessions(ctx: Context, req: Request) -> list[Session]:
    """Upcoming sessions matching the typed words and filters."""
    region = region_filter(ctx, req.args.get("region"))
    sessions = upcoming(ctx.content[TRAININGS].trainings, ctx.clock.now(), WINDOW_DAYS)
    return select(
        sessions,
        words(str(req.args.get("words", ""))),
        free=bool(req.args.get("free")),
        online=bool(req.args.get("online")),
        regions=serving(region) if region else (),
    )


async def list_sessions(ctx: Context, req: Request) -> Replies:
    sessions = chosen_sessions(ctx, req)
    if not sessions:
        return Reply(ctx.text("training.nothing", days=WINDOW_DAYS))
    timezone = ctx.timezone_of(req.person)
    firsts: dict[str, Session] = {}
    counts: dict[str, int] = {}
    for s in sessions:
        firsts.setdefault(s.training.id, s)
        counts[s.training.id] = counts.get(s.training.id, 0) + 1
    by_kind = {kind: [s for s in firsts.values() if s.training.kind == kind] for kind in SECTIONS}
    parts: list[str] = []
    shown: list[Session] = []
    if not by_kind["dated"]:
        parts.append(ctx.text("training.no_upcoming", days=WINDOW_DAYS))
    for kind in SECTIONS:
        if not by_kind[kind]:
            continue
        section = ctx.text(f"training.head_{kind.replace('-', '_')}", timezone=timezone)
        cards = []
        for s in by_kind[kind][:SHOWN]:
            shown.append(s)
            cards.append(card(ctx, s, timezone, counts[s.training.id] - 1, len(shown)))
        parts.append("\n\n".join([section, *cards]))
    text = "\n\n".join(parts)
    hidden = len(firsts) - len(shown)
    if hidden:
        text += "\n\n" + ctx.text("training.narrow", count=hidden)
    choices = [
        Choice(
            ctx.text("training.remind_button", number=n), "training.remind", {"id": s.training.id}
        )
        for n, s in enumerate(shown, 1)
        if s.starts is not None
    ]
    return Reply.with_choices(text, choices[:6])


def undated_key(training: Training) -> str:
    """A training with no date is either taken any time or run on request: saying "any
    time" about an in-person course would send people looking for something that isn't
    there."""
    return "training.any_time" if training.kind == "any-time" else "training.no_dates"


def find_training(ctx: Context, wanted: str) -> Training:
    """A training by the id on its card, or by words only one dated training has
    ("/training remind naloxone"), so a near-miss still finds it."""
    trainings = ctx.content[TRAININGS].trainings
    key = "-".join(words(wanted)) or fold(wanted).strip()
    for t in trainings:
        if t.id == key or t.id == wanted.strip():
            return t
    typed = words(wanted)
    dated = [t for t in trainings if t.starts is not None and typed and matches(typed, about(t))]
    if len(dated) == 1:
        return dated[0]
    raise UserFacingError(ctx.text("training.unknown_id", id=markup.quote(wanted)))


async def remind(ctx: Context, req: Request) -> Replies:
    training = find_training(ctx, str(req.args.get("id", "")))
    if training.starts is None:
        return Reply(ctx.text(undated_key(training) + "_no_reminder"))
    now = ctx.clock.now()
    starts = next_date(training, now, timedelta(days=366))
    if starts is None:
        return Reply(ctx.text("training.no_next", title=markup.escape(training.title)))
    person = req.person
    timezone = ctx.timezone_of(person)
    existing = await ctx.repo.schedules.for_person(person.id, REMINDER)
    if any(
        r.payload.get("training") == training.id and r.payload.get("starts") == starts.isoformat()
        for r in existing
    ):
        text = ctx.text("training.already", title=markup.escape(training.title))
    else:
        chosen = [name for name, ahead in BEFORE.items() if starts - ahead > now]
        if not chosen:
            return Reply(ctx.text("training.too_soon", title=markup.escape(training.title)))
        for name in chosen:
            payload = {"training": training.id, "starts": starts.isoformat(), "before": name}
            await ctx.scheduler.add(
                REMINDER,
                once(starts - BEFORE[name]),
                timezone=timezone,
                person_id=person.id,
                payload=payload,
            )
        text = ctx.text(
            "training.reminder_set" if len(chosen) == len(BEFORE) else "training.reminder_set_hour",
            title=markup.escape(training.title),
            when=time_tag(starts, timezone),
        )
    cancel = Choice(ctx.text("training.cancel_button"), "training.cancel", {"id": training.id})
    return Reply.with_choices(text, [cancel])


async def cancel(ctx: Context, req: Request) -> Replies:
    wanted = find_training(ctx, str(req.args.get("id", ""))).id
    removed = 0
    for row in await ctx.repo.schedules.for_person(req.person.id, REMINDER):
        if row.payload.get("training") == wanted:
            await ctx.scheduler.remove(row.id)
            removed += 1
    key = "training.cancelled" if removed else "training.nothing_to_cancel"
    return Reply(ctx.text(key, id=markup.quote(wanted)))


@router.action("remind")
async def remind_button(ctx: Context, req: Request) -> Replies:
    return await remind(ctx, req)


@router.action("cancel")
async def cancel_button(ctx: Context, req: Request) -> Replies:
    return await cancel(ctx, req)


@router.job(REMINDER)
async def send_reminder(ctx: Context, req: Request) -> Replies:
    row = req.schedule
    if row is None or row.person_id is None:
        return None
    person = await ctx.repo.people.get(row.person_id)
    timezone = ctx.timezone_of(person)
    by_id = {t.id: t for t in ctx.content[TRAININGS].trainings}
    training = by_id.get(str(row.payload.get("training")))
    if training is None:
        text = ctx.text("training.gone")
    else:
        starts = datetime.fromisoformat(str(row.payload["starts"]))
        if ctx.clock.now() >= starts:
            return None  # held back by quiet hours until it started: too late to help
        key = (
            "training.reminder_day"
            if row.payload.get("before") == "day"
            else "training.reminder_hour"
        )
        text = ctx.text(key, title=markup.escape(training.title), when=time_tag(starts, timezone))
        if training.url:
            text += "\n" + markup.escape(str(training.url))
    await ctx.messenger.to_person(row.person_id, Reply(text), origin="training:reminder")
    return None


async def ics(ctx: Context, req: Request) -> Replies:
    chosen = chosen_sessions(ctx, req)
    sessions = [s for s in chosen if s.starts is not None]
    if not sessions:
        # "Try fewer words" only helps someone who typed words; otherwise say what is true.
        typed = bool(words(str(req.args.get("words", ""))))
        key = "training.nothing" if typed and not chosen else "training.ics_no_dates"
        return Reply(ctx.text(key, days=WINDOW_DAYS))
    data = calendar_file(sessions, ctx.clock.now(), ctx.settings.network_name)
    return Reply(
        ctx.text("training.ics", count=len(sessions)),
        attachment=Attachment("peer-circle-trainings.ics", data, "text/calendar"),
    )


def _filters() -> tuple[Option, ...]:
    return (
        Option("words", "Words to look for, e.g. naloxone", greedy=True),
        Option("free", "Only free sessions", OptionType.BOOLEAN),
        Option("online", "Only online sessions", OptionType.BOOLEAN),
        REGION_OPTION,
    )


router.command(
    Command(
        "training",
        "Upcoming trainings: /training free online",
        subcommands=(
            Command("list", "Upcoming sessions, in your time", list_sessions, options=_filters()),
            Command(
                "remind",
                "Remind me a day and an hour before",
                remind,
                options=(
                    Option(
                        "id", "The training's id, shown on its card", required=True, greedy=True
                    ),
                ),
            ),
            Command(
                "cancel",
                "Cancel a reminder",
                cancel,
                options=(Option("id", "The training's id", required=True),),
            ),
            Command("ics", "A calendar file of upcoming sessions", ics, options=_filters()),
        ),
        default="list",
    )
)
