"""Prompts posted in a peer space on a schedule stewards set, in the network's timezone.

A space's schedules are managed from inside the space (``/selfcare space``): stewards add one
by a crontab line or a friendly time, see the list, and remove any with a tap. Whether a
conversation may get space prompts at all is decided in one place,
:func:`handlers.selfcare.prompts.may_receive_space_prompts`, checked when a schedule is added
and again every time it fires.
"""

from __future__ import annotations

import logging
import re

from bot.core import markup
from bot.core.context import Context, Request
from bot.core.dates import local_moment
from bot.core.errors import UserFacingError
from bot.core.events import ChatMoved
from bot.core.replies import Choice, Privacy, Replies, Reply
from bot.outbox import Destination
from bot.storage.selfcare import Audience
from handlers.selfcare.prompts import (
    ORIGIN,
    SPACE_KIND,
    may_receive_space_prompts,
    pick,
    prompt_reply,
    prompts_file,
    space_schedules,
    themes_of,
)
from handlers.selfcare.schedule import themes_line
from handlers.selfcare.when import describe, read_space_plan

log = logging.getLogger(__name__)

MAX_SPACE_SCHEDULES = 5
SPACE_PRESETS = {
    "monday-morning": ("selfcare.space_preset_monday", "0 9 * * mon"),
    "weekday-mornings": ("selfcare.space_preset_weekdays", "0 9 * * mon-fri"),
    "friday-afternoon": ("selfcare.space_preset_friday", "0 16 * * fri"),
}


def space_of(ctx: Context, req: Request, command: str = "selfcare space") -> Destination:
    """The conversation a steward is managing, as the destination things are posted to."""
    if req.caller is None or req.caller.conversation.is_private:
        raise UserFacingError(ctx.text("core.space_only", command=command))
    conversation = req.caller.conversation
    return Destination(conversation.platform, "chat", conversation.chat_id)


async def listing(ctx: Context, space: Destination, note: str = "") -> Reply:
    tz = ctx.settings.default_timezone
    rows = await space_schedules(ctx, str(space))
    lines = [note, ""] if note else []
    lines.append(ctx.text("selfcare.space_header"))
    for n, row in enumerate(rows, start=1):
        when = describe(row.trigger, ctx.text, starts_line=True)
        line = f"{n}. {when} · {themes_line(ctx, themes_of(row.payload))}"
        nxt = ctx.scheduler.next_fire(row.id)
        if nxt is not None:
            shown = markup.time_tag(int(nxt.timestamp()), local_moment(nxt, tz))
            line += "\n   " + ctx.text("selfcare.next", when=shown)
        lines.append(line)
    if not rows:
        lines.append(ctx.text("selfcare.space_none"))
    lines += ["", ctx.text("selfcare.space_help", timezone=markup.escape(tz))]
    choices = [
        Choice(
            ctx.text("selfcare.button_remove_n", n=n), "selfcare.space_remove", {"schedule": r.id}
        )
        for n, r in enumerate(rows, start=1)
    ]
    if len(rows) < MAX_SPACE_SCHEDULES:
        choices += [
            Choice(ctx.text(key), "selfcare.space_preset", {"preset": name})
            for name, (key, _) in SPACE_PRESETS.items()
        ]
    return Reply.with_choices("\n".join(lines), choices, per_row=3, privacy=Privacy.DISCREET)


async def add(ctx: Context, space: Destination, text: str) -> Reply:
    if not await may_receive_space_prompts(ctx, space):
        raise UserFacingError(ctx.text("selfcare.space_not_allowed"))
    when, themes = read_space_plan(text, prompts_file(ctx))
    if len(await space_schedules(ctx, str(space))) >= MAX_SPACE_SCHEDULES:
        raise UserFacingError(ctx.text("selfcare.space_too_many", most=MAX_SPACE_SCHEDULES))
    await ctx.scheduler.add(
        SPACE_KIND,
        when,
        timezone=ctx.settings.default_timezone,
        target=str(space),
        payload={"themes": list(themes)},
    )
    note = ctx.text(
        "selfcare.space_added", when=describe(when, ctx.text), themes=themes_line(ctx, list(themes))
    )
    return await listing(ctx, space, note)


async def remove(ctx: Context, space: Destination, schedule_id: int) -> Reply:
    row = await ctx.repo.schedules.get(schedule_id)
    if row is None or row.kind != SPACE_KIND or row.target != str(space):
        raise UserFacingError(ctx.text("selfcare.schedule_gone"))
    await ctx.scheduler.remove(row.id)
    if not await space_schedules(ctx, str(space)):
        await ctx.repo.selfcare.forget_space(str(space))
    return await listing(ctx, space, ctx.text("selfcare.space_removed"))


async def space(ctx: Context, req: Request) -> Replies:
    """``/selfcare space``: the list; ``… 0 9 * * mon grounding`` adds; ``… remove 2``."""
    where = space_of(ctx, req)
    text = str(req.args.get("when", "")).strip()
    if not text:
        return await listing(ctx, where)
    removing = re.match(r"^(?:remove|delete)\s+#?(\d+)$", text, re.IGNORECASE)
    if removing:
        rows = await space_schedules(ctx, str(where))
        n = int(removing.group(1))
        if not 1 <= n <= len(rows):
            raise UserFacingError(ctx.text("selfcare.space_no_number", n=n))
        return await remove(ctx, where, rows[n - 1].id)
    return await add(ctx, where, text)


async def preset_button(ctx: Context, req: Request) -> Replies:
    chosen = SPACE_PRESETS.get(str(req.args.get("preset")))
    if chosen is None:
        return Reply(ctx.text("core.button_expired"))
    return await add(ctx, space_of(ctx, req), chosen[1])


async def remove_button(ctx: Context, req: Request) -> Replies:
    return await remove(ctx, space_of(ctx, req), int(req.args.get("schedule", 0)))


async def post(ctx: Context, req: Request) -> Replies:
    """The job: post the next prompt of the rotation in the space."""
    row = req.schedule
    if row is None or row.target is None:
        return None
    space = Destination.parse(row.target)
    if not await may_receive_space_prompts(ctx, space):
        log.info("schedule %d: the conversation may not get space prompts; skipped", row.id)
        return None
    picked = await pick(ctx, Audience(space=row.target), themes_of(row.payload))
    await ctx.messenger.to_destination(
        space, prompt_reply(ctx, picked, in_space=True), origin=ORIGIN
    )
    return None


async def follow_moved_chat(ctx: Context, event: ChatMoved) -> None:
    """A group moved to a new id (the scheduler already moved its schedules): its rotation
    follows, so prompts keep not repeating."""
    old = Destination(event.platform, "chat", event.old_chat_id)
    new = Destination(event.platform, "chat", event.new_chat_id)
    await ctx.repo.selfcare.move_space(str(old), str(new))
