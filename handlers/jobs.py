"""/jobs: peer job postings and calls (the "Hub" of seed 002).

An opportunity disappears by itself after its closing day, judged in the network's own
timezone at the moment someone asks, so nothing needs cleaning up.
"""

from __future__ import annotations

from datetime import date

from bot.content.schema.opportunities import Kind, Opportunity
from bot.content.sources import OPPORTUNITIES
from bot.core import markup
from bot.core.commands import Command, Option, Router
from bot.core.context import Context, Request
from bot.core.dates import day_month
from bot.core.replies import Replies, Reply
from bot.directory.opportunities import network_day, open_on
from bot.directory.regions import REGION_OPTION, region_filter, serving
from bot.directory.words import matches, words

router = Router("jobs")
SHOWN = 8


def today(ctx: Context) -> date:
    return network_day(ctx.clock.now(), ctx.settings.default_timezone)


def card(ctx: Context, o: Opportunity) -> str:
    lines = [f"**{markup.escape(o.title)}**: {markup.escape(o.organization)}"]
    lines.append(markup.escape(o.summary))
    facts = [ctx.text(f"jobs.kind_{o.kind.value.replace('-', '_')}")]
    if o.pay:
        facts.append(markup.escape(o.pay))
    facts.append(", ".join(r.value.replace("-", " ") for r in o.regions))
    lines.append(" · ".join(facts))
    closing = ctx.text("jobs.closes", date=day_month(o.closes)) if o.closes else ""
    link = markup.escape(str(o.url)) if o.url else ""
    if closing or link:
        lines.append(" · ".join(p for p in (closing, link) if p))
    return "\n".join(lines)


async def show(ctx: Context, req: Request) -> Replies:
    found = open_on(ctx.content[OPPORTUNITIES].opportunities, today(ctx))
    region = region_filter(ctx, req.args.get("region"))
    if region is not None:
        found = [o for o in found if any(r.value in serving(region) for r in o.regions)]
    if req.args.get("kind"):
        found = [o for o in found if o.kind is Kind(str(req.args["kind"]))]
    asked = words(str(req.args.get("words", "")))
    if asked:
        found = [o for o in found if matches(asked, f"{o.title} {o.organization} {o.summary}")]
    if not found:
        asked_anything = asked or region is not None or req.args.get("kind")
        return Reply(ctx.text("jobs.nothing" if asked_anything else "jobs.none_open"))
    text = "\n\n".join([ctx.text("jobs.head"), *(card(ctx, o) for o in found[:SHOWN])])
    if len(found) > SHOWN:
        text += "\n\n" + ctx.text("jobs.narrow", count=len(found) - SHOWN)
    return Reply(text)


router.command(
    Command(
        "jobs",
        "Peer jobs and calls for peers: /jobs region:island",
        show,
        options=(
            Option("words", "Words to look for", greedy=True),
            REGION_OPTION,
            Option(
                "kind", "job, volunteer, call…", keyword=True, choices=tuple(k.value for k in Kind)
            ),
        ),
    )
)
