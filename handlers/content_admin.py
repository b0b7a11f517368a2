"""/reload: stewards load edited content without a restart.

If anything in the new files is wrong, nothing changes: the bot keeps the last good content
and says, in plain words, which file, line, entry and field to fix.
"""

from __future__ import annotations

from bot.content.sources import OPPORTUNITIES, RESOURCES, TRAININGS
from bot.core import markup
from bot.core.commands import Access, Command, Router
from bot.core.context import Context, Request
from bot.core.replies import Replies, Reply

router = Router("content_admin")
SHOWN_PROBLEMS = 10


async def reload(ctx: Context, req: Request) -> Replies:
    problems = await ctx.content.reload()
    if problems:
        lines = [ctx.text("content_admin.refused", count=len(problems))]
        lines += [f"• {markup.escape(str(p))}" for p in problems[:SHOWN_PROBLEMS]]
        if len(problems) > SHOWN_PROBLEMS:
            lines.append(ctx.text("content_admin.more", count=len(problems) - SHOWN_PROBLEMS))
        lines.append(ctx.text("content_admin.fix"))
        return Reply("\n".join(lines))
    text = ctx.text(
        "content_admin.done",
        resources=len(ctx.content[RESOURCES].resources),
        trainings=len(ctx.content[TRAININGS].trainings),
        opportunities=len(ctx.content[OPPORTUNITIES].opportunities),
    )
    notes = [f"• {markup.escape(w)}" for w in ctx.content.warnings[:SHOWN_PROBLEMS]]
    return Reply("\n".join([text, *notes]))


router.command(
    Command(
        "reload",
        "Load edited content files without a restart",
        reload,
        access=Access.STEWARD,
    )
)
