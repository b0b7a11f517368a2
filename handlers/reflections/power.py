"""/power: CMHA BC's Power Assessment Framework, as a private check a peer does alone.

Five indicators (financial security, self-determination, values alignment, opportunity,
influence), each answered on the framework's scale from no power to full power, then a private
summary that names where the peer holds little power and points to what might help, with a
picture (one bar per indicator) and the same facts as text.

Nothing is kept unless the person turns on keeping their own history (``/power history on``):
then only the point chosen on each indicator and when, for 90 days, shown only to them as a
change over time. Every reply goes out ``in_memory``, so no answer touches disk on its way.
"""

from __future__ import annotations

from datetime import timedelta

from bot.content.schema.reflections import Indicator, PowerFile
from bot.content.sources import GLOSSARY, POWER, RESOURCES
from bot.core import dates, markup
from bot.core.commands import Command, Option, Router
from bot.core.context import Context, Request
from bot.core.replies import Attachment, Choice, Replies, Reply
from bot.storage.reflections import KEEP_FOR, InProgress, PowerCheck
from handlers.reflections.picture import Bar, draw
from handlers.reflections.reply import private

router = Router("power")
KIND = "power"


def _file(ctx: Context) -> PowerFile:
    return ctx.content[POWER]


async def start(ctx: Context, req: Request) -> Replies:
    ctx.repo.reflections.in_progress[req.person.id] = InProgress(KIND)
    return _ask(ctx, 0)


def _ask(ctx: Context, step: int, *, replace: bool = False) -> Reply:
    content = _file(ctx)
    indicator = content.indicators[step]
    scale = "\n".join(
        ctx.text("reflections.power_scale_line", label=p.label, line=markup.escape(p.line))
        for p in indicator.scale
    )
    text = ctx.text(
        "reflections.power_intro",
        intro=markup.escape(content.intro) if step == 0 else "",
        step=step + 1,
        count=len(content.indicators),
        name=indicator.name,
        question=markup.escape(indicator.question),
        scale=scale,
    ).lstrip()
    choices = [
        Choice(point.label, "power.point", {"i": step, "p": n})
        for n, point in enumerate(indicator.scale)
    ]
    return private(text, choices, replace_pressed=replace, per_row=3)


@router.action("point")
async def point(ctx: Context, req: Request) -> Replies:
    held = ctx.repo.reflections.in_progress.get(req.person.id)
    indicators = _file(ctx).indicators
    step, chosen = int(str(req.args.get("i", -1))), int(str(req.args.get("p", -1)))
    if held is None or held.kind != KIND or not 0 <= step < len(indicators):
        return private(ctx.text("reflections.gone", command="power"))
    if not 0 <= chosen < len(indicators[step].scale):
        return private(ctx.text("reflections.gone", command="power"))
    held.answers[indicators[step].id] = str(chosen)
    if step + 1 < len(indicators):
        return _ask(ctx, step + 1, replace=True)
    del ctx.repo.reflections.in_progress[req.person.id]
    points = {key: int(value) for key, value in held.answers.items()}
    before = await ctx.repo.reflections.history(req.person.id)
    keeping = await ctx.repo.reflections.keeping(req.person.id)
    if keeping:
        await ctx.repo.reflections.add(req.person.id, points, ctx.clock.now())
    return summary(ctx, req, points, before[-1] if before else None, keeping)


def summary(
    ctx: Context,
    req: Request,
    points: dict[str, int],
    then: PowerCheck | None,
    keeping: bool,
) -> Reply:
    """Where the person stands on each indicator, where they hold little power and what might
    help, as text (which screen readers and the console read) and as a picture."""
    content = _file(ctx)
    top = len(content.indicators[0].scale) - 1
    lines = [ctx.text("reflections.power_summary_head")]
    lines += [
        ctx.text("reflections.power_line", name=i.name, label=i.scale[points[i.id]].label)
        for i in content.indicators
    ]
    little = [i for i in content.indicators if points[i.id] == 0]
    if little:
        lines += ["", ctx.text("reflections.power_little_head")]
        lines += [
            ctx.text("reflections.power_little_line", name=i.name, helps=markup.escape(i.helps))
            for i in little
        ]
    else:
        lines += ["", markup.escape(content.all_good)]
    low, high = content.indicators[0].scale[0].label, content.indicators[0].scale[-1].label
    lines += ["", ctx.text("reflections.power_picture_note", low=low, high=high)]
    if then is not None:
        lines.append(ctx.text("reflections.power_then_now", when=dates.day_month(then.taken_at)))
    lines.append(ctx.text("reflections.power_kept" if keeping else "reflections.power_not_kept"))
    lines += [
        "",
        ctx.text("reflections.credit", title=content.source.title, where=content.source.where),
    ]
    bars = [
        Bar(i.name, points[i.id], then.points.get(i.id) if then is not None else None)
        for i in content.indicators
    ]
    picture = draw(bars, top, ctx.text("reflections.power_picture_title"), (low, high))
    return private(
        "\n".join(lines),
        _helps(ctx, little),
        per_row=3,
        attachment=Attachment("power-at-work.png", picture, "image/png"),
    )


def _helps(ctx: Context, little: list[Indicator]) -> list[Choice]:
    """Buttons into the directory and glossary for the indicators where power is low."""
    topics = {t.id: t.label for t in ctx.content[RESOURCES].file.topics}
    terms = {t.term for t in ctx.content[GLOSSARY].terms}
    wanted_topics: list[str] = []
    wanted_terms: list[str] = []
    for indicator in _file(ctx).indicators:
        if indicator not in little:
            continue
        wanted_topics += [t for t in indicator.topics if t in topics and t not in wanted_topics]
        wanted_terms += [t for t in indicator.glossary if t in terms and t not in wanted_terms]
    choices = [Choice(topics[t], "resources.topic", {"topic": t}) for t in wanted_topics[:6]]
    choices += [Choice(t, "glossary.term", {"term": t}) for t in wanted_terms[:3]]
    return choices


async def history(ctx: Context, req: Request) -> Replies:
    """``/power history`` shows the kept checks; ``on`` keeps them, ``off`` erases them."""
    choice = str(req.args.get("choice") or "").lower()
    person = req.person.id
    if choice == "on":
        await ctx.repo.reflections.keep(person, True, ctx.clock.now())
        return private(ctx.text("reflections.power_history_on"))
    if choice == "off":
        await ctx.repo.reflections.keep(person, False, ctx.clock.now())
        return private(ctx.text("reflections.power_history_off"))
    checks = await ctx.repo.reflections.history(person)
    if not checks:
        return private(ctx.text("reflections.power_history_none"))
    content = _file(ctx)
    rows = [ctx.text("reflections.power_history_head")]
    for check in checks:
        said = ", ".join(
            f"{i.name} {i.scale[check.points[i.id]].label.lower()}"
            for i in content.indicators
            if i.id in check.points
        )
        rows.append(
            ctx.text(
                "reflections.power_history_row", when=dates.day_month(check.taken_at), points=said
            )
        )
    return private("\n".join(rows))


async def forget_old(ctx: Context) -> None:
    """Kept checks older than 90 days are erased, whatever else happens."""

    async def purge() -> None:
        await ctx.repo.reflections.forget_older_than(ctx.clock.now() - KEEP_FOR)

    ctx.scheduler.housekeeping("power-history", timedelta(hours=6), purge)
    await purge()


router.on_start(forget_old)
router.command(
    Command(
        "power",
        "A private check of the power you hold at work (CMHA BC's framework)",
        start,
        subcommands=(
            Command("check", "Answer the five questions", start),
            Command(
                "history",
                "See your kept checks, or keep them: on / off",
                history,
                options=(Option("choice", "on or off", choices=("on", "off")),),
            ),
        ),
        default="check",
    )
)
