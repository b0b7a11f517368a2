"""Opening a debrief room and bringing people into it.

``/debrief`` asks how the opener wants to show up (their name or a pseudonym), then opens the
room. People come in by invitation (a member number, a Discord user option, or a button for
each member who offered to be a companion) or by "any available peer", which asks every free
companion at once; the first to accept joins. Someone asked answers **Join** or **Not now**; a
"not now" tells the opener only that not everyone could join, never who or why.
"""

from __future__ import annotations

import asyncio

from bot.content.sources import DEBRIEF
from bot.core import markup
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.model import Person, PersonRef
from bot.core.replies import ButtonStyle, Choice, Replies, Reply
from bot.outbox import DeliveryReport
from handlers.debrief.closing import watch_quiet
from handlers.debrief.live import INVITE_ORIGIN, MAX_PEOPLE, Room, rooms
from handlers.debrief.rooms import (
    banner,
    idle_after,
    join_room,
    menu,
    open_room,
    pseudonym_choices,
    room_of,
    tell,
    warn_before,
)
from handlers.membership import find_member

MAX_COMPANION_BUTTONS = 9
#: Seconds an invitation waits for the app to take it before the inviter is answered anyway.
ANSWER_WAIT = 5.0
GO = ButtonStyle.PRIMARY


def _open_room_of(ctx: Context, req: Request) -> Room:
    room = room_of(ctx, req.person.id)
    if room is None:
        raise UserFacingError(ctx.text("debrief.not_in_room"))
    return room


def _pseudonym(ctx: Context, req: Request) -> str | None:
    """The pseudonym a button chose, by its place in the content file (0: their own name)."""
    names = ctx.content[DEBRIEF].pseudonyms
    place = req.args.get("as")
    return names[place - 1] if isinstance(place, int) and 1 <= place <= len(names) else None


# -- opening -----------------------------------------------------------------------------------


async def start(ctx: Context, req: Request) -> Replies:
    """/debrief [person]: in a room, invite them; else ask how to show up, then open."""
    room = room_of(ctx, req.person.id)
    target: PersonRef | None = req.args.get("person")
    if room is not None:
        if target is not None:
            return await _invite(ctx, req, room, await find_member(ctx, target))
        return banner(ctx, room, req.person.id)
    payload = {"invite": (await find_member(ctx, target)).id} if target is not None else {}
    return Reply.with_choices(
        ctx.text("debrief.show_as"),
        pseudonym_choices(ctx, None, "debrief.open", payload),
        per_row=2,
    )


async def open_as(ctx: Context, req: Request) -> Replies:
    room = await open_room(ctx, req, _pseudonym(ctx, req))
    now = ctx.clock.now()
    await watch_quiet(ctx, room, now + idle_after(ctx) - warn_before(ctx))
    replies = [menu(ctx, room, req.person.id, ctx.text("debrief.opened"))]
    invite = req.args.get("invite")
    if invite:
        person = await ctx.repo.people.get(int(invite))
        if person is not None and person.is_member:
            replies.append(await _invite(ctx, req, room, person))
    replies.append(banner(ctx, room, req.person.id))
    return replies


# -- inviting ----------------------------------------------------------------------------------


async def invite(ctx: Context, req: Request) -> Replies:
    """/debrief invite <person>."""
    room = _open_room_of(ctx, req)
    return await _invite(ctx, req, room, await find_member(ctx, req.args["person"]))


async def invite_button(ctx: Context, req: Request) -> Replies:
    room = _open_room_of(ctx, req)
    return await _invite(
        ctx, req, room, await find_member(ctx, PersonRef(number=int(req.args["who"])))
    )


async def _invite(ctx: Context, req: Request, room: Room, person: Person) -> Reply:
    if person.id == req.person.id:
        return Reply(ctx.text("debrief.invite_self"))
    if person.id in room.chats or person.id in room.invited:
        return Reply(ctx.text("debrief.invited_already"))
    if len(room.chats) >= MAX_PEOPLE:
        return Reply(ctx.text("debrief.room_full"))
    if await ctx.repo.debrief.room_of(person.id) is not None:
        return Reply(ctx.text("debrief.invite_busy"))
    room.invited.add(person.id)
    name = markup.escape(room.shown[req.person.id])
    asked = _asking(
        ctx.text("debrief.invitation", name=name),
        Choice(ctx.text("debrief.button_join"), "debrief.join", {"room": room.id}, style=GO),
        Choice(ctx.text("debrief.button_not_now"), "debrief.decline", {"room": room.id}),
    )
    origin = f"{INVITE_ORIGIN}{room.id}:{req.person.id}"
    # Wait a moment for the app's answer, so "I've asked them" is only said when it is true.
    answer = room.awaited[person.id] = asyncio.get_running_loop().create_future()
    try:
        sent = await ctx.messenger.to_person(person.id, asked, origin=origin, ephemeral=True)
        if sent is None:
            room.invited.discard(person.id)
            return Reply(ctx.text("debrief.invite_busy"))
        async with asyncio.timeout(ANSWER_WAIT):
            report = await answer
    except TimeoutError:
        return Reply(ctx.text("debrief.invited"))  # slow: a failure is told when it comes
    finally:
        room.awaited.pop(person.id, None)
    if report.delivered:
        return Reply(ctx.text("debrief.invited"))
    room.invited.discard(person.id)
    return Reply(ctx.text(_not_reached(report)))


def _not_reached(report: DeliveryReport) -> str:
    """The words for an invitation that did not reach its person: most often they have not
    started a private chat with the bot yet (any app; the outbox says so)."""
    return "debrief.invite_unreachable" if report.unreachable else "debrief.invite_undelivered"


async def invitation_report(ctx: Context, report: DeliveryReport) -> None:
    """What became of an invitation: to the inviter waiting in place, or, when the app was
    slow and they were already told "I've asked them", a failure told kindly in the room."""
    if report.origin is None:
        return
    room_id, _, inviter = report.origin.removeprefix(INVITE_ORIGIN).partition(":")
    room = rooms(ctx).by_id.get(int(room_id))
    if room is None or report.person_id is None or not inviter.isdigit():
        return
    waiting = room.awaited.pop(report.person_id, None)
    if waiting is not None and not waiting.done():
        waiting.set_result(report)
    elif not report.delivered:
        room.invited.discard(report.person_id)
        await tell(ctx, room, Reply(ctx.text(_not_reached(report))), only=[int(inviter)])


def _asking(text: str, yes: Choice, no: Choice) -> Reply:
    """An invitation or an "any available peer" request: who asks, a button to come in and
    **Not now**."""
    return Reply.with_choices(text, [yes, no], per_row=2)


async def invite_menu(ctx: Context, req: Request) -> Replies:
    """Buttons for the companions who are free (by member number: no names are kept)."""
    room = _open_room_of(ctx, req)
    free = [
        p
        for p in await ctx.repo.debrief.companions()
        if p not in room.chats and p not in room.invited and p != req.person.id
    ][:MAX_COMPANION_BUTTONS]
    if not free:
        return Reply(ctx.text("debrief.invite_pick_none"))
    choices = [
        Choice(
            ctx.text("debrief.member_label", number=p),
            "debrief.invite",
            {"room": room.id, "who": p},
        )
        for p in free
    ]
    return Reply.with_choices(ctx.text("debrief.invite_pick"), choices, per_row=3)


async def any_peer(ctx: Context, req: Request) -> Replies:
    """Ask every free companion at once; the first to accept joins."""
    room = _open_room_of(ctx, req)
    free = [
        p
        for p in await ctx.repo.debrief.companions()
        if p not in room.chats and p not in room.asked_any and p != req.person.id
    ]
    if not free:
        return Reply(ctx.text("debrief.any_peer_none"))
    name = markup.escape(room.shown[req.person.id])
    asked = _asking(
        ctx.text("debrief.any_peer_request", name=name),
        Choice(ctx.text("debrief.button_can_join"), "debrief.take", {"room": room.id}, style=GO),
        Choice(ctx.text("debrief.button_not_now"), "debrief.decline_any", {"room": room.id}),
    )
    for person_id in free:
        if await ctx.messenger.to_person(person_id, asked, ephemeral=True) is not None:
            room.asked_any.add(person_id)
    return Reply(ctx.text("debrief.any_peer_asked"))


# -- answering ---------------------------------------------------------------------------------


def _asked_room(ctx: Context, req: Request) -> Room:
    room = rooms(ctx).by_id.get(int(req.args.get("room", 0)))
    if room is None:
        raise UserFacingError(ctx.text("debrief.room_gone"))
    return room


def _choose_name(ctx: Context, room: Room) -> Reply:
    return Reply.with_choices(
        ctx.text("debrief.choose_name"),
        pseudonym_choices(ctx, room, "debrief.join_as", {"room": room.id}),
        per_row=2,
        replace=True,
    )


async def join(ctx: Context, req: Request) -> Replies:
    """**Join** on an invitation: choose how to show up."""
    room = _asked_room(ctx, req)
    if req.person.id not in room.invited:
        raise UserFacingError(ctx.text("debrief.room_gone"))
    if room_of(ctx, req.person.id) is not None:
        raise UserFacingError(ctx.text("debrief.already_in_room"))
    return _choose_name(ctx, room)


async def take(ctx: Context, req: Request) -> Replies:
    """**I can join** on an "any available peer" request: the first to tap has it."""
    room = _asked_room(ctx, req)
    if req.person.id not in room.asked_any:
        return Reply(ctx.text("debrief.any_peer_taken"), replace=True)
    if room_of(ctx, req.person.id) is not None:
        raise UserFacingError(ctx.text("debrief.already_in_room"))
    room.asked_any.clear()  # nobody else can take it now
    room.claimed_by.add(req.person.id)
    return _choose_name(ctx, room)


async def join_as(ctx: Context, req: Request) -> Replies:
    room = _asked_room(ctx, req)
    person_id = req.person.id
    if person_id not in room.invited and person_id not in room.claimed_by:
        raise UserFacingError(ctx.text("debrief.room_gone"))
    await join_room(ctx, req, room, _pseudonym(ctx, req))
    return banner(ctx, room, person_id)


async def decline(ctx: Context, req: Request) -> Replies:
    """**Not now**: the opener learns only that not everyone could join, never who or why."""
    room = rooms(ctx).by_id.get(int(req.args.get("room", 0)))
    if room is not None and req.person.id in room.invited:
        room.invited.discard(req.person.id)
        await tell(ctx, room, Reply(ctx.text("debrief.decline_note")), only=[room.opener_id])
    return Reply(ctx.text("debrief.declined"), replace=True)


async def decline_any(ctx: Context, req: Request) -> Replies:
    """**Not now** on an "any available peer" request: nobody is told anything."""
    room = rooms(ctx).by_id.get(int(req.args.get("room", 0)))
    if room is not None:
        room.asked_any.discard(req.person.id)
    return Reply(ctx.text("debrief.declined"), replace=True)


# -- companions --------------------------------------------------------------------------------


async def companion(ctx: Context, req: Request) -> Replies:
    """/debrief companion on|off."""
    person = req.person
    wanted = str(req.args.get("choice") or "").lower()
    if wanted in ("on", "off"):
        await ctx.repo.debrief.set_companion(person.id, wanted == "on", ctx.clock.now())
        return Reply(ctx.text(f"debrief.companion_{wanted}"))
    on = await ctx.repo.debrief.is_companion(person.id)
    return Reply(ctx.text("debrief.companion_status_on" if on else "debrief.companion_status_off"))
