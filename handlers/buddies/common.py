"""What every part of buddies shares: job kinds, naming people and telling them things."""

from __future__ import annotations

from collections.abc import Iterable

from bot.content.schema.buddies import BuddiesFile
from bot.content.sources import BUDDIES
from bot.core import dates
from bot.core.context import Context
from bot.core.replies import Reply
from handlers.checkins import member

ORIGIN = "feature:buddies"
ROUND_KIND = "buddies.round"  # the network's round, every two weeks
CHECKBACK_KIND = "buddies.checkback"  # "did you two connect?", a week after an introduction
INTRO_KIND = "buddies.intro"  # one person's introduction, due at the round (quiet hours win)
STAY_KIND = "buddies.stay"  # "would you like to stay in?", due at the round
NETWORK = "network"  # the round's schedule target: it belongs to no one person
#: Introductions let pass in a row before someone is asked whether to stay in.
ASK_AFTER_MISSED = 2


def interests_file(ctx: Context) -> BuddiesFile:
    return ctx.content[BUDDIES]


def named(ctx: Context, people: Iterable[int]) -> str:
    """``member #3`` or ``member #3 and member #9``."""
    return dates.spoken_list(member(ctx, p) for p in people)


def interest_labels(ctx: Context, ids: Iterable[str]) -> str:
    file = interests_file(ctx)
    labels = [i.label for i in file.interests if i.id in set(ids)]
    return ", ".join(labels)


async def tell(ctx: Context, person_id: int, reply: Reply) -> None:
    await ctx.messenger.to_person(person_id, reply, origin=ORIGIN)
