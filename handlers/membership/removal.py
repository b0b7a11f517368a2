"""Leaving the network: /remove (a steward removes a member) and /leave (a person leaves).

Both end the same way, through :func:`remove_from_network`: roles go at once (so nothing lets
them back in, and :meth:`~bot.storage.spaces.SpaceRepository.is_verified_for_space` says no from
that moment), invitations they issued stop working, and every peer space on every platform is
closed to them concurrently; whoever asked is told what worked and what did not. Both ask for a
confirming tap first. The last steward cannot be removed or leave.
"""

from __future__ import annotations

from bot.core.commands import Access, Command, Option, OptionType, Router, Scope
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.model import Person, PersonRef, Role
from bot.core.replies import ButtonStyle, Choice, Privacy, Replies, Reply
from handlers.membership.access import Door, outcome_lines, take_out
from handlers.membership.roles import find_member, is_last_steward

router = Router("removal")


async def remove_from_network(
    ctx: Context, person: Person, refusal: str = "membership.last_steward"
) -> list[Door]:
    """Take membership and every space away from ``person``; returns what happened where.
    The last steward is never removed: ``refusal`` is the wording that says so."""
    if await is_last_steward(ctx, person):
        raise UserFacingError(ctx.text(refusal))
    # Steward first: if it is refused (someone else just removed the other steward), nothing
    # else has changed.
    for role in sorted(person.roles, key=lambda r: r is not Role.STEWARD):
        if not await ctx.repo.people.revoke(person.id, role):
            raise UserFacingError(ctx.text(refusal))
    await ctx.repo.codes.withdraw(person.id, "invite")
    await ctx.repo.codes.withdraw(person.id, "link")
    for hook in ctx.registry.leaving:  # features end what they hold with others
        await hook(ctx, person)
    return await take_out(ctx, await ctx.repo.people.accounts(person.id))


def _confirm(text: str, yes: Choice, no: Choice) -> Reply:
    return Reply.with_choices(text, [yes, no], per_row=2, privacy=Privacy.PERSONAL)


# -- /remove (stewards) ------------------------------------------------------------------------


async def remove(ctx: Context, req: Request) -> Replies:
    target = await find_member(ctx, req.args["person"])
    return await _ask(ctx, target)


async def _ask(ctx: Context, target: Person) -> Reply:
    if await is_last_steward(ctx, target):
        raise UserFacingError(ctx.text("membership.last_steward"))
    platforms = sorted(
        {a.platform.value.title() for a in await ctx.repo.people.accounts(target.id)}
    )
    return _confirm(
        ctx.text("membership.remove_confirm", number=target.id, platforms=", ".join(platforms)),
        Choice(
            ctx.text("membership.button_remove"),
            "removal.confirm",
            {"person": target.id},
            style=ButtonStyle.DANGER,
        ),
        Choice(ctx.text("membership.button_cancel"), "removal.cancel"),
    )


@router.action("ask", access=Access.STEWARD)
async def ask(ctx: Context, req: Request) -> Replies:
    return await _ask(ctx, await find_member(ctx, PersonRef(number=int(req.args["person"]))))


@router.action("confirm", access=Access.STEWARD)
async def confirm(ctx: Context, req: Request) -> Replies:
    target = await find_member(ctx, PersonRef(number=int(req.args["person"])))
    doors = await remove_from_network(ctx, target)
    note = Reply(ctx.text("membership.you_were_removed", network=ctx.settings.network_name))
    await ctx.messenger.to_person(target.id, note, origin="membership:removed")
    lines = [ctx.text("membership.removed", number=target.id), *outcome_lines(ctx, doors)]
    return Reply("\n".join(lines), privacy=Privacy.PERSONAL, replace=True)


@router.action("cancel")
async def cancel(ctx: Context, req: Request) -> Replies:
    return Reply(ctx.text("membership.nothing_changed"), replace=True)


# -- /leave ------------------------------------------------------------------------------------


async def leave(ctx: Context, req: Request) -> Replies:
    if await is_last_steward(ctx, req.person):
        raise UserFacingError(ctx.text("membership.last_steward_leaving"))
    return _confirm(
        ctx.text("membership.leave_confirm", network=ctx.settings.network_name),
        Choice(ctx.text("membership.button_leave"), "removal.leave", style=ButtonStyle.DANGER),
        Choice(ctx.text("membership.button_stay"), "removal.cancel"),
    )


@router.action("leave")
async def leave_confirmed(ctx: Context, req: Request) -> Replies:
    doors = await remove_from_network(ctx, req.person, "membership.last_steward_leaving")
    lines = [ctx.text("membership.left", network=ctx.settings.network_name)]
    lines += outcome_lines(ctx, doors)
    lines.append(ctx.text("membership.after_leaving"))
    return Reply("\n".join(lines), privacy=Privacy.PERSONAL, replace=True)


router.command(
    Command(
        "remove",
        "Remove someone from the network and every peer space",
        remove,
        options=(
            Option(
                "person",
                "Who (a member number, or reply to them)",
                OptionType.PERSON,
                required=True,
            ),
        ),
        access=Access.STEWARD,
    )
)
router.command(
    Command("leave", "Leave the network and its peer spaces", leave, scope=Scope.PRIVATE)
)
