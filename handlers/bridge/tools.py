"""``/delete`` (reply to a relayed message: its author or a steward deletes the original where
the bot may, and every copy; Telegram never tells bots about deletions, so this is how a
deletion there crosses) and ``/status`` (stewards: how each bridged conversation is doing)."""

from __future__ import annotations

from datetime import datetime

from bot.core import markup
from bot.core.commands import Access, Command, Router, Scope
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.model import Role
from bot.core.replies import Privacy, Replies, Reply
from bot.relay import Endpoint, MessageRef
from bot.relay.engine import DeleteOutcome
from handlers.bridge.policy import BridgePolicy, load
from handlers.membership import shown

router = Router("bridge")


@router.on_start
async def start_relaying(ctx: Context) -> None:
    """Every bridged conversation starts relaying with the service."""
    await load(ctx, BridgePolicy(ctx))


async def delete(ctx: Context, req: Request) -> Replies:
    assert req.caller is not None and ctx.relay is not None
    if req.replied is None:
        raise UserFacingError(ctx.text("bridge.delete_how"))
    where = Endpoint.where(req.caller.conversation)
    outcome = await ctx.relay.delete_request(
        MessageRef(where, req.replied), req.person.id, req.person.has(Role.STEWARD)
    )
    if outcome == DeleteOutcome.UNKNOWN:
        raise UserFacingError(ctx.text("bridge.delete_unknown"))
    if outcome == DeleteOutcome.NOT_YOURS:
        raise UserFacingError(ctx.text("bridge.delete_not_yours"))
    return Reply(ctx.text("bridge.deleted"), privacy=Privacy.PERSONAL)


def _ago(ctx: Context, moment: datetime | None) -> str:
    if moment is None:
        return ctx.text("bridge.status_never")
    seconds = max(0, int((ctx.clock.now() - moment).total_seconds()))
    return ctx.text("bridge.ago", when=_seconds(ctx, seconds))


def _seconds(ctx: Context, seconds: float) -> str:
    s = int(seconds)
    if s < 120:
        return ctx.text("bridge.seconds", n=s)
    if s < 7200:
        return ctx.text("bridge.minutes", n=s // 60)
    return ctx.text("bridge.hours", n=s // 3600)


async def status(ctx: Context, req: Request) -> Replies:
    relay = ctx.relay
    assert relay is not None
    conversations = [c for c in relay.conversations() if c.key.startswith("bridge-")]
    if not conversations:
        return Reply(ctx.text("bridge.status_none"), privacy=Privacy.PERSONAL)
    lines = [ctx.text("bridge.status_header", count=len(conversations))]
    for n, conv in enumerate(conversations, start=1):
        lines.append(ctx.text("bridge.status_conversation", n=n))
        for ep in relay.status(conv):
            space = await ctx.repo.spaces.get(ep.endpoint.platform, ep.endpoint.id)
            name = shown(space) if space else markup.escape(str(ep.endpoint))
            waiting = (
                ctx.text(
                    "bridge.status_waiting", count=ep.queued, age=_seconds(ctx, ep.oldest_wait or 0)
                )
                if ep.queued
                else ctx.text("bridge.status_clear")
            )
            lines.append(
                ctx.text(
                    "bridge.status_endpoint",
                    space=name,
                    waiting=waiting,
                    seen=_ago(ctx, ep.last_event),
                )
            )
        for failure in conv.failures[-3:]:
            space = await ctx.repo.spaces.get(failure.endpoint.platform, failure.endpoint.id)
            name = shown(space) if space else markup.escape(str(failure.endpoint))
            lines.append(
                ctx.text(
                    "bridge.status_failure",
                    space=name,
                    reason=markup.escape(failure.reason),
                    ago=_ago(ctx, failure.at),
                )
            )
    return Reply("\n".join(lines), privacy=Privacy.PERSONAL)


router.command(
    Command(
        "delete",
        "Reply with this to a relayed message to delete it everywhere",
        delete,
        access=Access.MEMBER,
        scope=Scope.SPACE,
    )
)
router.command(
    Command("status", "How each bridged conversation is doing", status, access=Access.STEWARD)
)
