"""/start: the first thing anyone sees. Says what this is, how to join, where help is. With an
invitation code (``/start CODE``, what a Telegram deep link sends) it begins joining."""

from __future__ import annotations

from bot.core.commands import Access, Command, Option, Router
from bot.core.context import Context, Request
from bot.core.replies import Choice, Replies, Reply
from handlers.membership import begin_join

router = Router("start")


async def start(ctx: Context, req: Request) -> Replies:
    if req.args.get("code"):  # a Telegram deep link t.me/<bot>?start=CODE arrives as this
        return await begin_join(ctx, req, str(req.args["code"]))
    person = req.maybe_person
    name = ctx.settings.network_name
    crisis = Choice(
        ctx.text("start.button_crisis"), "crisis.group", {"group": "always"}, anyone=True
    )
    if person is not None and person.is_member:
        return Reply.with_choices(
            ctx.text("start.welcome_member", network=name),
            [Choice(ctx.text("start.button_help"), "help.show"), crisis],
        )
    return Reply.with_choices(ctx.text("start.welcome", network=name), [crisis])


router.command(
    Command(
        "start",
        "Start here: what this is and how to join",
        start,
        options=(Option("code", "An invitation code, if you have one"),),
        access=Access.ANYONE,
    )
)
