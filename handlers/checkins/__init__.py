"""Check-ins: a mentor's offer that the peer controls, never monitoring.

``consent`` (proposing, accepting, another time), ``asking`` (the question, the answer, share
or keep), ``support`` (need support now), ``controls`` (skip, snooze, pause, change, stop),
``views`` (``/checkin`` for peers and mentors, handover, a peer's own history), ``group`` (a
question in a peer space), ``plans`` (times in words), ``common``. Nothing about a peer reaches
anyone without the peer's tap (DESIGN rule 2).

Only the router, the "need support now" offers (:data:`OFFERS`, :class:`Offer`, for buddies
and debrief rooms to add theirs) and how people are named (``member``, ``caller_name``, which
buddies uses too) leave this package.
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.commands import Access, Command, Option, OptionType, Router, Scope
from bot.core.context import Context
from bot.core.model import Person
from handlers.checkins import asking, consent, controls, group, support, views
from handlers.checkins.common import AGAIN_KIND, ASK_KIND, GROUP_KIND, caller_name, end, member
from handlers.checkins.support import OFFERS, Offer

router = Router("checkins")

router.job(ASK_KIND)(asking.ask)
router.job(AGAIN_KIND)(asking.ask)
router.job(GROUP_KIND)(group.post)
router.on_typed_answer(asking.typed)

router.action("pick")(consent.pick)
router.action("accept")(consent.accept)
router.action("decline")(consent.decline)
router.action("never")(consent.never)
router.action("allow")(consent.allow)
router.action("change_yes")(consent.change_yes)
router.action("change_no")(consent.change_no)
router.action("answer")(asking.answer)
router.action("share")(asking.share)
router.action("keep")(asking.keep)
router.action("reply")(asking.reply)
router.action("reach_mentor")(support.reach_mentor)
router.action("okay_for_now")(support.okay_for_now)
router.action("skip")(controls.skip)
router.action("snooze")(controls.snooze)
router.action("pause_menu")(controls.pause_menu)
router.action("pause")(controls.pause)
router.action("resume")(controls.resume)
router.action("manage")(controls.manage)
router.action("stop")(controls.stop)
router.action("handover_yes")(views.handover_yes)
router.action("handover_no")(views.handover_no)
router.action("space_remove", access=Access.STEWARD)(group.remove)


@router.on_removed
async def ended_by_leaving(ctx: Context, person: Person) -> None:
    """Someone left or asked to be forgotten: each of their check-ins ends, and the other
    person is told only that it ended."""
    for row in await ctx.repo.checkins.involving(person.id):
        if person.id in (row.peer_id, row.mentor_id):
            await end(ctx, row, told=row.other(person.id))
        else:  # offered to them as a new mentor
            await ctx.repo.checkins.offer_handover(row.id, None)
    ctx.repo.checkins.in_flight.forget(person.id)


@router.on_start
async def keep_history_short(ctx: Context) -> None:
    """A peer's own history is erased after 90 days."""

    async def purge() -> int:
        return await views.purge_history(ctx)

    ctx.scheduler.housekeeping("checkin-history", timedelta(hours=6), purge)


PERSON = Option(
    "person", "Who (a member number, or reply to them)", OptionType.PERSON, required=True
)

router.command(
    Command(
        "checkin",
        "Check-ins with a mentor: yours, ones you offer, and who may offer them",
        subcommands=(
            Command("list", "Your check-ins, with skip, pause, change and stop", views.overview),
            Command(
                "propose",
                "Offer a member check-ins (mentors)",
                consent.propose_command,
                options=(
                    PERSON,
                    Option("when", "e.g. weekly mon 10:00, in their time", greedy=True),
                ),
                access=Access.MENTOR,
            ),
            Command(
                "allow",
                "Let a mentor you said no to offer check-ins again (they aren't told)",
                consent.allow_command,
                options=(PERSON,),
            ),
            Command(
                "pause",
                "Pause your check-ins until a date",
                controls.pause_command,
                options=(Option("until", "A date like 1 July, or a number of days", greedy=True),),
            ),
            Command(
                "history",
                "Keep your own answers for 90 days (off unless you turn it on)",
                views.history,
                options=(Option("turn", "on or off", choices=("on", "off")),),
            ),
            Command(
                "handover",
                "Hand your check-ins to another mentor (each peer decides)",
                views.handover,
                options=(PERSON,),
                access=Access.MENTOR,
            ),
            Command(
                "space",
                "A check-in question in this peer space (stewards)",
                group.space,
                options=(
                    Option("when", 'e.g. mon 09:00 "How is your week starting?"', greedy=True),
                ),
                access=Access.STEWARD,
                scope=Scope.SPACE,
            ),
        ),
        default="list",
    )
)

__all__ = ["OFFERS", "PERSON", "Offer", "caller_name", "member", "router"]
