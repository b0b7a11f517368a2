"""Inside a debrief room: guided steps, a break, leaving, closing, and the way out when
someone stops being a member.

``/leave`` inside a room leaves only the room (the network's ``/leave`` asks this capability
first); said again outside a room it leaves the network, after its own confirming tap.
"""

from __future__ import annotations

from bot.content.sources import DEBRIEF
from bot.core import markup
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.model import Person
from bot.core.replies import Choice, Replies, Reply
from handlers.debrief.closing import close_room, leave_room
from handlers.debrief.live import Room
from handlers.debrief.rooms import menu, note, room_of, tell, touch
from handlers.selfcare import personal_prompt


def _room(ctx: Context, req: Request) -> Room:
    room = room_of(ctx, req.person.id)
    if room is None:
        raise UserFacingError(ctx.text("debrief.not_in_room"))
    return room


async def step(ctx: Context, req: Request) -> Replies:
    """Bring a guided step up for the whole room (the first, or the one a button names)."""
    room = _room(ctx, req)
    file = ctx.content[DEBRIEF]
    wanted = str(req.args.get("step") or "")
    found = file.step(wanted) if wanted else file.steps[0]
    if found is None:
        return Reply(ctx.text("debrief.steps_done"))
    number = file.steps.index(found) + 1
    lines = [] if number > 1 else [markup.escape(file.intro), ""]
    lines.append(
        ctx.text("debrief.step_head", number=number, total=len(file.steps), title=found.title)
    )
    lines.append(markup.escape(found.prompt))
    nxt = file.steps[number] if number < len(file.steps) else None
    choices = [Choice(ctx.text("crisis.lines_button"), "crisis.group", {"group": "always"})]
    if nxt is not None:
        label = ctx.text("debrief.button_next_step")
        choices.insert(0, Choice(label, "debrief.step", {"room": room.id, "step": nxt.id}))
    else:
        lines += ["", ctx.text("debrief.steps_done")]
    touch(ctx, room)
    await tell(ctx, room, Reply.with_choices("\n".join(lines), choices, per_row=2))
    return None


async def pause(ctx: Context, req: Request) -> Replies:
    """**I need a break**: the room hears they stepped away, never why."""
    room = _room(ctx, req)
    await note(ctx, room, "debrief.break_note", req.person.id)
    return menu(ctx, room, req.person.id, ctx.text("debrief.break_you"))


async def leave(ctx: Context, req: Request) -> Replies:
    room = _room(ctx, req)
    await leave_room(ctx, room, req.person.id)
    return Reply(ctx.text("debrief.left_you"))


async def leave_first(ctx: Context, req: Request) -> Replies | None:
    """Answer /leave for someone in a room: it leaves the room, not the network."""
    person = req.maybe_person
    if person is None or room_of(ctx, person.id) is None:
        return None
    return await leave(ctx, req)


async def close(ctx: Context, req: Request) -> Replies:
    """/close (and its button): only the opener closes the room for everyone."""
    room = _room(ctx, req)
    if req.person.id != room.opener_id:
        raise UserFacingError(ctx.text("debrief.close_only_opener"))
    await close_room(ctx, room, quiet=False)
    return None


async def selfcare(ctx: Context, req: Request) -> Replies:
    """The self-care prompt offered when a room closes."""
    return await personal_prompt(ctx, req.person.id, [])


async def removed(ctx: Context, person: Person) -> None:
    """Someone stopped being a member: out of their room at once, and out of any invitation."""
    room = room_of(ctx, person.id)
    if room is not None:
        await leave_room(ctx, room, person.id)
        await ctx.messenger.to_person(person.id, Reply(ctx.text("debrief.left_you_removed")))
    from handlers.debrief.live import rooms

    for each in rooms(ctx).by_id.values():
        each.invited.discard(person.id)
        each.asked_any.discard(person.id)
        each.claimed_by.discard(person.id)
