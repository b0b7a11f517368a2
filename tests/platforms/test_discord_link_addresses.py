"""A link's address shown on Discord must open the page it names.

Discord reads an address in a message as a link before any markdown, so a markdown escape
inside it is not undone: ``https://example.org/peer\\_support`` opened
``https://example.org/peer/_support`` (a backslash in an address is read as a slash), and
``-``, ``#``, ``(`` and ``)`` were escaped the same way. Every address the bot shows (a
resource's, a training's, a crisis line's page) has these. Escapes also made an address
longer than Discord's 2,000 characters, so one that fits was cut in two, mid-address.

Through the fake Discord, which records each message's content as the bot sent it."""

from __future__ import annotations

from pathlib import Path

from bot.core import markup
from bot.core.model import Platform
from bot.outbox import Destination, OutgoingMessage
from bot.platforms.discord.render import MAX_TEXT
from tests.fakes.discord_harness import discord_service, discord_settings
from tests.fakes.discord_server import FakeDiscord

ADDRESS = "https://example.org/peer_support-circle/(west)?topic=grief_and-loss#first-visit"
#: 1,992 characters: fits Discord's 2,000 as it is, not with 330 of its characters escaped.
LONG = "https://example.org/form?" + "x-y=1&" * 327 + "end=1"


async def test_an_address_reaches_discord_as_it_was_written(tmp_path: Path) -> None:
    async with FakeDiscord.running() as fake:
        sam = fake.add_user("sam")
        settings = discord_settings(tmp_path, fake)
        text = (
            "**Peer support circle** (west)\n"
            f"{markup.escape(ADDRESS)}\n"
            f"Longer form, its own message:\n{markup.escape(LONG)}\n"
            "Write to anyone here (any time)."
        )
        async with discord_service(settings) as (svc, _):
            outbox = svc.ctx.outbox
            sent = await outbox.enqueue(
                Destination(Platform.DISCORD, "user", sam.id), OutgoingMessage(text)
            )
            (report,) = await outbox.settled([sent], timeout=60)
        assert report.delivered
        contents = [m.content for m in fake.dm_messages(sam)]
        assert len(LONG) == 1992
        assert contents[1] == LONG  # a message of its own, whole, with no backslash
        assert contents[0].splitlines()[1] == ADDRESS
        # the words around them are still shown literally, not as markdown
        assert contents[0].splitlines()[0] == r"**Peer support circle** \(west\)"
        assert contents[2] == r"Write to anyone here \(any time\)."


def test_text_around_an_address_is_still_escaped() -> None:
    said = "See (https://a.org/x_y). @everyone *x* [a](b)"
    shown = markup.render_discord(markup.Segment(markup.Kind.TEXT, said))
    # a bracket just around an address stays: Discord would read an escape's backslash as
    # part of the link, and with [ ] escaped a bracket alone makes no markdown
    assert shown == "See (https://a.org/x_y). @\u200beveryone \\*x\\* \\[a\\]\\(b\\)"


def test_an_address_of_exactly_the_limit_on_its_own_line_is_not_cut() -> None:
    """As a resource is shown: its name, then its address on a line of its own. The load
    notes only addresses over 2,000 characters, so one of 2,000 must arrive whole."""
    address = "https://example.org/peer_support/" + "a" * 1967
    assert len(address) == MAX_TEXT
    text = f"Peer support\n{markup.escape(address)}\nCall first."
    assert markup.split(text, markup.render_discord, MAX_TEXT) == [
        "Peer support",
        address,
        "Call first.",
    ]
