"""/help: what this person may use, one line each, and a nudge toward the closest command."""

from __future__ import annotations

from bot.core import markup
from bot.core.commands import Access, Command, Router
from bot.core.context import Context, Request
from bot.core.replies import Replies, Reply

router = Router("help")


async def show(ctx: Context, req: Request) -> Replies:
    person = req.maybe_person
    lines = [ctx.text("help.header")]
    for cmd in ctx.registry.visible_to(person):
        lines.append(f"/{cmd.name} — {markup.escape(cmd.description)}")
    if person is None or not person.is_member:
        lines.append("")
        lines.append(ctx.text("help.not_member"))
    return Reply("\n".join(lines))


router.command(Command("help", "What you can do here", show, access=Access.ANYONE))
router.action("show", access=Access.ANYONE)(show)
