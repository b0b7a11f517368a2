"""Buddies: every two weeks, a peer from another workplace to turn to (seeds 001, 002).

``taking_part`` (join with a region and interests, pause, leave, a private do-not-pair list,
staying in), ``rounds`` (the round, introductions, the check-back, when rounds happen),
``matching`` (the optimal pairing), ``reach`` (Say hi relayed once; check-ins' "ask my buddy
to reach out now"), ``common``. Nothing about a pairing is reported to anyone.

Only the router and ``start_of_day`` (reading "until <date>" in a person's own timezone,
which /away shares) leave this package. Check-ins' "need support now" offers the buddy when
``ctx.repo.buddies.current`` finds one, and its button runs this router's ``buddies.reach``.
"""

from __future__ import annotations

from bot.core.commands import Access, Command, Option, OptionType, Router, Scope
from bot.core.context import Context
from bot.core.model import Person
from bot.core.replies import Reply
from handlers.buddies import reach, rounds, taking_part
from handlers.buddies.common import CHECKBACK_KIND, INTRO_KIND, ROUND_KIND, STAY_KIND, named, tell
from handlers.buddies.taking_part import start_of_day
from handlers.checkins import PERSON

router = Router("buddies")

router.job(ROUND_KIND)(rounds.hold_round)
router.job(CHECKBACK_KIND)(rounds.check_back)
router.job(INTRO_KIND)(rounds.send_introduction)
router.job(STAY_KIND)(rounds.ask_to_stay)
router.on_typed_answer(reach.typed)

router.action("say_hi")(reach.say_hi)
router.action("reach")(reach.reach)
router.action("connected")(rounds.connected)
router.action("stay")(taking_part.stay)
router.action("take_break")(taking_part.take_break)
router.action("leave")(taking_part.leave)
router.action("unavoid")(taking_part.unavoid)


@router.on_removed
async def ended_by_leaving(ctx: Context, person: Person) -> None:
    """Someone left the network or asked to be forgotten: their buddies this round are told
    only that the pairing ended."""
    pairing = await ctx.repo.buddies.current(person.id)
    if pairing is None:
        return
    for other in pairing.others(person.id):
        await tell(ctx, other, Reply(ctx.text("buddies.ended", who=named(ctx, [person.id]))))


router.command(
    Command(
        "buddy",
        "A buddy from another workplace, every two weeks (your do-not-pair list: /buddy avoid)",
        subcommands=(
            Command("status", "Whether you're in, and your buddy this round", taking_part.status),
            Command(
                "join",
                "Join the buddy rounds (optionally a region and interests)",
                taking_part.join,
                options=(Option("about", "e.g. north, harm reduction, youth", greedy=True),),
            ),
            Command(
                "pause",
                "Leave rounds out until a date",
                taking_part.pause,
                options=(Option("until", "A date like 1 July, or 3 weeks", greedy=True),),
            ),
            Command("leave", "Leave the buddy rounds", taking_part.leave),
            Command(
                "avoid",
                "Never be paired with someone; on its own, your list (private: no one is told)",
                taking_part.avoid,
                options=(
                    Option(
                        "person",
                        "Who (a member number); leave out to see your list",
                        OptionType.PERSON,
                    ),
                ),
                scope=Scope.PRIVATE,
            ),
            Command(
                "unavoid",
                "Take someone off your do-not-pair list (no one is told)",
                taking_part.unavoid_command,
                options=(PERSON,),
                scope=Scope.PRIVATE,
            ),
            Command(
                "rounds",
                "Which weekday rounds happen, every other week (stewards)",
                rounds.rounds_command,
                options=(Option("day", "A weekday, e.g. thursday"),),
                access=Access.STEWARD,
            ),
        ),
        default="status",
    )
)

__all__ = ["router", "start_of_day"]
