"""The bridge through both fakes, with the real discord.py and python-telegram-bot: text with
names both ways, replies, edits and deletions (also after a restart), long messages split and
edited, mentions made safe, unverified accounts, /delete."""

from __future__ import annotations

from pathlib import Path

from bot.core.model import Platform
from tests.fakes import discord_relay, telegram_relay
from tests.fakes.bridge_harness import bridge, fakes, member, running


async def test_text_crosses_both_ways_under_each_authors_name(tmp_path: Path) -> None:
    async with fakes(tmp_path) as net, running(net):
        joined = await bridge(net)
        alex, _ = await member(net, "Alex", Platform.TELEGRAM)
        sam, _ = await member(net, "Sam", Platform.DISCORD)
        telegram_relay.post(net.tg, alex, net.group, "hello from the night shift")
        await net.dc.until(lambda: discord_relay.webhook_messages(net.dc, net.channel))
        [copy] = discord_relay.webhook_messages(net.dc, net.channel)
        await discord_relay.say(net.dc, sam, net.channel, "morning, all **good** here")
        await net.tg.wait_for(lambda: "morning" in net.group_text())
        [relayed] = [m for m in net.in_group() if "morning" in m.plain]
    assert "Bridged:" in joined and "Night shift peers (Telegram)" in joined
    assert copy.username == "Alex" and copy.content == "hello from the night shift"
    assert copy.allowed_mentions is not None and copy.allowed_mentions.get("parse") == []
    assert relayed.text == "<b>Sam</b>\nmorning, all <b>good</b> here"
    assert len(discord_relay.hooks_in(net.dc, net.channel)) == 1
