"""/crisis: crisis and support lines, for anyone, member or not, on any platform.

Shown discreetly (only to the asker where the platform allows, never lost where it does not),
with buttons for Indigenous-led, substance use and other lines, one tap each.
"""

from __future__ import annotations

from bot.content.schema.crisis import CrisisFile, CrisisGroup, CrisisLine
from bot.content.sources import CRISIS, DISTRESS
from bot.core import markup
from bot.core.commands import Access, Command, Router
from bot.core.context import Context, Request
from bot.core.dates import day_month_year
from bot.core.replies import Choice, Privacy, Replies, Reply

router = Router("crisis")

_GROUP_TEXT = {
    CrisisGroup.INDIGENOUS: "crisis.group_indigenous",
    CrisisGroup.SUBSTANCE_USE: "crisis.group_substance_use",
    CrisisGroup.OTHER: "crisis.group_other",
}


def card(line: CrisisLine) -> str:
    """One line as a short block that fits a phone screen."""
    parts = [f"**{markup.escape(line.name)}**", markup.escape(line.reach)]
    parts.append(f"{markup.escape(line.hours)} · {markup.escape(line.region)}")
    if line.note:
        parts.append(f"*{markup.escape(line.note)}*")
    if line.url:
        parts.append(markup.escape(str(line.url)))
    return "\n".join(parts)


def crisis_reply(ctx: Context, group: CrisisGroup) -> Reply:
    """The lines of one group, with buttons to the others. Public facts, so anyone may tap."""
    crisis: CrisisFile = ctx.content[CRISIS]
    lines = crisis.shown(group)
    head = (
        markup.escape(crisis.intro) if group is CrisisGroup.ALWAYS else ctx.text(_GROUP_TEXT[group])
    )
    checked = day_month_year(max(line.verified for line in lines))
    text = "\n\n".join(
        [head, *(card(line) for line in lines), ctx.text("crisis.checked", date=checked)]
    )
    choices = [
        Choice(ctx.text(key + "_button"), "crisis.group", {"group": g.value}, anyone=True)
        for g, key in _GROUP_TEXT.items()
        if g is not group and crisis.shown(g)
    ]
    if group is not CrisisGroup.ALWAYS:
        choices.append(
            Choice(ctx.text("crisis.main_button"), "crisis.group", {"group": "always"}, anyone=True)
        )
    return Reply.with_choices(text, choices, per_row=2, privacy=Privacy.DISCREET)


async def show(ctx: Context, req: Request) -> Replies:
    return crisis_reply(ctx, CrisisGroup.ALWAYS)


@router.action("group", access=Access.ANYONE)
async def show_group(ctx: Context, req: Request) -> Replies:
    try:
        group = CrisisGroup(str(req.args.get("group", "always")))
    except ValueError:
        group = CrisisGroup.ALWAYS
    return crisis_reply(ctx, group)


@router.on_text
async def plain_message(ctx: Context, req: Request) -> Replies:
    """Rule 6: whenever someone signals they need support now, the crisis lines themselves
    come first. Any other plain message gets a pointer to /help, with the lines one tap away.
    Rule 2: the words are only looked at here, never kept, logged or passed on."""
    if ctx.content[DISTRESS].recognises(str(req.args.get("text", ""))):
        return crisis_reply(ctx, CrisisGroup.ALWAYS)
    always = {"group": "always"}
    lines = Choice(ctx.text("crisis.lines_button"), "crisis.group", always, anyone=True)
    return Reply.with_choices(ctx.text("crisis.not_command"), [lines])


router.command(Command("crisis", "Crisis and support lines, any time", show, access=Access.ANYONE))
