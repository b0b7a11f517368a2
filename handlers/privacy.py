"""Each person's control of their data: /privacy says in plain words what is kept and who can
see it, /mydata hands over everything held about them (a readable message and a JSON file),
/forgetme erases it after a confirming tap and takes them out of every peer space.

Both are built from every part of the store that holds something about a person
(``ctx.personal_data``), so a feature that adds a table is covered without touching this file.
They work for anyone: someone removed from the network still owns what is left about them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bot.content.sources import PRIVACY
from bot.core import markup
from bot.core.commands import Access, Command, Router, Scope
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.model import AccountRef
from bot.core.replies import Attachment, ButtonStyle, Choice, Privacy, Replies, Reply
from handlers.membership import is_last_steward, outcome_lines, remove_from_network

router = Router("privacy")

_MOMENT = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})[:.\d]*\+00:00$")


async def privacy(ctx: Context, req: Request) -> Replies:
    return Reply(ctx.content[PRIVACY], privacy=Privacy.DISCREET)


# -- /mydata -----------------------------------------------------------------------------------


async def everything_about(ctx: Context, account: AccountRef) -> dict[str, Any]:
    """What every part holds about the person behind ``account``; for someone who is not a
    person here, what is held about the account itself."""
    person = await ctx.repo.people.by_account(account)
    if person is None:
        seen = await ctx.repo.spaces.export_account(account)
        return {"account": str(account), "peer_spaces_you_were_seen_in": seen} if seen else {}
    found: dict[str, Any] = {"member_number": person.id}
    for part in ctx.personal_data:
        found.update(await part.export_person(person.id))
    return found


def _value(value: Any) -> str:
    if value is None or value == [] or value == {}:
        return "–"
    if isinstance(value, str):
        moment = _MOMENT.match(value)
        return f"{moment.group(1)} {moment.group(2)} UTC" if moment else markup.escape(value)
    if isinstance(value, list):
        return "; ".join(_value(v) for v in value)
    if isinstance(value, Mapping):
        return ", ".join(f"{markup.escape(str(k))}: {_value(v)}" for k, v in value.items())
    return markup.escape(str(value))


def readable(data: Mapping[str, Any]) -> str:
    return "\n".join(f"**{key.replace('_', ' ')}**: {_value(v)}" for key, v in data.items())


async def mydata(ctx: Context, req: Request) -> Replies:
    assert req.caller is not None
    data = await everything_about(ctx, req.caller.actor.account)
    if not data:
        return Reply(ctx.text("privacy.nothing_held"), privacy=Privacy.PERSONAL)
    blob = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode()
    text = "\n\n".join(
        [ctx.text("privacy.mydata_header"), readable(data), ctx.text("privacy.mydata_footer")]
    )
    file = Attachment("my-data.json", blob, "application/json")
    return Reply(text, privacy=Privacy.PERSONAL, attachment=file)


# -- /forgetme ---------------------------------------------------------------------------------


async def forgetme(ctx: Context, req: Request) -> Replies:
    assert req.caller is not None
    if not await everything_about(ctx, req.caller.actor.account):
        return Reply(ctx.text("privacy.nothing_held"), privacy=Privacy.PERSONAL)
    person = req.maybe_person
    if person is not None and await is_last_steward(ctx, person):
        raise UserFacingError(ctx.text("membership.last_steward_leaving"))
    return Reply.with_choices(
        ctx.text("privacy.forget_confirm"),
        [
            Choice(ctx.text("privacy.button_erase"), "privacy.erase", style=ButtonStyle.DANGER),
            Choice(ctx.text("privacy.button_keep"), "privacy.keep"),
        ],
        per_row=2,
        privacy=Privacy.PERSONAL,
    )


@router.action("erase", access=Access.ANYONE)
async def erase(ctx: Context, req: Request) -> Replies:
    assert req.caller is not None
    account = req.caller.actor.account
    person = await ctx.repo.people.by_account(account)
    accounts = await ctx.repo.people.accounts(person.id) if person else [account]
    # The same removal as /leave first (roles, invitations, every space), while the accounts
    # are still known; then every part erases, the people row (which the others point to) last.
    doors = (
        await remove_from_network(ctx, person, "membership.last_steward_leaving") if person else []
    )
    await ctx.repo.spaces.forget_accounts(accounts)
    if person is not None:
        for part in reversed(ctx.personal_data):
            await part.erase_person(person.id)
    for each in accounts:
        ctx.repo.codes.attempts.forget(str(each))
    lines = [ctx.text("privacy.erased"), *(outcome_lines(ctx, doors) if doors else [])]
    # No buttons: this reply must not create anything new that names them.
    return Reply("\n".join(lines), privacy=Privacy.PERSONAL, replace=True)


@router.action("keep", access=Access.ANYONE)
async def keep(ctx: Context, req: Request) -> Replies:
    return Reply(ctx.text("privacy.kept"), replace=True)


router.command(
    Command("privacy", "What I keep about you, and who can see it", privacy, access=Access.ANYONE)
)
router.command(
    Command(
        "mydata",
        "Everything I hold about you, as a message and a file",
        mydata,
        access=Access.ANYONE,
        scope=Scope.PRIVATE,
    )
)
router.command(
    Command(
        "forgetme",
        "Erase everything I hold about you",
        forgetme,
        access=Access.ANYONE,
        scope=Scope.PRIVATE,
    )
)
