"""Joining the network: invitations (/invite), redeeming one (/join, or a Telegram deep link
that arrives as /start CODE), reading the community agreements and accepting them with a tap.

Nothing happens without that tap: /join only checks the code and shows the agreements; the
"I agree" button claims the code (once, atomically), makes the person a member and opens the
peer spaces on their platform. Wrong codes are throttled per account.
"""

from __future__ import annotations

from datetime import timedelta

from bot.content.sources import AGREEMENTS
from bot.core.commands import Access, Command, Option, OptionType, Router, Scope
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.model import AccountRef, Role
from bot.core.replies import ButtonStyle, Choice, Privacy, Replies, Reply
from bot.storage.codes import State, hash_code, looks_like_code, shown
from handlers.membership.access import let_in, other_platforms, welcome_lines

router = Router("membership")

DEFAULT_DAYS = 7
MAX_DAYS = 30
MAX_OPEN_INVITES = 25


@router.on_start
async def purge_old_codes(ctx: Context) -> None:
    """Codes are kept a while after they run out (to say "expired" kindly), then deleted."""

    async def purge() -> int:
        return await ctx.repo.codes.purge(ctx.clock.now())

    ctx.scheduler.housekeeping("codes", timedelta(hours=6), purge)


# -- /invite -----------------------------------------------------------------------------------


async def invite(ctx: Context, req: Request) -> Replies:
    person = req.person
    role = str(req.args.get("role") or Role.PEER.value)
    given = req.args.get("days")
    days = DEFAULT_DAYS if given is None else int(given)  # days:0 is refused, not the default
    if role == Role.MENTOR.value and not person.has(Role.STEWARD):
        raise UserFacingError(ctx.text("membership.mentor_invites_stewards_only"))
    if not 1 <= days <= MAX_DAYS:
        raise UserFacingError(ctx.text("membership.invite_days", most=MAX_DAYS))
    now = ctx.clock.now()
    if await ctx.repo.codes.open_count(person.id, "invite", now) >= MAX_OPEN_INVITES:
        raise UserFacingError(ctx.text("membership.too_many_invites", most=MAX_OPEN_INVITES))
    code = await ctx.repo.codes.issue("invite", person.id, now, timedelta(days=days), role)
    lines = [ctx.text("membership.invite_made", role=role, days=days, code=shown(code))]
    for platform, adapter in ctx.platforms.items():
        link = adapter.spaces.join_link(code)
        if link:
            lines.append(ctx.text("membership.invite_link", platform=platform.value.title()))
            lines.append(link)
    lines.append(ctx.text("membership.invite_keep_safe"))
    return Reply("\n".join(lines), privacy=Privacy.PERSONAL)


# -- /join -------------------------------------------------------------------------------------


def throttled(ctx: Context, account: AccountRef) -> None:
    """Refuse kindly while this account has tried too many wrong codes (/join and /link)."""
    wait = ctx.repo.codes.attempts.wait(str(account), ctx.clock.now())
    if wait is not None:
        minutes = max(1, round(wait.total_seconds() / 60))
        raise UserFacingError(ctx.text("membership.too_many_tries", minutes=minutes))


def code_problem(ctx: Context, state: State) -> str:
    return ctx.text(f"membership.code_{state.value}")


async def begin_join(ctx: Context, req: Request, code: str) -> Replies:
    """Check a code and show the agreements with an "I agree" button. Also /start CODE."""
    assert req.caller is not None
    account = req.caller.actor.account
    person = req.maybe_person
    if person is not None and person.is_member:
        return Reply(ctx.text("membership.already_member"))
    if not req.caller.conversation.is_private:
        return Reply(ctx.text("membership.join_privately"))
    throttled(ctx, account)
    now = ctx.clock.now()
    state = State.UNKNOWN
    code_hash = hash_code(code)
    if looks_like_code(code):
        state = await ctx.repo.codes.check(code_hash, "invite", now)
    if state is not State.VALID:
        ctx.repo.codes.attempts.failed(str(account), now)
        return Reply(code_problem(ctx, state))
    text = ctx.content[AGREEMENTS] + "\n\n" + ctx.text("membership.agree_prompt")
    return Reply.with_choices(
        text,
        [
            Choice(
                ctx.text("membership.button_agree"),
                "membership.agree",
                {"code": code_hash},
                style=ButtonStyle.SUCCESS,
            ),
            Choice(ctx.text("membership.button_not_now"), "membership.not_now"),
        ],
        per_row=2,
    )


async def join(ctx: Context, req: Request) -> Replies:
    return await begin_join(ctx, req, str(req.args["code"]))


@router.action("agree", access=Access.ANYONE)
async def agree(ctx: Context, req: Request) -> Replies:
    assert req.caller is not None
    account = req.caller.actor.account
    person = req.maybe_person
    if person is not None and person.is_member:
        return Reply(ctx.text("membership.already_member"), replace=True)
    now = ctx.clock.now()
    code_hash = str(req.args.get("code", ""))
    claimed = await ctx.repo.codes.claim(code_hash, "invite", now)
    if claimed is None:
        state = await ctx.repo.codes.check(code_hash, "invite", now)
        return Reply(code_problem(ctx, state), replace=True)
    roles = [Role.PEER] + ([Role.MENTOR] if claimed.role == Role.MENTOR.value else [])
    if person is None:
        person = await ctx.repo.people.create(account, roles, now)
    else:  # someone who was a member before comes back with a new invitation
        for role in roles:
            await ctx.repo.people.grant(person.id, role, now)
    ctx.repo.codes.attempts.forget(str(account))
    accounts = await ctx.repo.people.accounts(person.id)
    doors = await let_in(ctx, accounts)
    lines, links = welcome_lines(ctx, doors)
    text = ctx.text("membership.welcome", network=ctx.settings.network_name)
    if claimed.role == Role.MENTOR.value:
        text += "\n" + ctx.text("membership.welcome_mentor")
    if lines:
        text += "\n\n" + ctx.text("membership.your_spaces") + "\n" + "\n".join(lines)
    missing = await other_platforms(ctx, accounts)
    if missing:
        text += "\n\n" + ctx.text("membership.link_for_more", platforms=", ".join(missing))
    text += "\n\n" + ctx.text("membership.welcome_next")
    return Reply.with_choices(text, links, per_row=1, replace=True)


@router.action("not_now", access=Access.ANYONE)
async def not_now(ctx: Context, req: Request) -> Replies:
    return Reply(ctx.text("membership.not_now"), replace=True)


router.command(
    Command(
        "invite",
        "Make an invitation code for someone to join",
        invite,
        options=(
            Option("role", "peer, or mentor (stewards only)", choices=("peer", "mentor")),
            Option("days", "How many days it works (1-30, normally 7)", OptionType.INTEGER),
        ),
        access=Access.MENTOR,
    )
)
router.command(
    Command(
        "join",
        "Join the network with an invitation code",
        join,
        options=(Option("code", "Your invitation code, e.g. K7QP2-XWM9A", required=True),),
        access=Access.ANYONE,
        scope=Scope.PRIVATE,
    )
)
