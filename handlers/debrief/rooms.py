"""Being in a debrief room: opening one, joining, leaving, and what the room is told.

The room lives in two places on purpose: storage holds only that it exists and who is in it;
the live part (names shown, private chats, what was sent) is in memory (``live``). Everything
the bot says into a room goes through the outbox as ephemeral messages, so no name or pseudonym
shown in a room is written to disk either.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.content.sources import DEBRIEF
from bot.core import markup
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.replies import ButtonStyle, Choice, Reply
from bot.storage.debrief import AlreadyInARoom
from handlers.debrief import relaying
from handlers.debrief.live import MAX_PEOPLE, Room, rooms


def idle_after(ctx: Context) -> timedelta:
    return timedelta(minutes=ctx.settings.debrief_idle_minutes)


def warn_before(ctx: Context) -> timedelta:
    return timedelta(minutes=ctx.settings.debrief_warning_minutes)


def display_name(req: Request) -> str:
    """The name the platform shows for the caller (held in memory only, never stored)."""
    assert req.caller is not None
    return req.caller.actor.display_name.strip() or "A peer"


def room_of(ctx: Context, person_id: int) -> Room | None:
    return rooms(ctx).of(person_id)


def touch(ctx: Context, room: Room) -> None:
    """Something happened in the room: it is not quiet."""
    room.last_active = ctx.clock.now()
    room.warned = False


def menu(ctx: Context, room: Room, person_id: int, text: str) -> Reply:
    """``text`` with the room's buttons: steps, a break, crisis lines one tap away, inviting,
    leaving (and closing, for the opener)."""
    choices = [
        Choice(ctx.text("debrief.button_steps"), "debrief.step", {"room": room.id}),
        Choice(ctx.text("debrief.button_break"), "debrief.pause", {"room": room.id}),
        Choice(ctx.text("crisis.lines_button"), "crisis.group", {"group": "always"}, anyone=True),
        Choice(ctx.text("debrief.button_invite"), "debrief.invite_menu", {"room": room.id}),
        Choice(ctx.text("debrief.button_any_peer"), "debrief.any_peer", {"room": room.id}),
    ]
    if person_id == room.opener_id:
        close = Choice(
            ctx.text("debrief.button_close"),
            "debrief.close",
            {"room": room.id},
            style=ButtonStyle.DANGER,
        )
        choices.append(close)
    else:
        choices.append(Choice(ctx.text("debrief.button_leave"), "debrief.leave", {"room": room.id}))
    return Reply.with_choices(text, choices, per_row=3)


def banner(ctx: Context, room: Room, person_id: int) -> Reply:
    lines = [ctx.text("debrief.banner", count=len(room.chats))]
    if person_id == room.opener_id:
        lines.append(ctx.text("debrief.banner_opener"))
    return menu(ctx, room, person_id, "\n".join(lines))


async def tell(
    ctx: Context, room: Room, reply: Reply, *, only: Sequence[int] | None = None
) -> None:
    """Say something to everyone in the room (or ``only`` these), in memory only."""
    for person_id in room.chats if only is None else only:
        if person_id in room.chats:
            await ctx.messenger.to_destination(
                room.destination(person_id),
                reply,
                person_id=person_id,
                origin=room.origin,
                ephemeral=True,
            )


async def note(ctx: Context, room: Room, key: str, person_id: int) -> None:
    """Tell the others that ``person_id`` did something (joined, left, stepped away)."""
    name = markup.escape(room.shown.get(person_id, ""))
    await tell(ctx, room, Reply(f"*{ctx.text(key, name=name)}*"), only=room.others(person_id))


def pseudonym_choices(
    ctx: Context, room: Room | None, action: str, payload: dict[str, int]
) -> list[Choice]:
    """ "As myself" and three pseudonyms nobody in the room uses yet. A button carries the
    pseudonym's place in the content file, not the name, so no stored button holds it."""
    names = ctx.content[DEBRIEF].pseudonyms
    taken = {name.lower() for name in (room.shown.values() if room else ())}
    free = [n for n, name in enumerate(names, start=1) if name.lower() not in taken]
    offset = (room.id if room else 0) + len(taken)
    picks = [free[(offset + i) % len(free)] for i in range(min(3, len(free)))]
    choices = [Choice(ctx.text("debrief.show_as_you_plain"), action, {**payload, "as": 0})]
    choices += [
        Choice(
            ctx.text("debrief.show_as_pseudonym", name=names[n - 1]), action, {**payload, "as": n}
        )
        for n in picks
    ]
    return choices


async def open_room(ctx: Context, req: Request, pseudonym: str | None) -> Room:
    """A new room with the caller in it."""
    person = req.person
    assert req.caller is not None
    now = ctx.clock.now()
    try:
        room_id = await ctx.repo.debrief.open(person.id, pseudonym, now, now + idle_after(ctx))
    except AlreadyInARoom:
        raise UserFacingError(ctx.text("debrief.already_in_room")) from None
    room = Room(room_id, person.id, now)
    room.chats[person.id] = req.caller.actor.account
    room.shown[person.id] = pseudonym or display_name(req)
    rooms(ctx).by_id[room_id] = room
    await relaying.opened(ctx, room)
    await relaying.entered(ctx, room, person.id)
    return room


async def join_room(ctx: Context, req: Request, room: Room, pseudonym: str | None) -> None:
    person = req.person
    assert req.caller is not None
    if len(room.chats) >= MAX_PEOPLE:
        raise UserFacingError(ctx.text("debrief.room_full"))
    if pseudonym and pseudonym.lower() in {n.lower() for n in room.shown.values()}:
        raise UserFacingError(ctx.text("debrief.name_taken"))  # never fall back to their name
    try:
        await ctx.repo.debrief.join(room.id, person.id, pseudonym)
    except AlreadyInARoom:
        raise UserFacingError(ctx.text("debrief.already_in_room")) from None
    room.invited.discard(person.id)
    room.claimed_by.discard(person.id)
    room.chats[person.id] = req.caller.actor.account
    room.shown[person.id] = pseudonym or display_name(req)
    touch(ctx, room)
    await relaying.entered(ctx, room, person.id)
    await note(ctx, room, "debrief.joined_note", person.id)


def closes_at(ctx: Context, room: Room) -> datetime:
    return room.last_active + idle_after(ctx)
