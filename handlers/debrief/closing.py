"""Leaving and closing a debrief room, and closing it when it has been quiet too long.

A room closes when its opener closes it, when everyone has left, after a quiet while (with a
warning first), or at a restart. Closing deletes the messages the bot put in each private chat
for the room, where the platform still allows (the adapter knows its platform's rules and
refuses the rest), tells everyone in one message with a self-care prompt and the crisis lines
one tap away, and leaves in storage only one more in the count of rooms held.

Quietness is watched with one scheduled check per room (the scheduler, not a timer of our
own): it fires when the room would be due a warning; if someone spoke since, it is set again
for later. So a busy room costs no writes at all.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.context import Context, Request
from bot.core.replies import Choice, Replies, Reply
from bot.outbox import DeliveryReport, Op, OutgoingMessage
from bot.scheduler import once
from handlers.debrief import relaying
from handlers.debrief.live import ORIGIN, Room, Sent, rooms
from handlers.debrief.rooms import idle_after, note, tell, warn_before

QUIET_KIND = "debrief.quiet"


def _target(room_id: int) -> str:
    return f"debrief:room:{room_id}"


async def watch_quiet(ctx: Context, room: Room, at: datetime) -> None:
    """Check on the room at ``at`` (and forget any earlier check). The new check is added
    before the old one goes, so it never takes the id of the check that is firing now (which
    the scheduler deletes when it is done)."""
    new = await ctx.scheduler.add(
        QUIET_KIND, once(at), target=_target(room.id), payload={"room": room.id}
    )
    await _unwatch(ctx, room.id, keep=new.id)
    await ctx.repo.debrief.set_closes_at(room.id, room.last_active + idle_after(ctx))


async def _unwatch(ctx: Context, room_id: int, keep: int | None = None) -> None:
    for row in await ctx.repo.schedules.for_target(_target(room_id), QUIET_KIND):
        if row.id != keep:
            await ctx.scheduler.remove(row.id)


async def check_quiet(ctx: Context, req: Request) -> Replies:
    """The scheduled check: warn, close, or look again later."""
    room = rooms(ctx).by_id.get(int(req.args.get("room", 0)))
    if room is None:
        return None
    now = ctx.clock.now()
    closes = room.last_active + idle_after(ctx)
    if now >= closes and room.warned:
        await close_room(ctx, room, quiet=True)
    elif now >= closes - warn_before(ctx) and not room.warned:
        minutes = max(1, round((closes - now).total_seconds() / 60))
        await tell(ctx, room, Reply(ctx.text("debrief.quiet_warning", minutes=minutes)))
        room.warned = True
        await watch_quiet(ctx, room, closes)
    else:
        # Someone spoke since this check was set: look again when it could next be due.
        await watch_quiet(ctx, room, closes - warn_before(ctx) if not room.warned else closes)
    return None


async def leave_room(ctx: Context, room: Room, person_id: int) -> None:
    """Take someone out of the room; the room closes when nobody is left."""
    if person_id not in room.chats:
        return
    if len(room.chats) == 1:  # the last one out: they are told the room closed, with care
        await close_room(ctx, room, quiet=False)
        return
    await note(ctx, room, "debrief.left_note", person_id)
    await ctx.repo.debrief.leave(room.id, person_id)
    del room.chats[person_id]
    await relaying.left(ctx, room, person_id)


def aftercare(ctx: Context, text: str) -> Reply:
    """The closing words, with a self-care prompt and the crisis lines one tap away."""
    return Reply.with_choices(
        "\n\n".join([text, ctx.text("debrief.aftercare")]),
        [
            Choice(ctx.text("debrief.button_selfcare"), "debrief.selfcare"),
            Choice(ctx.text("crisis.lines_button"), "crisis.group", {"group": "always"}),
        ],
        per_row=2,
    )


async def close_room(ctx: Context, room: Room, *, quiet: bool) -> None:
    """Close for everyone: stop relaying, delete what was sent, say so, keep only a count."""
    if rooms(ctx).by_id.pop(room.id, None) is None:
        return  # closed already (two closes at once)
    rooms(ctx).closed.add(room.id)
    await relaying.closed(ctx, room)
    await delete_sent(ctx, room)
    text = ctx.text("debrief.closed_quiet" if quiet else "debrief.closed")
    for person_id in room.chats:
        await ctx.messenger.to_destination(
            room.destination(person_id), aftercare(ctx, text), person_id=person_id, ephemeral=True
        )
    await _unwatch(ctx, room.id)
    await ctx.repo.debrief.close(room.id)


async def delete_sent(ctx: Context, room: Room) -> None:
    """Ask each platform to delete what the bot sent into the room: relayed copies and its own
    notes. Each adapter refuses what its platform no longer allows (Telegram: after 48 hours),
    and the outbox reports that without retrying."""
    sent, room.sent = room.sent, []
    for item in sent:
        await delete(ctx, item)


async def delete(ctx: Context, item: Sent) -> None:
    await ctx.outbox.enqueue(
        item.destination,
        OutgoingMessage("", op=Op.DELETE, target_id=item.message_id),
        ephemeral=True,
    )


async def delivered(ctx: Context, report: DeliveryReport) -> None:
    """Note each message the bot put in a room, to delete it on close; one that arrives after
    the room closed (it was on its way) is deleted at once."""
    if not report.delivered or report.origin is None:
        return
    room_id = int(report.origin.removeprefix(ORIGIN))
    found = rooms(ctx)
    for message_id in report.message_ids:
        item = Sent(report.destination, message_id, ctx.clock.now())
        room = found.by_id.get(room_id)
        if room is not None:
            room.sent.append(item)
        elif room_id in found.closed:
            await delete(ctx, item)


async def end_at_start(ctx: Context) -> None:
    """A restart ends every room that was open: the live part is gone, so each person is told
    in one line, and storage keeps only the count."""
    for row in await ctx.repo.debrief.rooms():
        for seat in await ctx.repo.debrief.seats(row.id):
            await ctx.messenger.to_person(seat.person_id, Reply(ctx.text("debrief.restarted")))
        await _unwatch(ctx, row.id)
        await ctx.repo.debrief.close(row.id)
