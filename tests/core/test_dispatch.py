"""Dispatch: who may do what where, buttons routed back by token, and the error boundary."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core.commands import Access, Command, Option, Router, Scope
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.core.events import Actor, ButtonEvent, CommandEvent, Conversation, TextEvent
from bot.core.model import AccountRef, Platform, Role
from bot.core.replies import Choice, Privacy, Replies, Reply
from bot.messenger import Prepared
from tests.helpers import console_service

SECRET = "my private words about a hard shift"

probe = Router("probe")


async def explode(ctx: Context, req: Request) -> Replies:
    raise RuntimeError(f"handler broke while holding: {req.args.get('note')}")


async def refuse(ctx: Context, req: Request) -> Replies:
    raise UserFacingError("That date is in the past. Try a later one.")


async def offer(ctx: Context, req: Request) -> Replies:
    return Reply.with_choices("Pick one", [Choice("Yes", "probe.chosen", {"answer": "yes"})])


async def offer_in_space(ctx: Context, req: Request) -> Replies:
    return Reply.with_choices(
        "Pick one", [Choice("Yes", "probe.chosen", {"answer": "yes"})], privacy=Privacy.SPACE
    )


@probe.action("steward_only", access=Access.STEWARD)
async def steward_only(ctx: Context, req: Request) -> Replies:
    return Reply("steward button")


@probe.action("chosen")
async def chosen(ctx: Context, req: Request) -> Replies:
    return Reply(f"You chose {req.args['answer']}")


async def in_space(ctx: Context, req: Request) -> Replies:
    return Reply("space only")


async def steward_tool(ctx: Context, req: Request) -> Replies:
    return Reply("steward tool")


probe.command(Command("explode", "Breaks", explode, options=(Option("note", "n", greedy=True),)))
probe.command(Command("refuse", "Refuses", refuse))
probe.command(Command("offer", "Offers a choice", offer))
probe.command(Command("offerhere", "Offers a choice to the space", offer_in_space))
probe.command(Command("spaceonly", "Space only", in_space, scope=Scope.SPACE))
probe.command(Command("stewardtool", "Steward tool", steward_tool, access=Access.STEWARD))

PRIVATE = Conversation(Platform.TELEGRAM, "501", is_private=True)
GROUP = Conversation(Platform.TELEGRAM, "-100", is_private=False)


def actor(user: str) -> Actor:
    return Actor(AccountRef(Platform.TELEGRAM, user), "Sam")


def texts(prepared: list[Prepared]) -> str:
    return "\n".join(p.message.text for p in prepared)


async def make_member(ctx: Context, user: str, *roles: Role) -> int:
    person = await ctx.repo.people.create(
        AccountRef(Platform.TELEGRAM, user), (Role.PEER, *roles), ctx.clock.now()
    )
    return person.id


async def test_a_raising_handler_apologises_with_a_code_and_logs_no_text(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    async with console_service(settings, extra_routers=[probe]) as (svc, _):
        await make_member(svc.ctx, "501")
        caplog.set_level(logging.DEBUG)
        out = await svc.dispatcher.command(
            CommandEvent(actor("501"), PRIVATE, "explode", raw=SECRET)
        )
        again = await svc.dispatcher.command(CommandEvent(actor("501"), PRIVATE, "help"))
    reply = texts(out)
    assert reply.startswith("Sorry, something went wrong")
    code = reply.rsplit("code ", 1)[1].rstrip(".")
    assert code in caplog.text and "RuntimeError" in caplog.text
    assert SECRET not in caplog.text
    assert "/crisis" in texts(again)  # the service keeps answering


async def test_a_user_facing_error_is_the_reply(settings: Settings) -> None:
    async with console_service(settings, extra_routers=[probe]) as (svc, _):
        await make_member(svc.ctx, "501")
        out = await svc.dispatcher.command(CommandEvent(actor("501"), PRIVATE, "refuse"))
    assert texts(out) == "That date is in the past. Try a later one."


async def test_non_members_get_a_kind_no_and_crisis_lines_work_for_anyone(
    settings: Settings,
) -> None:
    async with console_service(settings, extra_routers=[probe]) as (svc, _):
        denied = await svc.dispatcher.command(CommandEvent(actor("999"), PRIVATE, "offer"))
        crisis = await svc.dispatcher.command(CommandEvent(actor("999"), PRIVATE, "crisis"))
    assert "for members of the network" in texts(denied)
    assert "988" in texts(crisis)


async def test_steward_tools_stay_out_of_sight_of_others(settings: Settings) -> None:
    async with console_service(settings, extra_routers=[probe]) as (svc, _):
        await make_member(svc.ctx, "501")
        await make_member(svc.ctx, "502", Role.STEWARD)
        peer_help = await svc.dispatcher.command(CommandEvent(actor("501"), PRIVATE, "help"))
        peer_try = await svc.dispatcher.command(CommandEvent(actor("501"), PRIVATE, "stewardtool"))
        steward_try = await svc.dispatcher.command(
            CommandEvent(actor("502"), PRIVATE, "stewardtool")
        )
    assert "/stewardtool" not in texts(peer_help)
    assert "I don't know /stewardtool" in texts(peer_try)
    assert texts(steward_try) == "steward tool"


async def test_commands_answer_only_where_they_belong(settings: Settings) -> None:
    async with console_service(settings, extra_routers=[probe]) as (svc, _):
        await make_member(svc.ctx, "501")
        in_private = await svc.dispatcher.command(CommandEvent(actor("501"), PRIVATE, "spaceonly"))
        in_group = await svc.dispatcher.command(CommandEvent(actor("501"), GROUP, "spaceonly"))
        unknown_in_group = await svc.dispatcher.command(
            CommandEvent(actor("501"), GROUP, "otherbotcmd")
        )
    assert "works inside a peer space" in texts(in_private)
    assert texts(in_group) == "space only"
    assert unknown_in_group == []  # may be meant for another bot


async def test_buttons_route_back_by_token_and_only_for_their_owner(settings: Settings) -> None:
    async with console_service(settings, extra_routers=[probe]) as (svc, _):
        await make_member(svc.ctx, "501")
        await make_member(svc.ctx, "502")
        offered = await svc.dispatcher.command(CommandEvent(actor("501"), GROUP, "offerhere"))
        button = offered[0].message.buttons[0][0]
        assert button.token is not None
        assert len(button.custom_id.encode()) <= 64
        mine = await svc.dispatcher.button(ButtonEvent(actor("501"), GROUP, button.custom_id))
        theirs = await svc.dispatcher.button(ButtonEvent(actor("502"), GROUP, button.custom_id))
        stale = await svc.dispatcher.button(ButtonEvent(actor("501"), GROUP, "pc:zzzzzzzzzzzz"))
    assert texts(mine) == "You chose yes"
    assert "someone else" in texts(theirs)
    assert "expired" in texts(stale)


async def test_personal_buttons_keep_no_record_of_who_they_were_for(settings: Settings) -> None:
    """A personal reply is seen only by its person, so its buttons name nobody: no row ties a
    person to what they searched for or were shown."""
    async with console_service(settings, extra_routers=[probe]) as (svc, _):
        pid = await make_member(svc.ctx, "501")
        await svc.dispatcher.command(CommandEvent(actor("501"), PRIVATE, "offer"))
        await svc.dispatcher.command(CommandEvent(actor("501"), PRIVATE, "glossary", raw="pe"))
        await svc.dispatcher.command(CommandEvent(actor("501"), GROUP, "offerhere"))
        tied = await svc.ctx.repo.db.fetchall(
            "SELECT action FROM buttons WHERE person_id = ?", (pid,)
        )
        exported = await svc.ctx.repo.buttons.export_person(pid)
    assert [r["action"] for r in tied] == ["probe.chosen"]  # only the one shown in a space
    assert exported["buttons_only_you_can_press"][0]["with"] == {"answer": "yes"}


async def test_plain_text_in_private_points_to_help_and_is_ignored_in_spaces(
    settings: Settings,
) -> None:
    async with console_service(settings) as (svc, _):
        private = await svc.dispatcher.text(TextEvent(actor("501"), PRIVATE, "hello?"))
        group = await svc.dispatcher.text(TextEvent(actor("501"), GROUP, "hello all"))
    assert "/help" in texts(private)
    assert group == []


async def test_buttons_keep_working_after_a_restart(tmp_path: Path, settings: Settings) -> None:
    async with console_service(settings, extra_routers=[probe]) as (svc, _):
        await make_member(svc.ctx, "501")
        offered = await svc.dispatcher.command(CommandEvent(actor("501"), PRIVATE, "offer"))
    token = offered[0].message.buttons[0][0].custom_id
    async with console_service(settings, extra_routers=[probe]) as (svc, _):
        pressed = await svc.dispatcher.button(ButtonEvent(actor("501"), PRIVATE, token))
    assert texts(pressed) == "You chose yes"


async def test_a_plain_message_that_signals_crisis_gets_crisis_lines(settings: Settings) -> None:
    """Rule 6: crisis lines are offered whenever someone signals they need support now, even
    without a command, and for anyone."""
    async with console_service(settings) as (svc, _):
        urgent = await svc.dispatcher.text(
            TextEvent(actor("999"), PRIVATE, "I can't go on like this")
        )
        other = await svc.dispatcher.text(TextEvent(actor("999"), PRIVATE, "what's this?"))
    assert "988" in texts(urgent)
    assert "/help" in texts(other)
    assert [b.label for row in other[0].message.buttons for b in row] == ["Crisis lines"]


async def test_a_button_checks_who_may_press_it_each_time(settings: Settings) -> None:
    async with console_service(settings, extra_routers=[probe]) as (svc, _):
        await make_member(svc.ctx, "501")
        await make_member(svc.ctx, "502", Role.STEWARD)
        token = await svc.ctx.repo.buttons.mint("probe.steward_only", {}, None, svc.ctx.clock.now())
        peer = await svc.dispatcher.button(ButtonEvent(actor("501"), PRIVATE, token))
        steward = await svc.dispatcher.button(ButtonEvent(actor("502"), PRIVATE, token))
    assert texts(peer) == "That button is for a steward in the network."
    assert texts(steward) == "steward button"
