"""Stewards looking after members: /members (member numbers, roles, linked platforms; the bot
stores no names) and /role. Roles are levels here: peer, mentor (a peer who mentors) or
steward (who can do everything a mentor can). The last steward cannot stop being one."""

from __future__ import annotations

from bot.core.commands import Access, Command, Option, OptionType, Router
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.model import Person, PersonRef, Role
from bot.core.replies import ButtonStyle, Choice, Privacy, Replies, Reply
from bot.messenger import ROLE_CHANGED
from bot.storage.roster import RosterEntry

router = Router("roles")

PAGE = 25
LEVELS: dict[str, frozenset[Role]] = {
    "peer": frozenset({Role.PEER}),
    "mentor": frozenset({Role.PEER, Role.MENTOR}),
    "steward": frozenset({Role.PEER, Role.STEWARD}),
}


async def find_member(ctx: Context, ref: PersonRef) -> Person:
    """The member a command points at, or a kind explanation."""
    person = None
    if ref.account is not None:
        person = await ctx.repo.people.by_account(ref.account)
    elif ref.number is not None:
        person = await ctx.repo.people.get(ref.number)
    if person is None or not person.is_member:
        raise UserFacingError(ctx.text("membership.not_a_member"))
    return person


def level(person: Person | RosterEntry) -> str:
    roles = person.roles
    if Role.STEWARD in roles:
        return "steward"
    return "mentor" if Role.MENTOR in roles else "peer"


async def is_last_steward(ctx: Context, person: Person) -> bool:
    return person.has(Role.STEWARD) and await ctx.repo.people.count_with_role(Role.STEWARD) <= 1


async def set_level(ctx: Context, target: Person, wanted: str) -> Replies:
    if wanted != "steward" and await is_last_steward(ctx, target):
        raise UserFacingError(ctx.text("membership.last_steward"))
    now = ctx.clock.now()
    keep = LEVELS[wanted]
    for role in keep - target.roles:
        await ctx.repo.people.grant(target.id, role, now)
    for role in sorted(target.roles - keep, key=lambda r: r is not Role.STEWARD):
        if not await ctx.repo.people.revoke(target.id, role):
            raise UserFacingError(ctx.text("membership.last_steward"))
    if level(target) != wanted:
        note = Reply(ctx.text("membership.your_role_now", role=wanted))
        await ctx.messenger.to_person(target.id, note, origin=ROLE_CHANGED)
    return Reply(ctx.text("membership.role_set", number=target.id, role=wanted))


async def role(ctx: Context, req: Request) -> Replies:
    target = await find_member(ctx, req.args["person"])
    return await set_level(ctx, target, str(req.args["role"]))


def _line(ctx: Context, entry: RosterEntry) -> str:
    platforms = ", ".join(p.value.title() for p in entry.platforms) or "–"
    return ctx.text(
        "membership.member_line", number=entry.number, role=level(entry), platforms=platforms
    )


async def _card(ctx: Context, person: Person, note: str = "") -> Reply:
    accounts = await ctx.repo.people.accounts(person.id)
    entry = RosterEntry(person.id, person.roles, tuple(sorted({a.platform for a in accounts})))
    text = (note + "\n\n" if note else "") + _line(ctx, entry)
    choices = [
        Choice(
            ctx.text(f"membership.button_make_{name}"),
            "roles.make",
            {"person": person.id, "role": name},
        )
        for name in LEVELS
        if name != level(person)
    ]
    choices.append(
        Choice(
            ctx.text("membership.button_remove"),
            "removal.ask",
            {"person": person.id},
            style=ButtonStyle.DANGER,
        )
    )
    return Reply.with_choices(text, choices, privacy=Privacy.PERSONAL)


async def _page(ctx: Context, offset: int) -> Reply:
    total = await ctx.repo.people.count_with_role(Role.PEER)
    entries = await ctx.repo.roster.page(offset, PAGE)
    lines = [ctx.text("membership.members_header", count=total)]
    lines += [_line(ctx, e) for e in entries]
    lines.append(ctx.text("membership.members_help"))
    choices = []
    if offset + PAGE < total:
        more = Choice(ctx.text("membership.button_more"), "roles.page", {"offset": offset + PAGE})
        choices.append(more)
    return Reply.with_choices("\n".join(lines), choices, privacy=Privacy.PERSONAL)


async def members(ctx: Context, req: Request) -> Replies:
    if "number" in req.args:
        return await _card(ctx, await find_member(ctx, PersonRef(number=int(req.args["number"]))))
    return await _page(ctx, 0)


@router.action("page", access=Access.STEWARD)
async def page(ctx: Context, req: Request) -> Replies:
    return await _page(ctx, int(req.args.get("offset", 0)))


@router.action("make", access=Access.STEWARD)
async def make(ctx: Context, req: Request) -> Replies:
    target = await find_member(ctx, PersonRef(number=int(req.args["person"])))
    done = await set_level(ctx, target, str(req.args["role"]))
    assert isinstance(done, Reply)
    fresh = await find_member(ctx, PersonRef(number=target.id))
    card = await _card(ctx, fresh, done.text)
    return Reply(card.text, card.choices, card.privacy, replace=True)


router.command(
    Command(
        "members",
        "Member numbers, roles and platforms; a number shows one member",
        members,
        options=(Option("number", "A member number, e.g. 12", OptionType.INTEGER),),
        access=Access.STEWARD,
    )
)
router.command(
    Command(
        "role",
        "Make a member a peer, mentor or steward",
        role,
        options=(
            Option(
                "person",
                "Who (a member number, or reply to them)",
                OptionType.PERSON,
                required=True,
            ),
            Option("role", "peer, mentor or steward", choices=tuple(LEVELS), required=True),
        ),
        access=Access.STEWARD,
    )
)
