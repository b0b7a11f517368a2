"""Taking part: ``/buddy`` (where you stand), ``join`` (with a region and interests),
``pause until``, ``leave``, ``avoid`` (a private do-not-pair list), and the answers to
"would you like to stay in?"."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core import markup
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.model import Person
from bot.core.replies import Choice, Replies, Reply
from bot.directory.regions import LABELS, find_region
from handlers.buddies.common import NETWORK, ROUND_KIND, interest_labels, interests_file, named
from handlers.buddies.rounds import ensure_rounds
from handlers.checkins import member
from handlers.membership import find_member
from handlers.selfcare import local_date, read_pause, today_for

BREAK = timedelta(weeks=4)


def read_choices(ctx: Context, text: str) -> tuple[str | None, tuple[str, ...]]:
    """A region and interests in any order, by id or plain name ("north, harm reduction")."""
    file = interests_file(ctx)
    region: str | None = None
    interests: list[str] = []
    unknown: list[str] = []
    for piece in (p.strip() for p in re.split(r"[,;]", text) if p.strip()):
        words = piece.split()
        i = 0
        while i < len(words):
            for end in range(len(words), i, -1):  # the longest run of words naming something
                phrase = " ".join(words[i:end])
                found_region = find_region(phrase)
                interest = file.find(phrase)
                if found_region is not None:
                    region = found_region.value
                elif interest is not None:
                    if interest.id not in interests:
                        interests.append(interest.id)
                else:
                    continue
                i = end
                break
            else:
                unknown.append(words[i])
                i += 1
    if unknown:
        raise UserFacingError(
            ctx.text(
                "buddies.unknown_words",
                words=markup.quote(" ".join(unknown)),
                interests=", ".join(i.id for i in file.interests),
            )
        )
    return region, tuple(interests)


def about(ctx: Context, region: str | None, interests: tuple[str, ...]) -> str:
    parts = [_region_label(region)] if region else []
    if interests:
        parts.append(interest_labels(ctx, interests))
    return ", ".join(p for p in parts if p)


def _region_label(region: str | None) -> str:
    for key, label in LABELS.items():
        if key.value == region:
            return label
    return region or ""


async def join(ctx: Context, req: Request) -> Replies:
    """``/buddy join [region] [interests]``; joining again changes them."""
    person = req.person
    text = str(req.args.get("about", "") or "")
    region, interests = read_choices(ctx, text)
    already = await ctx.repo.buddies.get(person.id)
    if already is not None and not text.strip():
        return await status(ctx, req)  # already in: a bare "join" changes nothing
    await ctx.repo.buddies.join(person.id, region, interests, ctx.clock.now())
    await ensure_rounds(ctx)
    what = about(ctx, region, interests)
    if already is not None and what:
        return Reply(ctx.text("buddies.changed", what=what))
    said = ctx.text("buddies.joined_about", what=what) if what else ""
    return Reply(ctx.text("buddies.joined", about=said))


async def status(ctx: Context, req: Request) -> Replies:
    """``/buddy``: whether you're in, your pause, your buddy this round, the next round. The
    do-not-pair list is not shown here (it is in /mydata, for you alone)."""
    person = req.person
    me = await ctx.repo.buddies.get(person.id)
    file = interests_file(ctx)
    if me is None:
        return Reply(ctx.text("buddies.not_in", interests=", ".join(i.id for i in file.interests)))
    what = about(ctx, me.region, me.interests)
    lines = [ctx.text("buddies.status", about=f" ({what})" if what else "")]
    now = ctx.clock.now()
    tz = ctx.timezone_of(person)
    if me.paused_until is not None and me.paused_until > now:
        lines.append(ctx.text("buddies.status_paused", date=local_date(me.paused_until, tz)))
    if me.asked_to_stay:
        lines.append(ctx.text("buddies.status_asked"))
    pairing = await ctx.repo.buddies.current(person.id)
    if pairing is not None:
        lines.append(ctx.text("buddies.status_buddy", who=named(ctx, pairing.others(person.id))))
    for row in await ctx.repo.schedules.for_target(NETWORK, ROUND_KIND):
        nxt = ctx.scheduler.next_fire(row.id)
        if nxt is not None:
            lines.append(ctx.text("buddies.status_next", date=local_date(nxt, tz)))
    lines.append(ctx.text("buddies.status_help"))
    return Reply("\n".join(lines))


def start_of_day(ctx: Context, person: Person, text: str) -> datetime:
    """The start of the day a typed date names, in the person's own timezone ("until" is
    optional: "until 1 July", "3 weeks")."""
    wanted = re.sub(r"^\s*until\b", "", text, flags=re.IGNORECASE).strip()
    resume = read_pause(wanted, today_for(ctx, person))
    return datetime.combine(resume, time(0), tzinfo=ZoneInfo(ctx.timezone_of(person)))


async def pause(ctx: Context, req: Request) -> Replies:
    """``/buddy pause until <date>``: left out of rounds till then, nothing else changes."""
    person = req.person
    if await ctx.repo.buddies.get(person.id) is None:
        raise UserFacingError(ctx.text("buddies.must_join_first"))
    text = str(req.args.get("until", "") or "").strip()
    if not text:
        return Reply(ctx.text("buddies.pause_how"))
    until = start_of_day(ctx, person, text)
    await ctx.repo.buddies.pause(person.id, until)
    return Reply(ctx.text("buddies.paused", date=local_date(until, ctx.timezone_of(person))))


async def leave(ctx: Context, req: Request) -> Replies:
    """``/buddy leave``: out of the rounds at once, no "are you sure?"."""
    person = req.person
    if not await ctx.repo.buddies.leave(person.id):
        return Reply(ctx.text("buddies.left_not_in"), replace=req.command is None)
    for row in await ctx.repo.schedules.for_person(person.id):
        if row.kind.startswith("buddies."):
            await ctx.scheduler.remove(row.id)
    return Reply(ctx.text("buddies.left"), replace=req.command is None)


async def avoid(ctx: Context, req: Request) -> Replies:
    """``/buddy avoid <member>``: never paired with them. Told to no one, shown to no one.
    On its own, ``/buddy avoid`` shows the person their own list, each with a remove button."""
    person = req.person
    if req.args.get("person") is None:
        return await avoid_list(ctx, person.id)
    other = await find_member(ctx, req.args["person"])
    if other.id == person.id:
        raise UserFacingError(ctx.text("buddies.avoid_self"))
    if await ctx.repo.buddies.get(person.id) is None:
        raise UserFacingError(ctx.text("buddies.must_join_first"))
    await ctx.repo.buddies.avoid(person.id, other.id)
    return Reply(ctx.text("buddies.avoid_done", who=member(ctx, other.id)))


async def avoid_list(ctx: Context, person_id: int) -> Reply:
    """One's own do-not-pair list, for one's own eyes (a private chat only)."""
    others = await ctx.repo.buddies.avoided_by(person_id)
    if not others:
        return Reply(ctx.text("buddies.avoid_none"))
    return Reply.with_choices(
        ctx.text("buddies.avoid_list", who=", ".join(member(ctx, o) for o in others)),
        [
            Choice(
                ctx.text("buddies.button_unavoid", who=member(ctx, o)), "buddies.unavoid", {"o": o}
            )
            for o in others
        ],
        per_row=1,
    )


async def unavoid_command(ctx: Context, req: Request) -> Replies:
    """``/buddy unavoid <member>``: off the do-not-pair list. No one is told."""
    other = await find_member(ctx, req.args["person"])
    return await _unavoid(ctx, req.person.id, other.id, replace=False)


async def unavoid(ctx: Context, req: Request) -> Replies:
    """The remove button on the list."""
    return await _unavoid(ctx, req.person.id, int(req.args.get("o", 0)), replace=True)


async def _unavoid(ctx: Context, person_id: int, other_id: int, *, replace: bool) -> Reply:
    if not await ctx.repo.buddies.unavoid(person_id, other_id):
        return Reply(ctx.text("buddies.unavoid_not_listed", who=member(ctx, other_id)))
    return Reply(ctx.text("buddies.unavoided", who=member(ctx, other_id)), replace=replace)


# -- "would you like to stay in?" ----------------------------------------------------------


async def stay(ctx: Context, req: Request) -> Replies:
    await ctx.repo.buddies.stay(req.person.id)
    return Reply(ctx.text("buddies.stayed"), replace=True)


async def take_break(ctx: Context, req: Request) -> Replies:
    person = req.person
    until = ctx.clock.now() + BREAK
    await ctx.repo.buddies.stay(person.id)
    await ctx.repo.buddies.pause(person.id, until)
    return Reply(
        ctx.text("buddies.on_break", date=local_date(until, ctx.timezone_of(person))),
        replace=True,
    )
