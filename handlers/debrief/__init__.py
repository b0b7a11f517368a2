"""Debrief rooms: after an overdose response, a death or a hard shift, a few peers talk together
from whichever app each uses, through their private chats with the bot.

A room is a conversation of the one relay engine (``relaying``); opening and bringing people
in is ``opening``; steps, breaks, leaving and closing are ``inside`` and ``closing``; what a
room holds while open is in memory (``live``), and storage keeps only who is in it
(``bot/storage/debrief.py``). Only the router leaves this package.
"""

from dataclasses import replace

from bot.core.commands import Command, Option, OptionType, Router, Scope
from bot.core.context import Context
from bot.outbox import DeliveryReport
from handlers.debrief import closing, inside, opening
from handlers.debrief.live import INVITE_ORIGIN, ORIGIN

router = Router("debrief")

_ACTIONS = {
    "start": opening.start,  # a button that begins /debrief (check-ins' "need support now")
    "open": opening.open_as,
    "invite_menu": opening.invite_menu,
    "invite": opening.invite_button,
    "any_peer": opening.any_peer,
    "join": opening.join,
    "take": opening.take,
    "join_as": opening.join_as,
    "decline": opening.decline,
    "decline_any": opening.decline_any,
    "step": inside.step,
    "pause": inside.pause,
    "leave": inside.leave,
    "close": inside.close,
    "selfcare": inside.selfcare,
}
for _name, _handler in _ACTIONS.items():
    router.action(_name)(_handler)
router.job(closing.QUIET_KIND)(closing.check_quiet)
router.on_removed(inside.removed)
router.on_leave(inside.leave_first)


@router.on_start
async def start(ctx: Context) -> None:
    """End rooms a restart interrupted, and note what the bot sends into rooms from now on."""
    await closing.end_at_start(ctx)

    async def delivered(report: DeliveryReport) -> None:
        await closing.delivered(ctx, report)

    ctx.outbox.on_result(ORIGIN, delivered)

    async def invitation(report: DeliveryReport) -> None:
        await opening.invitation_report(ctx, report)

    ctx.outbox.on_result(INVITE_ORIGIN, invitation)


PRIVATE = Scope.PRIVATE
_PERSON = Option("person", "Who to invite (a member number, or pick them)", OptionType.PERSON)
router.command(
    Command(
        "debrief",
        "A private room to debrief with other peers, on any app",
        subcommands=(
            Command(
                "open",
                "Open a debrief room (and invite someone)",
                opening.start,
                options=(_PERSON,),
                scope=Scope.PRIVATE,
            ),
            Command(
                "invite",
                "Invite a member to your debrief room",
                opening.invite,
                options=(replace(_PERSON, required=True),),
                scope=Scope.PRIVATE,
            ),
            Command(
                "companion",
                "Offer to be asked when a peer needs any available peer",
                opening.companion,
                options=(Option("choice", "on or off", choices=("on", "off")),),
                scope=Scope.PRIVATE,
            ),
            Command(
                "steps", "Bring up a guided step in your room", inside.step, scope=Scope.PRIVATE
            ),
            Command(
                "break", "Tell your room you're stepping away", inside.pause, scope=Scope.PRIVATE
            ),
        ),
        default="open",
    )
)
router.command(
    Command("close", "Close the debrief room you opened", inside.close, scope=Scope.PRIVATE)
)

__all__ = ["router"]
