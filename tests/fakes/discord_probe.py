"""A test-only router that exercises what the Discord adapter must render: every option type,
choices (few and many), a Python-keyword option name, scopes, slow answers, long answers,
files, empty answers, answers held until the test releases them, and buttons that replace
their message or answer in the space."""

from __future__ import annotations

import asyncio

from bot.core.commands import Access, Command, Option, OptionType, Router, Scope
from bot.core.context import Context, Request
from bot.core.replies import Attachment, Choice, Privacy, Replies, Reply

probe = Router("probe")
COLOURS = tuple(f"colour{n:02d}" for n in range(30))


async def echo(ctx: Context, req: Request) -> Replies:
    shown = ", ".join(f"{k}={v!r}" for k, v in sorted(req.args.items()))
    return Reply.with_choices(
        f"got {shown}",
        [
            Choice("Swap", "probe.swap"),
            Choice("Toast", "probe.toast", anyone=True),
            Choice("Slow", "probe.slow"),
        ],
    )


async def announce(ctx: Context, req: Request) -> Replies:
    return Reply("Hello, space", privacy=Privacy.SPACE)


async def slow(ctx: Context, req: Request) -> Replies:
    await asyncio.sleep(0.4)
    privacy = Privacy.SPACE if req.args.get("public") else Privacy.PERSONAL
    return Reply.with_choices("Took a while", [Choice("Swap", "probe.swap")], privacy=privacy)


async def long(ctx: Context, req: Request) -> Replies:
    text = "\n".join(
        f"Line {n:03d} of a long answer that needs several messages." for n in range(80)
    )
    return Reply.with_choices(text, [Choice("Swap", "probe.swap")])


async def file(ctx: Context, req: Request) -> Replies:
    return Reply(
        "Your calendar", attachment=Attachment("plan.ics", b"BEGIN:VCALENDAR", "text/calendar")
    )


async def nothing(ctx: Context, req: Request) -> Replies:
    return None


#: Each /hold waits on a gate of its own until the test opens it (``held[-1].set()``), so a
#: test decides how long an answer takes by the fake's clock, not the machine's speed.
held: list[asyncio.Event] = []


async def hold(ctx: Context, req: Request) -> Replies:
    gate = asyncio.Event()
    held.append(gate)
    await gate.wait()
    return Reply("Held, then answered")


@probe.action("swap", access=Access.ANYONE)
async def swap(ctx: Context, req: Request) -> Replies:
    return Reply("Swapped in place", replace=True)


@probe.action("toast", access=Access.ANYONE)
async def toast(ctx: Context, req: Request) -> Replies:
    return [Reply("A toast for the space", privacy=Privacy.SPACE), Reply("Noted, just for you")]


@probe.action("slow", access=Access.ANYONE)
async def slow_button(ctx: Context, req: Request) -> Replies:
    await asyncio.sleep(0.4)
    return Reply("Slow swap", replace=True)


probe.command(
    Command(
        "probe",
        "Typed options",
        echo,
        options=(
            Option("count", "A number", OptionType.INTEGER, required=True),
            Option("at", "A time of day", OptionType.TIME, required=True),
            Option("loud", "On or off", OptionType.BOOLEAN),
            Option("size", "Pick a size", choices=("small", "large")),
            Option("colour", "Pick a colour", choices=COLOURS),
            Option("from", "Where from"),
        ),
        access=Access.ANYONE,
    )
)
probe.command(
    Command("announce", "Say hello in the space", announce, access=Access.ANYONE, scope=Scope.SPACE)
)
probe.command(Command("secret", "Only in a DM", echo, access=Access.ANYONE, scope=Scope.PRIVATE))
probe.command(
    Command(
        "slow",
        "Takes its time",
        slow,
        options=(Option("public", "Answer in the space", OptionType.BOOLEAN),),
        access=Access.ANYONE,
    )
)
probe.command(Command("long", "A long answer", long, access=Access.ANYONE))
probe.command(Command("file", "Sends a file", file, access=Access.ANYONE))
probe.command(Command("nothing", "Answers nothing", nothing, access=Access.ANYONE))
probe.command(Command("hold", "Answers when the test says", hold, access=Access.ANYONE))
probe.command(
    Command(
        "group",
        "Has subcommands",
        subcommands=(
            Command("here", "In a space", announce, access=Access.ANYONE, scope=Scope.SPACE),
            Command("mine", "In a DM", echo, access=Access.ANYONE, scope=Scope.PRIVATE),
        ),
        access=Access.ANYONE,
    )
)
