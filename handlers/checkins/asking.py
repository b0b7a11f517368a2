"""At the agreed time: the question, the peer's answer, an optional note, and their choice.

The answer and the note live in memory (``ctx.repo.checkins.in_flight``) from the tap until the
peer taps Share or Keep; the mentor receives only what is shared, at once, with a way to reply.
An answer kept to oneself goes nowhere and is not stored (unless the peer keeps their own
history: then the mood, never the note). A check-in nobody answers is simply gone: nothing
counts, records or reports it. "Need support now" is in ``support``.
"""

from __future__ import annotations

from bot.content.schema.crisis import CrisisGroup
from bot.content.sources import CRISIS
from bot.core import markup
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.replies import ButtonStyle, Choice, Replies, Reply
from bot.directory.resources import signals_crisis
from bot.storage.checkins import ACTIVE, Answer, CheckinRow
from handlers.checkins import support
from handlers.checkins.common import ORIGIN, caller_name, checkin_for, member, questions, tell
from handlers.crisis import crisis_reply


def controls(ctx: Context, checkin_id: int) -> tuple[tuple[Choice, ...], ...]:
    """Skip, snooze, pause, change or stop: on every check-in message."""
    c = {"c": checkin_id}
    return (
        (
            Choice(ctx.text("checkins.button_skip"), "checkins.skip", c),
            Choice(ctx.text("checkins.button_snooze_1h"), "checkins.snooze", {**c, "h": 1}),
            Choice(ctx.text("checkins.button_snooze_3h"), "checkins.snooze", {**c, "h": 3}),
        ),
        (
            Choice(ctx.text("checkins.button_tomorrow"), "checkins.snooze", {**c, "h": 0}),
            Choice(ctx.text("checkins.button_pause"), "checkins.pause_menu", c),
            Choice(ctx.text("checkins.button_change_stop"), "checkins.manage", c),
        ),
    )


def question(ctx: Context, row: CheckinRow) -> Reply:
    file = questions(ctx)
    moods = [
        Choice(
            m.label,
            "checkins.answer",
            {"c": row.id, "m": m.id},
            style=ButtonStyle.DANGER if m.support_now else ButtonStyle.SECONDARY,
        )
        for m in file.moods
    ]
    rows = tuple(tuple(moods[i : i + 2]) for i in range(0, len(moods), 2))
    text = "\n".join(
        [
            markup.escape(file.question),
            ctx.text("checkins.question_footer", who=member(ctx, row.mentor_id)),
        ]
    )
    return Reply(text, (*rows, *controls(ctx, row.id)))


async def ask(ctx: Context, req: Request) -> Replies:
    """The job (the agreed time, or a snoozed one): the question goes to the peer."""
    schedule = req.schedule
    if schedule is None or schedule.person_id is None:
        return None
    row = await ctx.repo.checkins.get(int(schedule.payload.get("checkin", 0)))
    if row is None or row.status != ACTIVE or row.peer_id != schedule.person_id:
        return None  # ended meanwhile; the schedule goes with the check-in
    # ``once``: after a crash between queuing and the scheduler noting the run, the run made
    # up at start leaves the question already queued to go out alone.
    await ctx.messenger.to_person(
        row.peer_id, question(ctx, row), origin=f"{ORIGIN}:ask:{row.id}", once=True
    )
    return None


def share_or_keep(ctx: Context, row: CheckinRow, text: str) -> Reply:
    """These buttons carry nothing: what they act on is the answer held in memory. (A button
    naming the check-in would leave a row saying that its peer answered.)"""
    return Reply.with_choices(
        text,
        [
            Choice(
                ctx.text("checkins.button_share", who=member(ctx, row.mentor_id)),
                "checkins.share",
                style=ButtonStyle.PRIMARY,
            ),
            Choice(ctx.text("checkins.button_keep"), "checkins.keep"),
        ],
        per_row=1,
    )


async def answer(ctx: Context, req: Request) -> Replies:
    """A mood tapped: held in memory; the peer may add a note, then share or keep it."""
    row = await checkin_for(ctx, req, peer=True)
    mood = questions(ctx).mood(str(req.args.get("m")))
    if mood is None:
        return Reply(ctx.text("checkins.gone"))
    flight = ctx.repo.checkins.in_flight
    flight.answers[row.peer_id] = Answer(row.id, mood.id, at=ctx.clock.now())
    flight.typing[row.peer_id] = ("note", row.id)
    thanks = "\n\n".join([markup.escape(mood.thanks), ctx.text("checkins.add_note")])
    first = share_or_keep(ctx, row, thanks)
    if not mood.support_now:
        return Reply(first.text, first.choices, replace=True)
    return [crisis_reply(ctx, CrisisGroup.ALWAYS), await support.offer(ctx, req, row), first]


async def typed(ctx: Context, req: Request) -> Replies:
    """The person's next plain message, if they are writing a note or a reply; else None."""
    person = req.maybe_person
    flight = ctx.repo.checkins.in_flight
    if person is None or person.id not in flight.typing:
        return None
    what, checkin_id = flight.typing.pop(person.id)
    text = str(req.args.get("text", "")).strip()
    row = await ctx.repo.checkins.get(checkin_id)
    if row is None or not text:
        return None
    replies: list[Reply] = []
    if signals_crisis(text, ctx.content[CRISIS].signals):
        replies.append(crisis_reply(ctx, CrisisGroup.ALWAYS))  # rule 6, even inside a note
    if what == "note":
        held = flight.answers.get(person.id)
        if held is None or held.checkin_id != row.id:
            return replies or None
        held.note = text
        replies.append(share_or_keep(ctx, row, ctx.text("checkins.note_held")))
        return replies
    other = row.other(person.id)
    relay = Reply.with_choices(
        ctx.text("checkins.relayed", who=caller_name(ctx, req), text=markup.escape(text)),
        [Choice(ctx.text("checkins.button_reply"), "checkins.reply", {"c": row.id})],
    )
    await tell(ctx, other, relay)
    replies.append(Reply(ctx.text("checkins.reply_sent", who=member(ctx, other))))
    return replies


async def held_answer(ctx: Context, req: Request) -> tuple[CheckinRow, Answer] | None:
    """The caller's answer in memory and its check-in (gone after a restart, on purpose)."""
    flight = ctx.repo.checkins.in_flight
    held = flight.answers.pop(req.person.id, None)
    flight.typing.pop(req.person.id, None)
    if held is None:
        return None
    row = await checkin_for(ctx, Request(req.caller, {"c": held.checkin_id}), peer=True)
    return row, held


async def share(ctx: Context, req: Request) -> Replies:
    found = await held_answer(ctx, req)
    mood = questions(ctx).mood(found[1].mood) if found else None
    if found is None or mood is None:
        return Reply(ctx.text("checkins.answer_gone"), replace=True)
    row, held = found
    lines = [markup.escape(mood.shared.format(name=caller_name(ctx, req)))]
    if held.note:
        lines.append(ctx.text("checkins.their_note", note=markup.escape(held.note)))
    await tell(
        ctx,
        row.mentor_id,
        Reply.with_choices(
            "\n".join(lines),
            [Choice(ctx.text("checkins.button_reply"), "checkins.reply", {"c": row.id})],
        ),
    )
    now = ctx.clock.now()
    await ctx.repo.checkins.shared(row.id, mood.id, now)
    await ctx.repo.checkins.remember(row.peer_id, mood.id, now)
    return Reply(ctx.text("checkins.shared", who=member(ctx, row.mentor_id)), replace=True)


async def keep(ctx: Context, req: Request) -> Replies:
    """Kept to oneself: dropped from memory; in the peer's own history only if they keep one."""
    found = await held_answer(ctx, req)
    kept = False
    if found is not None:
        kept = await ctx.repo.checkins.remember(req.person.id, found[1].mood, ctx.clock.now())
    return Reply(ctx.text("checkins.kept_history" if kept else "checkins.kept"), replace=True)


async def reply(ctx: Context, req: Request) -> Replies:
    """Either of them may answer what the other sent: their next message is passed on."""
    row = await checkin_for(ctx, req)
    if row.status != ACTIVE:
        raise UserFacingError(ctx.text("checkins.gone"))
    ctx.repo.checkins.in_flight.typing[req.person.id] = ("reply", row.id)
    return Reply(ctx.text("checkins.type_reply", who=member(ctx, row.other(req.person.id))))
