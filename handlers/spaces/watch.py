"""Watching the peer spaces: who joins, asks to join, posts and leaves.

- A verified member who arrives where access is held (a Telegram group, the Discord server) is
  let in; one who asks to join a peer group is approved, anyone else is declined.
- An account that is not verified and joins or posts in a peer space is flagged to every
  steward at once, with a one-tap "remove from the space"; stewards hear about it once a day
  at most, not once per message. Whether an account may be there at all is decided in one
  place, :meth:`~bot.storage.spaces.SpaceRepository.is_verified_for_space`, which the coming
  relay calls before passing anything on (so nothing from such an account is ever relayed).
- The bot notes which accounts it has seen in each space (no names, no text), so /audit can
  check them where a platform cannot list a group's members; leaving removes the note.
"""

from __future__ import annotations

import logging

from bot.core import markup
from bot.core.commands import Access, Router
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.events import SpaceEvent
from bot.core.model import AccountRef, Platform, Role
from bot.core.replies import ButtonStyle, Choice, Replies, Reply
from bot.core.spaces import SpaceError, with_retries
from bot.storage.spaces import Space
from handlers.membership import control, shown
from handlers.spaces.audit import who

log = logging.getLogger(__name__)

router = Router("watch")


async def _is_member(ctx: Context, account: AccountRef) -> bool:
    person = await ctx.repo.people.by_account(account)
    return person is not None and person.is_member


async def flag(ctx: Context, space: Space, account: AccountRef) -> None:
    """Tell every steward, once a day at most per account and space."""
    if not await ctx.repo.spaces.should_flag(
        space.platform, space.chat_id, account.user_id, ctx.clock.now()
    ):
        return
    name = shown(space)
    text = ctx.text(
        "spaces.flag", who=who(ctx, control(ctx, space.platform), account.user_id), space=name
    )
    button = Choice(
        ctx.text("spaces.button_remove_from_space"),
        "watch.remove",
        {"platform": space.platform.value, "chat": space.chat_id, "user": account.user_id},
        style=ButtonStyle.DANGER,
    )
    for steward in await ctx.repo.people.with_role(Role.STEWARD):
        await ctx.messenger.to_person(
            steward, Reply.with_choices(text, [button]), origin="spaces:flag"
        )
    log.info("flagged an unverified account in a %s peer space", space.platform.value)


async def _noticed(ctx: Context, event: SpaceEvent) -> None:
    """An account was seen in a chat: note it if that chat is a peer space, and flag it if it
    does not belong there."""
    space = await ctx.repo.spaces.get(event.platform, event.chat_id)
    if space is None:
        return
    await ctx.repo.spaces.seen(event.platform, event.chat_id, event.account.user_id)
    if not await ctx.repo.spaces.is_verified_for_space(
        event.platform, event.chat_id, event.account
    ):
        await flag(ctx, space, event.account)


@router.on_member_joined
async def joined(ctx: Context, event: SpaceEvent) -> None:
    place = await ctx.repo.spaces.in_place(event.platform, event.chat_id)
    spaces = control(ctx, event.platform)
    if place and spaces is not None and await _is_member(ctx, event.account):
        # Spaces in one place share access: asking for the first opens them all.
        first, user = place[0].chat_id, event.account.user_id
        try:
            await with_retries(lambda: spaces.admit(first, user))
        except SpaceError as exc:
            log.warning("could not let a member in on arrival (%s)", exc.reason)
    await _noticed(ctx, event)


@router.on_member_posted
async def posted(ctx: Context, event: SpaceEvent) -> None:
    await _noticed(ctx, event)


@router.on_join_requested
async def join_requested(ctx: Context, event: SpaceEvent) -> None:
    space = await ctx.repo.spaces.get(event.platform, event.chat_id)
    spaces = control(ctx, event.platform)
    if space is None or spaces is None:
        return  # not a peer space: not the bot's call
    verified = await ctx.repo.spaces.is_verified_for_space(
        event.platform, event.chat_id, event.account
    )
    try:
        await with_retries(
            lambda: spaces.answer_join_request(space.chat_id, event.account.user_id, verified)
        )
    except SpaceError as exc:
        log.warning("could not answer a join request (%s)", exc.reason)


@router.on_member_left
async def left(ctx: Context, event: SpaceEvent) -> None:
    chats = [s.chat_id for s in await ctx.repo.spaces.in_place(event.platform, event.chat_id)]
    where = list(dict.fromkeys([event.chat_id, *chats]))  # on Telegram the chat is its place
    await ctx.repo.spaces.gone(event.platform, where, event.account.user_id)


@router.action("remove", access=Access.STEWARD)
async def remove(ctx: Context, req: Request) -> Replies:
    """A steward's one tap on a flag: take that account out of that space."""
    platform = Platform(str(req.args["platform"]))
    account = AccountRef(platform, str(req.args["user"]))
    space = await ctx.repo.spaces.get(platform, str(req.args["chat"]))
    spaces = control(ctx, platform)
    if space is None or spaces is None:
        raise UserFacingError(ctx.text("spaces.gone_already"))
    if await ctx.repo.spaces.is_verified_for_space(platform, space.chat_id, account):
        return Reply(ctx.text("spaces.verified_since"), replace=True)
    try:
        await with_retries(lambda: spaces.remove(space.chat_id, account.user_id))
    except SpaceError as exc:
        return Reply(ctx.text("spaces.fix_failed", reason=markup.escape(exc.reason)))
    await ctx.repo.spaces.gone(platform, [space.chat_id], account.user_id)
    name = shown(space)
    return Reply(ctx.text("spaces.removed_account", space=name), replace=True)
