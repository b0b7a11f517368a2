""" "Need support now": crisis lines at once, and people the peer may ask to reach out.

Each offer is its own button, and nothing is sent to anyone without that tap. What is sent says
only "<name> would like you to reach out", never the answer. The offers are a list
(:data:`OFFERS`): the mentor of this check-in and the person's buddy this round; debrief rooms,
when built, add an :class:`Offer` here (whether it shows for this person, its button, the action its
router registers) and nothing else changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.context import Context, Request
from bot.core.replies import Choice, Replies, Reply
from bot.storage.checkins import CheckinRow
from handlers.checkins.common import caller_name, checkin_for, member, tell


@dataclass(frozen=True, slots=True)
class Offer:
    """Someone, or somewhere, a peer who needs support now can reach with one tap."""

    #: Shown only when this says so (a buddy offer: only if the person has a buddy).
    available: Callable[[Context, int], Awaitable[bool]]
    label_key: str
    #: The button's action, registered by whichever router does the reaching out. It carries
    #: no payload: the check-in is the caller's answer in hand (``in_flight.answers``).
    action: str


async def _always(ctx: Context, person_id: int) -> bool:
    return True


async def _has_buddy(ctx: Context, person_id: int) -> bool:
    """Paired in the latest buddy round (the buddies router answers the tap)."""
    return await ctx.repo.buddies.current(person_id) is not None


OFFERS: tuple[Offer, ...] = (
    Offer(_always, "checkins.button_reach_mentor", "checkins.reach_mentor"),
    Offer(_has_buddy, "buddies.button_reach", "buddies.reach"),
    # Debrief rooms: Offer(_always, "debrief.button_open", "debrief.open_now")
)


async def offer(ctx: Context, req: Request, row: CheckinRow) -> Reply:
    choices = [
        Choice(ctx.text(o.label_key, who=member(ctx, row.mentor_id)), o.action)
        for o in OFFERS
        if await o.available(ctx, row.peer_id)
    ]
    choices.append(Choice(ctx.text("checkins.button_okay_for_now"), "checkins.okay_for_now"))
    return Reply.with_choices(ctx.text("checkins.support_offers"), choices, per_row=1)


async def reach_mentor(ctx: Context, req: Request) -> Replies:
    """Ask this check-in's mentor to reach out: the only thing it says is who asks. The
    check-in is the one whose answer is in hand (memory): the buttons name nothing, so no
    row is left saying that this peer asked for support."""
    held = ctx.repo.checkins.in_flight.answers.get(req.person.id)
    if held is None:
        return Reply(ctx.text("checkins.reach_gone"), replace=True)
    row = await checkin_for(ctx, Request(req.caller, {"c": held.checkin_id}), peer=True)
    ask = Reply.with_choices(
        ctx.text("checkins.would_like_you_to_reach_out", who=caller_name(ctx, req)),
        [Choice(ctx.text("checkins.button_reply"), "checkins.reply", {"c": row.id})],
    )
    await tell(ctx, row.mentor_id, ask)
    return Reply(
        ctx.text("checkins.asked_to_reach_out", who=member(ctx, row.mentor_id)), replace=True
    )


async def okay_for_now(ctx: Context, req: Request) -> Replies:
    """Nothing is sent, and nothing is recorded."""
    return Reply(ctx.text("checkins.okay_for_now"), replace=True)
