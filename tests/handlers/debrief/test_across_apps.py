"""One debrief room across all three: a Telegram member, a Discord member and the console, each
in their private chat with the bot, through the real libraries and both fakes. Pseudonyms hold
in copies, replies and edits; closing deletes every relayed copy the platforms allow."""

from __future__ import annotations

from pathlib import Path

from bot.core.model import AccountRef, Platform, Role
from tests.fakes import discord_relay
from tests.fakes.telegram_media import user_says
from tests.handlers.debrief.apps import dm_with, from_bot, room_of_three, three


async def test_a_room_spans_telegram_discord_and_the_console(tmp_path: Path) -> None:
    async with three(tmp_path) as t:
        net, dc = t.net, t.dc
        wren = await room_of_three(t)
        user_says(net.tg, t.ada, "hello from the night shift", [])
        on_discord = await dm_with(dc, t.dee, "hello from the night shift")
        await net.tg.wait_for(lambda: "hello from the night shift" in "".join(t.console.output))
        said = await discord_relay.say(dc, t.dee, dc.world.dm_for(t.dee), "thank you for this")
        on_telegram = await net.said(t.ada, "thank you for this")
        start = len(t.console.output)
        await t.console.say("I'm here too")
        await net.said(t.ada, "I'm here too")
        await dm_with(dc, t.dee, "I'm here too")
        # Dee answers Ada's message and then edits it: still only the pseudonym shows.
        reply = await discord_relay.say(
            dc, t.dee, dc.world.dm_for(t.dee), "same here", reply_to=on_discord
        )
        answered = await net.said(t.ada, "same here")
        await discord_relay.edit(dc, reply, "same here, really")
        await net.tg.wait_for(lambda: "same here, really" in answered.plain)
        copies_tg = [m.message_id for m in net.tg.messages_to(t.ada.id) if wren in m.plain]
        copies_dc = [m.id for m in from_bot(dc, t.dee) if "Ada" in m.shown]
        net.say(t.ada, "/close")
        await net.said(t.ada, "The debrief room is closed")
        await dm_with(dc, t.dee, "The debrief room is closed")
        await net.tg.wait_for(
            lambda: (
                {c.params.get("message_id") for c in net.tg.calls_of("deleteMessage")}
                >= set(copies_tg)
            )
        )
        await dc.until(lambda: all(dc.world.messages[i].deleted for i in copies_dc), timeout=10)
        shown_to_console = t.console.printed_since(start)
    assert said and on_telegram.text is not None
    assert on_telegram.text.startswith(f"<b>{wren}</b>")
    assert "dee" not in net.texts(t.ada).lower()
    assert answered.text is not None and answered.text.startswith(f"<b>{wren}</b>")
    assert "same here" in shown_to_console and "dee" not in shown_to_console.lower()
    assert on_discord.shown.startswith("**Ada**\n")
    assert len(copies_tg) >= 2 and len(copies_dc) >= 1


async def test_on_discord_the_opener_picks_whom_to_invite_with_a_user_option(
    tmp_path: Path,
) -> None:
    async with three(tmp_path) as t:
        dc = t.dc
        eli = dc.add_user("eli")
        await t.net.svc.ctx.repo.people.create(
            AccountRef(Platform.DISCORD, eli.id), (Role.PEER,), t.net.clock.now()
        )
        ask = await dc.slash(t.dee, "debrief", subcommand="open", dm=True)
        opened = await dc.press(t.dee, ask.messages[-1], "As myself")
        invited = await dc.slash(
            t.dee, "debrief", subcommand="invite", options={"person": eli}, dm=True
        )
        invitation = await dm_with(dc, eli, "would like you to join a debrief room")
    assert "Your debrief room is open" in opened.text
    assert "I've asked them" in invited.text
    assert invitation.shown.startswith("**Dee** would like you to join")  # global name
