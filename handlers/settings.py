"""/settings: a person's timezone, quiet hours, and which platform reaches them.

Timezone decides when scheduled things arrive; quiet hours (always honoured) hold anything
scheduled until they end. Both can be set with a button, no typing needed.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

from bot import places
from bot.core import markup
from bot.core.arguments import parse_time
from bot.core.commands import Command, Option, Router
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.model import Platform, QuietHours
from bot.core.replies import Choice, Replies, Reply

router = Router("settings")

#: The zones offered as buttons, Canada's from west to east.
ZONE_BUTTONS = {
    "Pacific": "America/Vancouver",
    "Mountain": "America/Edmonton",
    "Saskatchewan": "America/Regina",
    "Central": "America/Winnipeg",
    "Eastern": "America/Toronto",
    "Atlantic": "America/Halifax",
    "Newfoundland": "America/St_Johns",
}
QUIET_PRESETS = ("22:00-07:00", "23:00-08:00", "00:00-09:00")


@lru_cache(maxsize=1)
def _zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


async def find_places(text: str) -> list[places.Place]:
    """The places a person's words may mean, best first (see :mod:`bot.places`)."""
    found = await places.resolve_async(text)
    if not found:
        raise UserFacingError.about("settings.unknown_timezone", zone=markup.quote(text))
    return found


def parse_quiet(text: str) -> QuietHours | None:
    """``22:00-07:00`` (or ``10pm-7am``), or ``off``."""
    if text.strip().lower() in {"off", "none", "no"}:
        return None
    start, sep, end = re.sub(r"\s*(?:–|—|to)\s*", "-", text.strip()).partition("-")
    if not sep:
        raise UserFacingError.about("settings.quiet_format")
    quiet = QuietHours(parse_time(start, "start"), parse_time(end, "end"))
    if quiet.start == quiet.end:
        raise UserFacingError.about("settings.quiet_same")
    return quiet


async def _overview(ctx: Context, req: Request, note: str | None = None) -> Reply:
    person = await ctx.repo.people.get(req.person.id) or req.person
    tz = ctx.timezone_of(person)
    quiet = str(person.quiet_hours) if person.quiet_hours else ctx.text("settings.quiet_none")
    accounts = await ctx.repo.people.accounts(person.id)
    reach = await ctx.repo.people.reach_account(person.id)
    text = ctx.text(
        "settings.overview",
        timezone=markup.escape(tz),
        local_time=ctx.clock.now().astimezone(zoneinfo.ZoneInfo(tz)).strftime("%H:%M"),
        quiet=quiet,
    )
    if len(accounts) > 1 and reach is not None:
        text += "\n" + ctx.text("settings.reach", platform=reach.platform.value.title())
    if note:
        text = note + "\n\n" + text
    choices = [
        Choice(ctx.text("settings.button_timezone"), "settings.pick_timezone"),
        Choice(ctx.text("settings.button_quiet"), "settings.pick_quiet"),
    ]
    choices += [
        Choice(
            ctx.text("settings.button_reach", platform=a.platform.value.title()),
            "settings.reach",
            {"platform": a.platform.value},
        )
        for a in accounts
        if len(accounts) > 1 and reach is not None and a.platform is not reach.platform
    ]
    return Reply.with_choices(text, choices, per_row=2, replace=req.message_id is not None)


async def show(ctx: Context, req: Request) -> Replies:
    return await _overview(ctx, req)


async def set_timezone(ctx: Context, req: Request) -> Replies:
    """Set the zone the words name, say which place it took them for and the time there, and
    offer the other places of that name as buttons (our first guess favours BC)."""
    best, *others = await find_places(str(req.args["zone"]))
    return await _use_zone(ctx, req, best, others)


async def _use_zone(
    ctx: Context, req: Request, place: places.Place, others: Sequence[places.Place] = ()
) -> Reply:
    await ctx.repo.people.set_timezone(req.person.id, place.timezone)
    await ctx.scheduler.retime_person(req.person.id, place.timezone)
    local = ctx.clock.now().astimezone(zoneinfo.ZoneInfo(place.timezone)).strftime("%H:%M")
    shown = place.timezone if place.label == place.timezone else f"{place.label}"
    note = ctx.text("settings.timezone_set", place=markup.escape(shown), local_time=local)
    reply = await _overview(ctx, req, note)
    if not others:
        return reply
    choices = [
        Choice(
            ctx.text("settings.button_other_place", place=other.label),
            "settings.timezone",
            {"zone": other.timezone, "label": other.label},
        )
        for other in others
    ]
    return replace(reply, choices=(*((c,) for c in choices), *reply.choices))


async def set_quiet(ctx: Context, req: Request) -> Replies:
    quiet = parse_quiet(str(req.args["hours"]))
    await ctx.repo.people.set_quiet_hours(req.person.id, quiet)
    note = ctx.text("settings.quiet_set", quiet=quiet) if quiet else ctx.text("settings.quiet_off")
    return await _overview(ctx, req, note)


async def timezone_suggestions(ctx: Context, req: Request, partial: str) -> Sequence[str]:
    needle = places.normalise(partial)
    named = [zone for name, zone in places.ALIASES.items() if needle and name.startswith(needle)]
    wanted = partial.strip().lower().replace(" ", "_")
    return list(dict.fromkeys(named + [z for z in _zones() if wanted in z.lower()]))[:25]


@router.action("pick_timezone")
async def pick_timezone(ctx: Context, req: Request) -> Replies:
    choices = [
        Choice(name, "settings.timezone", {"zone": zone}) for name, zone in ZONE_BUTTONS.items()
    ]
    return Reply.with_choices(ctx.text("settings.pick_timezone"), choices, replace=True)


@router.action("timezone")
async def timezone_button(ctx: Context, req: Request) -> Replies:
    zone = str(req.args["zone"])
    if zone not in zoneinfo.available_timezones():
        raise UserFacingError.about("settings.unknown_timezone", zone=markup.quote(zone))
    label = str(req.args.get("label") or zone)
    return await _use_zone(ctx, req, places.Place(label, zone))


@router.action("pick_quiet")
async def pick_quiet(ctx: Context, req: Request) -> Replies:
    choices = [Choice(p.replace("-", "–"), "settings.quiet", {"hours": p}) for p in QUIET_PRESETS]
    choices.append(
        Choice(ctx.text("settings.button_quiet_off"), "settings.quiet", {"hours": "off"})
    )
    return Reply.with_choices(ctx.text("settings.pick_quiet"), choices, per_row=2, replace=True)


@router.action("quiet")
async def quiet_button(ctx: Context, req: Request) -> Replies:
    return await set_quiet(ctx, req)


@router.action("reach")
async def reach(ctx: Context, req: Request) -> Replies:
    platform = Platform(str(req.args["platform"]))
    await ctx.repo.people.set_reach_on(req.person.id, platform)
    return await _overview(ctx, req)


router.command(
    Command(
        "settings",
        "Your timezone and quiet hours",
        subcommands=(
            Command("show", "See your settings", show),
            Command(
                "timezone",
                "Set your timezone",
                set_timezone,
                options=(
                    Option(
                        "zone",
                        "A city or zone, e.g. Toronto",
                        required=True,
                        greedy=True,
                        autocomplete=timezone_suggestions,
                    ),
                ),
            ),
            Command(
                "quiet",
                "Set quiet hours, e.g. 22:00-07:00, or off",
                set_quiet,
                options=(
                    Option(
                        "hours", "From-to, e.g. 22:00-07:00, or off", required=True, greedy=True
                    ),
                ),
            ),
        ),
        default="show",
    )
)
