"""Peer spaces: stewards register a Discord channel or a Telegram group as one by running
``/space add`` inside it, see them all with ``/space list`` and stop with ``/space remove``.

Registering asks the platform what the space is called and where its access is held, then
checks it at once (the same inspection as /audit), so a steward learns straight away if it is
visible to people who are not members.
"""

from __future__ import annotations

from bot.core import markup
from bot.core.commands import Access, Command, Option, OptionType, Router, Scope
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.events import ChatMoved
from bot.core.model import Platform, Role
from bot.core.replies import ButtonStyle, Choice, Privacy, Replies, Reply
from bot.core.spaces import SpaceError, with_retries
from bot.storage.spaces import Space
from handlers.bridge import bridge, conversation_lines, unbridge
from handlers.membership import control, let_in, shown, welcome_lines
from handlers.spaces.audit import check_space

router = Router("spaces")


async def add(ctx: Context, req: Request) -> Replies:
    assert req.caller is not None
    where = req.caller.conversation
    spaces = control(ctx, where.platform)
    if spaces is None:
        raise UserFacingError(ctx.text("membership.platform_off"))
    try:
        info = await with_retries(lambda: spaces.describe(where.chat_id))
    except SpaceError as exc:
        reason = markup.escape(exc.reason)
        raise UserFacingError(ctx.text("spaces.cannot_add", reason=reason)) from None
    space = Space(where.platform, where.chat_id, info.place_id, info.title)
    new = await ctx.repo.spaces.add(space, ctx.clock.now())
    key = "spaces.added" if new else "spaces.already"
    lines = [ctx.text(key, space=shown(space))]
    findings, choices = await check_space(ctx, space, start=1)
    lines += findings or [ctx.text("spaces.looks_right")]
    return Reply.with_choices("\n".join(lines), choices, privacy=Privacy.PERSONAL)


async def listing(ctx: Context, req: Request) -> Replies:
    spaces = await ctx.repo.spaces.all()
    if not spaces:
        return Reply(ctx.text("spaces.none"), privacy=Privacy.PERSONAL)
    lines = [ctx.text("spaces.header", count=len(spaces))]
    lines += [f"{n}. {shown(s)}" for n, s in enumerate(spaces, start=1)]
    lines += await conversation_lines(ctx)
    lines.append(ctx.text("spaces.let_me_in_help"))
    choices = [Choice(ctx.text("spaces.button_let_me_in"), "spaces.let_me_in")]
    if req.person.has(Role.STEWARD):
        lines.append(ctx.text("spaces.list_help"))
        choices += [
            Choice(
                ctx.text("spaces.button_remove_n", n=n),
                "spaces.remove",
                {"platform": s.platform.value, "chat": s.chat_id},
            )
            for n, s in enumerate(spaces[:20], start=1)
        ]
    return Reply.with_choices("\n".join(lines), choices, per_row=4, privacy=Privacy.PERSONAL)


async def remove(ctx: Context, req: Request) -> Replies:
    assert req.caller is not None
    spaces = await ctx.repo.spaces.all()
    if "number" in req.args:
        number = int(req.args["number"])
        if not 1 <= number <= len(spaces):
            raise UserFacingError(ctx.text("spaces.no_such_number", count=len(spaces)))
        space = spaces[number - 1]
    else:
        where = req.caller.conversation
        found = await ctx.repo.spaces.get(where.platform, where.chat_id)
        if found is None:
            raise UserFacingError(ctx.text("spaces.not_a_space"))
        space = found
    return _ask_remove(ctx, space)


def _ask_remove(ctx: Context, space: Space) -> Reply:
    return Reply.with_choices(
        ctx.text("spaces.remove_confirm", space=shown(space)),
        [
            Choice(
                ctx.text("spaces.button_stop"),
                "spaces.remove_confirmed",
                {"platform": space.platform.value, "chat": space.chat_id},
                style=ButtonStyle.DANGER,
            ),
            Choice(ctx.text("spaces.button_keep"), "spaces.keep"),
        ],
        per_row=2,
        privacy=Privacy.PERSONAL,
    )


async def _steward_space(ctx: Context, req: Request) -> Space:
    space = await ctx.repo.spaces.get(Platform(str(req.args["platform"])), str(req.args["chat"]))
    if space is None:
        raise UserFacingError(ctx.text("spaces.gone_already"))
    return space


@router.action("remove", access=Access.STEWARD)
async def remove_button(ctx: Context, req: Request) -> Replies:
    return _ask_remove(ctx, await _steward_space(ctx, req))


@router.action("remove_confirmed", access=Access.STEWARD)
async def remove_confirmed(ctx: Context, req: Request) -> Replies:
    space = await _steward_space(ctx, req)
    await ctx.repo.spaces.remove(space.platform, space.chat_id)
    return Reply(ctx.text("spaces.removed", space=shown(space)), replace=True)


@router.action("keep")
async def keep(ctx: Context, req: Request) -> Replies:
    return Reply(ctx.text("spaces.kept"), replace=True)


@router.action("let_me_in")
async def let_me_in(ctx: Context, req: Request) -> Replies:
    """Fresh ways into every space (invite links expire), for a member who lost theirs."""
    doors = await let_in(ctx, await ctx.repo.people.accounts(req.person.id))
    lines, links = welcome_lines(ctx, doors)
    text = "\n".join([ctx.text("membership.your_spaces"), *lines]) if lines else ""
    return Reply.with_choices(text or ctx.text("spaces.none"), links, per_row=1)


@router.on_chat_moved
async def follow_move(ctx: Context, event: ChatMoved) -> None:
    await ctx.repo.spaces.moved(event.platform, event.old_chat_id, event.new_chat_id)


router.command(
    Command(
        "space",
        "The peer spaces: list them; stewards add, remove or bridge them",
        subcommands=(
            Command("list", "Every peer space", listing),
            Command(
                "add",
                "Make this group or channel a peer space",
                add,
                access=Access.STEWARD,
                scope=Scope.SPACE,
            ),
            Command(
                "remove",
                "Stop treating a space as a peer space",
                remove,
                options=(Option("number", "Its number in /space list", OptionType.INTEGER),),
                access=Access.STEWARD,
            ),
            Command(
                "bridge",
                "Join this space with another into one conversation",
                bridge,
                options=(Option("code", "The code /space bridge gave in the other space"),),
                access=Access.STEWARD,
                scope=Scope.SPACE,
            ),
            Command(
                "unbridge",
                "Take this space out of its bridged conversation",
                unbridge,
                access=Access.STEWARD,
                scope=Scope.SPACE,
            ),
        ),
        default="list",
    )
)
