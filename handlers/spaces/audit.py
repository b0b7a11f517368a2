"""/audit: every peer space checked for anyone who could read it without being a verified
member, each problem listed with a one-tap fix where the platform allows one.

What "could read it" means is the platform's business (the adapter's ``inspect``): on Discord,
whether @everyone can view the channel and who holds the peer role; on Telegram, whether the
group has a public username and whether every account the bot has seen there is verified.
"""

from __future__ import annotations

from bot.core import markup
from bot.core.commands import Access, Command, Router
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.model import AccountRef, Platform
from bot.core.replies import ButtonStyle, Choice, Privacy, Replies, Reply
from bot.core.spaces import Finding, Problem, SpaceControl, SpaceError, with_retries
from bot.storage.spaces import Space
from handlers.membership import control, shown

router = Router("audit")

MAX_FIX_BUTTONS = 20


def who(ctx: Context, spaces: SpaceControl | None, user_id: str) -> str:
    """An account a steward can tap to see, where the platform has profile links."""
    label = ctx.text("spaces.account", user_id=markup.escape(user_id))
    link = spaces.profile_link(user_id) if spaces is not None else None
    return f"[{label}]({link})" if link else label


def finding_text(ctx: Context, space: Space, finding: Finding, spaces: SpaceControl) -> str:
    name = shown(space)
    account = who(ctx, spaces, finding.user_id) if finding.user_id else ""
    missing = markup.escape(", ".join(finding.missing))
    key = f"spaces.finding_{finding.problem.value}"
    return ctx.text(key, space=name, who=account, missing=missing)


async def check_space(
    ctx: Context,
    space: Space,
    start: int,
    verified: frozenset[str] | None = None,
    told: set[tuple[str, ...]] | None = None,
) -> tuple[list[str], list[Choice]]:
    """Numbered problem lines for one space (from ``start``) and a fix button for each
    fixable one. ``told`` collects problems about a person already listed for the same place
    (a Discord role holder can read every channel on the server), so each shows once."""
    spaces = control(ctx, space.platform)
    if spaces is None:
        return [
            f"{start}. " + ctx.text("spaces.platform_off", space=markup.escape(space.title))
        ], []
    if verified is None:
        verified = await ctx.repo.spaces.verified_users(space.platform)
    seen = await ctx.repo.spaces.seen_in(space.platform, space.chat_id)
    try:
        findings = await with_retries(
            lambda: spaces.inspect(space.chat_id, verified.__contains__, seen)
        )
    except SpaceError as exc:
        reason = markup.escape(exc.reason)
        text = ctx.text("spaces.cannot_check", space=markup.escape(space.title), reason=reason)
        return [f"{start}. {text}"], []
    told = set() if told is None else told
    fresh = []
    for finding in findings:
        key = (space.platform.value, space.place_id, finding.problem.value, finding.user_id or "")
        if finding.user_id is None or key not in told:
            told.add(key)
            fresh.append(finding)
    lines, choices = [], []
    for n, finding in enumerate(fresh, start=start):
        lines.append(f"{n}. {finding_text(ctx, space, finding, spaces)}")
        if finding.fixable:
            payload = {
                "platform": space.platform.value,
                "chat": space.chat_id,
                "problem": finding.problem.value,
                "user": finding.user_id,
            }
            label = ctx.text("spaces.button_fix_n", n=n)
            choices.append(Choice(label, "audit.fix", payload, style=ButtonStyle.PRIMARY))
    return lines, choices


async def audit(ctx: Context, req: Request) -> Replies:
    spaces = await ctx.repo.spaces.all()
    if not spaces:
        return Reply(ctx.text("spaces.none"), privacy=Privacy.PERSONAL)
    verified: dict[Platform, frozenset[str]] = {}
    told: set[tuple[str, ...]] = set()
    lines: list[str] = []
    choices: list[Choice] = []
    for space in spaces:
        if space.platform not in verified:
            verified[space.platform] = await ctx.repo.spaces.verified_users(space.platform)
        found, fixes = await check_space(ctx, space, len(lines) + 1, verified[space.platform], told)
        lines += found
        choices += fixes
    if not lines:
        return Reply(ctx.text("spaces.audit_clean", count=len(spaces)), privacy=Privacy.PERSONAL)
    header = ctx.text("spaces.audit_header", count=len(spaces), problems=len(lines))
    footer = ctx.text("spaces.audit_fix_help") if choices else ctx.text("spaces.audit_by_hand")
    text = "\n".join([header, *lines, "", footer])
    return Reply.with_choices(text, choices[:MAX_FIX_BUTTONS], per_row=4)


@router.action("fix", access=Access.STEWARD)
async def fix(ctx: Context, req: Request) -> Replies:
    platform = Platform(str(req.args["platform"]))
    space = await ctx.repo.spaces.get(platform, str(req.args["chat"]))
    spaces = control(ctx, platform)
    if space is None or spaces is None:
        raise UserFacingError(ctx.text("spaces.gone_already"))
    user = req.args.get("user")
    finding = Finding(Problem(str(req.args["problem"])), str(user) if user else None, True)
    if finding.user_id and await ctx.repo.spaces.is_verified_for_space(
        platform, space.chat_id, AccountRef(platform, finding.user_id)
    ):
        return Reply(ctx.text("spaces.verified_since"))  # they joined since: nothing to fix
    try:
        await with_retries(lambda: spaces.fix(space.chat_id, finding))
    except SpaceError as exc:
        return Reply(ctx.text("spaces.fix_failed", reason=markup.escape(exc.reason)))
    if finding.user_id:
        await ctx.repo.spaces.gone(platform, [space.chat_id], finding.user_id)
    name = shown(space)
    return Reply(ctx.text(f"spaces.fixed_{finding.problem.value}", space=name))


router.command(
    Command(
        "audit",
        "Check every peer space for anyone who isn't a verified member",
        audit,
        access=Access.STEWARD,
    )
)
