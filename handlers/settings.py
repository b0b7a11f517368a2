"""/settings: a person's timezone, quiet hours, and which platform reaches them.

Timezone decides when scheduled things arrive; quiet hours (always honoured) hold anything
scheduled until they end. Both can be set with a button, no typing needed.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Sequence
from functools import lru_cache

from bot.config import check_timezone
from bot.core import markup
from bot.core.arguments import parse_time
from bot.core.commands import Command, Option, Router
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.model import Platform, QuietHours
from bot.core.replies import Choice, Replies, Reply

router = Router("settings")

# Plain names people use, mapped to IANA zones (Canada first: that's who this is for).
ZONE_NAMES = {
    "pacific": "America/Vancouver",
    "mountain": "America/Edmonton",
    "saskatchewan": "America/Regina",
    "central": "America/Winnipeg",
    "eastern": "America/Toronto",
    "atlantic": "America/Halifax",
    "newfoundland": "America/St_Johns",
    "yukon": "America/Whitehorse",
}
QUIET_PRESETS = ("22:00-07:00", "23:00-08:00", "00:00-09:00")


@lru_cache(maxsize=1)
def _zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def find_timezone(text: str) -> str:
    """Accept an IANA name, a city ("toronto", "st johns") or a plain name ("pacific")."""
    wanted = text.strip()
    if wanted.lower() in ZONE_NAMES:
        return ZONE_NAMES[wanted.lower()]
    try:
        return check_timezone(wanted)
    except ValueError:
        pass
    city = re.sub(r"[\s.']+", "_", wanted).lower()
    for zone in _zones():
        if zone.lower().rsplit("/", 1)[-1] == city:
            return zone
    shown = wanted if len(wanted) <= 40 else wanted[:40] + "…"
    raise UserFacingError.about("settings.unknown_timezone", zone=markup.escape(shown))


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
    zone = find_timezone(str(req.args["zone"]))
    await ctx.repo.people.set_timezone(req.person.id, zone)
    await ctx.scheduler.retime_person(req.person.id, zone)
    return await _overview(ctx, req, ctx.text("settings.timezone_set", timezone=zone))


async def set_quiet(ctx: Context, req: Request) -> Replies:
    quiet = parse_quiet(str(req.args["hours"]))
    await ctx.repo.people.set_quiet_hours(req.person.id, quiet)
    note = ctx.text("settings.quiet_set", quiet=quiet) if quiet else ctx.text("settings.quiet_off")
    return await _overview(ctx, req, note)


async def timezone_suggestions(ctx: Context, req: Request, partial: str) -> Sequence[str]:
    needle = partial.strip().lower().replace(" ", "_")
    named = [zone for name, zone in ZONE_NAMES.items() if name.startswith(needle)]
    return list(dict.fromkeys(named + [z for z in _zones() if needle in z.lower()]))


@router.action("pick_timezone")
async def pick_timezone(ctx: Context, req: Request) -> Replies:
    choices = [
        Choice(name.title(), "settings.timezone", {"zone": zone})
        for name, zone in ZONE_NAMES.items()
        if name != "yukon"
    ]
    return Reply.with_choices(ctx.text("settings.pick_timezone"), choices, replace=True)


@router.action("timezone")
async def timezone_button(ctx: Context, req: Request) -> Replies:
    return await set_timezone(ctx, req)


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
