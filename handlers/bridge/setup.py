"""Stewards join peer spaces into one conversation: ``/space bridge`` in one space gives a
one-time code (valid one hour, stored hashed like invitations), ``/space bridge CODE`` in
another space joins it; ``/space unbridge`` takes a space out. Joining checks at once what the
bridge needs the bot to be able to do there, and says what is missing in plain words."""

from __future__ import annotations

from datetime import timedelta

from bot.core import markup
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.replies import Privacy, Replies, Reply
from bot.core.spaces import SpaceError, with_retries
from bot.storage.codes import State, hash_code, looks_like_code
from bot.storage.codes import shown as shown_code
from bot.storage.relay import Bridge
from bot.storage.spaces import Space
from handlers.bridge.policy import BridgePolicy, load
from handlers.membership import control, shown

#: How long a bridge code works.
CODE_LIFETIME = timedelta(hours=1)


async def _this_space(ctx: Context, req: Request) -> Space:
    assert req.caller is not None
    where = req.caller.conversation
    space = await ctx.repo.spaces.get(where.platform, where.chat_id)
    if space is None:
        raise UserFacingError(ctx.text("bridge.not_a_space"))
    return space


async def missing_lines(ctx: Context, space: Space) -> list[str]:
    """What the bot may not do in ``space`` that the bridge needs, one plain line each."""
    spaces = control(ctx, space.platform)
    if spaces is None:
        return [ctx.text("spaces.platform_off", space=shown(space))]
    try:
        missing = await with_retries(lambda: spaces.relay_missing(space.chat_id))
    except SpaceError as exc:
        return [
            ctx.text("spaces.cannot_check", space=shown(space), reason=markup.escape(exc.reason))
        ]
    return [ctx.text(f"bridge.needs_{need.value}", space=shown(space)) for need in missing]


async def bridge(ctx: Context, req: Request) -> Replies:
    space = await _this_space(ctx, req)
    code = str(req.args.get("code") or "").strip()
    if code:
        return await _join(ctx, req, space, code)
    conversation = await ctx.repo.bridges.start(space.platform, space.chat_id, ctx.clock.now())
    new_code = await ctx.repo.codes.issue("bridge", req.person.id, ctx.clock.now(), CODE_LIFETIME)
    await ctx.repo.bridges.offer(hash_code(new_code), conversation.id)
    lines = [ctx.text("bridge.code", code=shown_code(new_code), space=shown(space))]
    lines += await missing_lines(ctx, space)
    return Reply("\n".join(lines), privacy=Privacy.PERSONAL)


async def _join(ctx: Context, req: Request, space: Space, code: str) -> Replies:
    account = str(req.caller.actor.account) if req.caller else ""
    now = ctx.clock.now()
    codes = ctx.repo.codes
    wait = codes.attempts.wait(account, now)
    if wait is not None:
        raise UserFacingError(
            ctx.text("bridge.slow_down", minutes=max(1, int(wait.total_seconds() // 60) + 1))
        )
    if not looks_like_code(code):
        codes.attempts.failed(account, now)
        raise UserFacingError(ctx.text("bridge.bad_code"))
    code_hash = hash_code(code)
    state = await codes.check(code_hash, "bridge", now)
    if state is not State.VALID:
        codes.attempts.failed(account, now)
        raise UserFacingError(ctx.text(f"bridge.code_{state.value}"))
    bridge_id = await ctx.repo.bridges.offered(code_hash)
    target = await ctx.repo.bridges.get(bridge_id) if bridge_id is not None else None
    if target is None:
        raise UserFacingError(ctx.text("bridge.code_unknown"))
    if (space.platform, space.chat_id) in target.endpoints:
        raise UserFacingError(ctx.text("bridge.same_space"))
    if await codes.claim(code_hash, "bridge", now) is None:
        raise UserFacingError(ctx.text("bridge.code_used"))
    codes.attempts.forget(account)
    await ctx.repo.bridges.join(target.id, space.platform, space.chat_id)
    await load(ctx, BridgePolicy(ctx))
    joined = await ctx.repo.bridges.get(target.id)
    assert joined is not None
    lines = [ctx.text("bridge.joined", spaces=await _names(ctx, joined))]
    for platform, chat in joined.endpoints:
        other = await ctx.repo.spaces.get(platform, chat)
        if other is not None:
            lines += await missing_lines(ctx, other)
    if len(lines) == 1:
        lines.append(ctx.text("bridge.all_there"))
    return Reply("\n".join(lines), privacy=Privacy.PERSONAL)


async def unbridge(ctx: Context, req: Request) -> Replies:
    space = await _this_space(ctx, req)
    if await ctx.repo.bridges.of(space.platform, space.chat_id) is None:
        raise UserFacingError(ctx.text("bridge.not_bridged"))
    await ctx.repo.bridges.leave(space.platform, space.chat_id)
    await load(ctx, BridgePolicy(ctx))
    return Reply(ctx.text("bridge.unbridged", space=shown(space)), privacy=Privacy.PERSONAL)


async def _names(ctx: Context, bridge: Bridge) -> str:
    names = []
    for platform, chat in bridge.endpoints:
        space = await ctx.repo.spaces.get(platform, chat)
        names.append(shown(space) if space else f"{platform.value.title()} {chat}")
    return ", ".join(names)


async def conversation_lines(ctx: Context) -> list[str]:
    """For /space list: which spaces form each bridged conversation."""
    bridges = [b for b in await ctx.repo.bridges.all() if len(b.endpoints) >= 2]
    if not bridges:
        return []
    lines = [ctx.text("bridge.list_header", count=len(bridges))]
    for n, bridge in enumerate(bridges, start=1):
        lines.append(ctx.text("bridge.list_line", n=n, spaces=await _names(ctx, bridge)))
    return lines
