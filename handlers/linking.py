"""Linking a member's accounts, so they are one person on Discord and Telegram: /link on the
account that is already a member gives a one-time code; /link CODE on the other account joins
it to the same person (and opens that platform's peer spaces to it).

A code works once, for a few minutes, and only its hash is kept. Two people's records are never
merged: an account that already has a record of its own must be erased (/forgetme) first.
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.commands import Access, Command, Option, Router, Scope
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.replies import Privacy, Replies, Reply
from bot.storage.codes import State, hash_code, looks_like_code, shown
from handlers.membership import let_in, throttled, welcome_lines

router = Router("linking")

LIFETIME = timedelta(minutes=15)


async def link(ctx: Context, req: Request) -> Replies:
    code = req.args.get("code")
    if code:
        return await _redeem(ctx, req, str(code))
    person = req.maybe_person
    if person is None or not person.is_member:
        raise UserFacingError(ctx.text("linking.members_only"))
    made = await ctx.repo.codes.issue("link", person.id, ctx.clock.now(), LIFETIME)
    minutes = int(LIFETIME.total_seconds() // 60)
    text = ctx.text("linking.code", code=shown(made), minutes=minutes)
    return Reply(text, privacy=Privacy.PERSONAL)


async def _redeem(ctx: Context, req: Request, code: str) -> Replies:
    assert req.caller is not None
    account = req.caller.actor.account
    now = ctx.clock.now()
    attempts = ctx.repo.codes.attempts
    throttled(ctx, account)
    code_hash = hash_code(code)
    state = await ctx.repo.codes.check(code_hash, "link", now) if looks_like_code(code) else None
    if state is not State.VALID:
        attempts.failed(str(account), now)
        return Reply(ctx.text(f"linking.code_{(state or State.UNKNOWN).value}"))
    current = req.maybe_person
    if current is not None:
        raise UserFacingError(ctx.text("linking.has_own_record"))
    claimed = await ctx.repo.codes.claim(code_hash, "link", now)
    owner = await ctx.repo.people.get(claimed.person_id) if claimed and claimed.person_id else None
    if owner is None or not owner.is_member:
        return Reply(ctx.text("linking.code_used"))
    await ctx.repo.people.link_account(owner.id, account, now)
    attempts.forget(str(account))
    lines, links = welcome_lines(ctx, await let_in(ctx, [account]))
    text = ctx.text("linking.linked", platform=account.platform.value.title())
    if lines:
        text += "\n\n" + ctx.text("membership.your_spaces") + "\n" + "\n".join(lines)
    return Reply.with_choices(text, links, per_row=1)


router.command(
    Command(
        "link",
        "Link your Discord and Telegram accounts",
        link,
        options=(Option("code", "The code from /link on your other account"),),
        access=Access.ANYONE,
        scope=Scope.PRIVATE,
    )
)
