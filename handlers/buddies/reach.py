"""Reaching a buddy through the bot: "Say hi" relays one first message (for people with no
link to open a chat), and check-ins' "ask my buddy to reach out now" sends only who asks.

What is relayed is held in memory from the tap to the next message and goes out through the
outbox like any message; nothing of it is kept.
"""

from __future__ import annotations

from bot.content.schema.crisis import CrisisGroup
from bot.content.sources import CRISIS
from bot.core import markup
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.replies import Choice, Replies, Reply
from bot.directory.resources import signals_crisis
from handlers.buddies.common import named, tell
from handlers.checkins import caller_name, member
from handlers.crisis import crisis_reply


async def say_hi(ctx: Context, req: Request) -> Replies:
    """The tap: the person's next plain message goes to this buddy, once."""
    me = req.person.id
    pairing = await ctx.repo.buddies.pairing(int(req.args.get("p", 0)))
    to = int(req.args.get("to", 0))
    if pairing is None or me not in pairing.members or to not in pairing.members or to == me:
        raise UserFacingError(ctx.text("buddies.say_hi_gone"))
    await ctx.repo.buddies.tapped(pairing.id, me)
    ctx.repo.buddies.saying_hi[me] = (pairing.id, to)
    return Reply(ctx.text("buddies.say_hi_type", who=member(ctx, to)))


async def typed(ctx: Context, req: Request) -> Replies:
    """The message after Say hi, passed on once; None when no Say hi is waiting."""
    person = req.maybe_person
    waiting = ctx.repo.buddies.saying_hi
    if person is None or person.id not in waiting:
        return None
    pairing_id, to = waiting.pop(person.id)
    text = str(req.args.get("text", "")).strip()
    pairing = await ctx.repo.buddies.pairing(pairing_id)
    if not text or pairing is None or to not in pairing.members:
        return None
    replies: list[Reply] = []
    if signals_crisis(text, ctx.content[CRISIS].signals):
        replies.append(crisis_reply(ctx, CrisisGroup.ALWAYS))  # rule 6, even in a hello
    relay = Reply.with_choices(
        ctx.text("buddies.relayed", who=caller_name(ctx, req), text=markup.escape(text)),
        [
            Choice(
                ctx.text("buddies.button_say_hi_back"),
                "buddies.say_hi",
                {"p": pairing.id, "to": person.id},
            )
        ],
    )
    await tell(ctx, to, relay)
    replies.append(Reply(ctx.text("buddies.sent", who=member(ctx, to))))
    return replies


async def reach(ctx: Context, req: Request) -> Replies:
    """From "need support now": ask this round's buddy to reach out. Only on this tap, and
    the message says only who asks."""
    me = req.person.id
    pairing = await ctx.repo.buddies.current(me)
    if pairing is None:
        raise UserFacingError(ctx.text("buddies.no_buddy"))
    ask = Reply(ctx.text("buddies.would_like_you_to_reach_out", who=caller_name(ctx, req)))
    for other in pairing.others(me):
        await tell(ctx, other, ask)
    return Reply(
        ctx.text("buddies.asked_to_reach_out", who=named(ctx, pairing.others(me))), replace=True
    )
