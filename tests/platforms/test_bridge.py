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


def _replied_to(call_params: dict[str, object]) -> object:
    reply = call_params.get("reply_parameters")
    return reply.get("message_id") if isinstance(reply, dict) else None


async def test_a_reply_an_edit_and_a_deletion_work_after_a_restart(tmp_path: Path) -> None:
    async with fakes(tmp_path) as net:
        async with running(net):
            await bridge(net)
            alex, _ = await member(net, "Alex", Platform.TELEGRAM)
            sam, _ = await member(net, "Sam", Platform.DISCORD)
            first = telegram_relay.post(net.tg, alex, net.group, "first words")
            await net.dc.until(lambda: discord_relay.webhook_messages(net.dc, net.channel))
            [copy] = discord_relay.webhook_messages(net.dc, net.channel)
            said = await discord_relay.say(net.dc, sam, net.channel, "from discord")
            await net.tg.wait_for(lambda: "from discord" in net.group_text())
            [tg_copy] = [m for m in net.in_group() if "from discord" in m.plain]
        async with running(net):
            await discord_relay.say(net.dc, sam, net.channel, "a reply", reply_to=copy)
            await net.tg.wait_for(lambda: "a reply" in net.group_text())
            [reply] = [c for c in net.tg.calls_of("sendMessage") if "a reply" in str(c.params)]
            telegram_relay.edit(net.tg, first, "first words, edited")
            await net.dc.until(lambda: copy.content == "first words, edited")
            telegram_relay.post(net.tg, alex, net.group, "answering", reply_to=tg_copy)
            await net.dc.until(
                lambda: len(discord_relay.webhook_messages(net.dc, net.channel)) == 2
            )
            answer = discord_relay.webhook_messages(net.dc, net.channel)[-1]
            await discord_relay.delete(net.dc, said)
            await net.tg.wait_for(
                lambda: any(
                    c.params.get("message_id") == tg_copy.message_id
                    for c in net.tg.calls_of("deleteMessage")
                )
            )
    assert _replied_to(reply.params) == first["message"]["message_id"]  # native on Telegram
    jump = f"https://discord.com/channels/{net.dc.world.guild.id}/{net.channel.id}/{said.id}"
    assert answer.content.startswith(f"-# ↪ [replying to a message]({jump})")
    assert answer.content.endswith("answering")
    assert (net.group.id, tg_copy.message_id) not in net.tg.world.messages


async def test_a_long_message_is_split_then_edited_shorter(tmp_path: Path) -> None:
    # 1,400 emoji and spaces: 2,800 characters on Discord (Nitro allows 4,000), 4,200 UTF-16
    # units on Telegram, so the copy needs two parts there; bold from start to end in both.
    long = "**" + "🌱 " * 1399 + "🌱**"
    async with fakes(tmp_path) as net, running(net):
        await bridge(net)
        sam, _ = await member(net, "Sam", Platform.DISCORD)
        said = await discord_relay.say(net.dc, sam, net.channel, long)
        await net.tg.wait_messages(net.group.id, 2)
        parts = [(m.message_id, m.text or "", m.plain) for m in net.in_group()]
        await discord_relay.edit(net.dc, said, "**shorter** now")
        await net.tg.wait_for(lambda: (net.group.id, parts[1][0]) not in net.tg.world.messages)
        first = net.tg.world.messages[(net.group.id, parts[0][0])]
    assert len(parts) == 2
    assert all(html.count("<b>") == html.count("</b>") >= 1 for _, html, _ in parts)
    assert parts[0][2].startswith("Sam\n🌱") and parts[1][2].endswith("🌱")
    assert parts[0][2].count("🌱") + parts[1][2].count("🌱") == 1400
    assert first.text == "<b>Sam</b>\n<b>shorter</b> now"


async def test_no_everyone_here_or_role_ping_crosses(tmp_path: Path) -> None:
    async with fakes(tmp_path) as net, running(net):
        await bridge(net)
        alex, _ = await member(net, "Alex", Platform.TELEGRAM)
        sam, _ = await member(net, "Sam", Platform.DISCORD)
        peer_role = net.dc.world.guild.role_named("Peer").id
        await discord_relay.say(net.dc, sam, net.channel, f"@everyone @here <@&{peer_role}> hi")
        await net.tg.wait_for(lambda: "hi" in net.group_text())
        telegram_relay.post(net.tg, alex, net.group, "@everyone and @here, wake up")
        await net.dc.until(lambda: discord_relay.webhook_messages(net.dc, net.channel))
        [copy] = discord_relay.webhook_messages(net.dc, net.channel)
    shown = net.group_text()
    assert "@everyone" not in shown and "@here" not in shown and f"{peer_role}" not in shown
    assert "@everyone" not in copy.content and "@here" not in copy.content
    assert copy.allowed_mentions is not None and copy.allowed_mentions["parse"] == []


async def test_an_unverified_account_has_nothing_relayed(tmp_path: Path) -> None:
    async with fakes(tmp_path) as net, running(net):
        await bridge(net)
        stranger = net.tg.user("Stranger")
        net.group.members[stranger.id] = "member"
        alex, _ = await member(net, "Alex", Platform.TELEGRAM)
        telegram_relay.post(net.tg, stranger, net.group, "let me read along")
        telegram_relay.post(net.tg, alex, net.group, "after the stranger")
        await net.dc.until(lambda: discord_relay.webhook_messages(net.dc, net.channel))
        outsider = net.dc.add_user("outsider")
        sam, _ = await member(net, "Sam", Platform.DISCORD)
        await discord_relay.say(net.dc, outsider, net.channel, "not a member")
        await discord_relay.say(net.dc, sam, net.channel, "a member")
        await net.tg.wait_for(lambda: "a member" in net.group_text())
        flagged = await net.tg.wait_for(
            lambda: [
                m
                for m in net.tg.messages_to(net.tg_steward.id)
                if "isn't a verified member" in m.plain
            ]
        )
        copies = [m.content for m in discord_relay.webhook_messages(net.dc, net.channel)]
    assert copies == ["after the stranger"]
    assert "not a member" not in net.group_text()
    assert flagged


async def test_a_removed_member_stops_crossing_at_once(tmp_path: Path) -> None:
    async with fakes(tmp_path) as net, running(net):
        await bridge(net)
        alex, alex_id = await member(net, "Alex", Platform.TELEGRAM)
        robin, _ = await member(net, "Robin", Platform.TELEGRAM)
        telegram_relay.post(net.tg, alex, net.group, "before")
        await net.dc.until(lambda: discord_relay.webhook_messages(net.dc, net.channel))
        from bot.core.model import Role

        await net.ctx.repo.people.revoke(alex_id, Role.PEER)
        telegram_relay.post(net.tg, alex, net.group, "after removal")
        telegram_relay.post(net.tg, robin, net.group, "still here")
        await net.dc.until(lambda: len(discord_relay.webhook_messages(net.dc, net.channel)) >= 2)
        copies = [m.content for m in discord_relay.webhook_messages(net.dc, net.channel)]
    assert copies == ["before", "still here"]


async def test_delete_as_a_reply_deletes_the_original_and_every_copy(tmp_path: Path) -> None:
    async with fakes(tmp_path) as net, running(net):
        await bridge(net)
        alex, _ = await member(net, "Alex", Platform.TELEGRAM)
        robin, _ = await member(net, "Robin", Platform.TELEGRAM)
        posted = telegram_relay.post(net.tg, alex, net.group, "I should not have said that")
        await net.dc.until(lambda: discord_relay.webhook_messages(net.dc, net.channel))
        [copy] = discord_relay.webhook_messages(net.dc, net.channel)
        telegram_relay.command_reply(net.tg, robin, net.group, "/delete", posted)
        refused = await net.tg.wait_for(
            lambda: [m for m in net.tg.messages_to(robin.id) if "Only the person" in m.plain]
        )
        telegram_relay.command_reply(net.tg, alex, net.group, "/delete", posted)
        await net.dc.until(lambda: copy.deleted)
        original = posted["message"]["message_id"]
        await net.tg.wait_for(
            lambda: any(
                c.params.get("message_id") == original for c in net.tg.calls_of("deleteMessage")
            )
        )
        done = await net.tg.wait_for(
            lambda: [
                m for m in net.tg.messages_to(alex.id) if "Deleted here and everywhere" in m.plain
            ]
        )
    assert refused and done


async def test_discord_deletions_single_and_bulk_delete_every_copy(tmp_path: Path) -> None:
    async with fakes(tmp_path) as net, running(net):
        await bridge(net)
        sam, _ = await member(net, "Sam", Platform.DISCORD)
        said = [await discord_relay.say(net.dc, sam, net.channel, f"note {n}") for n in range(3)]
        await net.tg.wait_for(lambda: all(f"note {n}" in net.group_text() for n in range(3)))
        copies = {m.message_id for m in net.in_group()}
        await discord_relay.delete(net.dc, said[0])
        await discord_relay.delete(net.dc, said[1], said[2])
        await net.tg.wait_for(
            lambda: not any((net.group.id, i) in net.tg.world.messages for i in copies)
        )
    assert copies


async def test_a_file_crosses_and_one_over_the_limit_becomes_a_note(tmp_path: Path) -> None:
    async with fakes(tmp_path) as net, running(net):
        await bridge(net)
        sam, _ = await member(net, "Sam", Platform.DISCORD)
        await discord_relay.say(
            net.dc, sam, net.channel, "the rota", file=("rota.txt", b"mon: sam\ntue: robin\n")
        )
        await discord_relay.say(
            net.dc, sam, net.channel, "and the photos", file=("shift-photos.zip", 60_000_000)
        )
        await net.tg.wait_for(lambda: "and the photos" in net.group_text())
        [document] = [m for m in net.in_group() if m.document is not None]
        await net.dc.until(
            lambda: any("too large" in m.shown for m in net.dc.dm_messages(sam)), timeout=10
        )
        [told] = [m.shown for m in net.dc.dm_messages(sam) if "too large" in m.shown]
        [note] = [m.plain for m in net.in_group() if "and the photos" in m.plain]
    assert document.document is not None and document.document["file_name"] == "rota.txt"
    assert document.document_data == b"mon: sam\ntue: robin\n"
    assert document.plain == "Sam\nthe rota"  # the words ride as the caption
    assert "shift-photos.zip (60.0 MB)" in note and "too large" in note
    assert "shift-photos.zip (60.0 MB) is too large for Telegram" in told


async def test_a_deleted_webhook_is_made_again(tmp_path: Path) -> None:
    async with fakes(tmp_path) as net, running(net):
        await bridge(net)
        alex, _ = await member(net, "Alex", Platform.TELEGRAM)
        telegram_relay.post(net.tg, alex, net.group, "one")
        await net.dc.until(lambda: discord_relay.webhook_messages(net.dc, net.channel))
        [hook] = discord_relay.hooks_in(net.dc, net.channel)
        del discord_relay.state(net.dc).webhooks[hook.id]  # someone removed it in Discord
        telegram_relay.post(net.tg, alex, net.group, "two")
        await net.dc.until(lambda: len(discord_relay.webhook_messages(net.dc, net.channel)) == 2)
        [again] = discord_relay.hooks_in(net.dc, net.channel)
    assert again.id != hook.id
    assert [m.content for m in discord_relay.webhook_messages(net.dc, net.channel)] == [
        "one",
        "two",
    ]


async def test_status_shows_each_endpoint_of_each_conversation(tmp_path: Path) -> None:
    async with fakes(tmp_path) as net, running(net):
        await bridge(net)
        alex, _ = await member(net, "Alex", Platform.TELEGRAM)
        telegram_relay.post(net.tg, alex, net.group, "hello")
        await net.dc.until(lambda: discord_relay.webhook_messages(net.dc, net.channel))
        net.tg.say(net.tg_steward, "/status")
        shown = await net.tg.wait_for(
            lambda: [
                m.plain
                for m in net.tg.messages_to(net.tg_steward.id)
                if "How the bridge" in m.plain
            ]
        )
        net.tg.say(net.tg_steward, "/space list")
        listed = await net.tg.wait_for(
            lambda: [
                m.plain
                for m in net.tg.messages_to(net.tg_steward.id)
                if "Bridged conversations (1)" in m.plain
            ]
        )
    assert "Night shift peers (Telegram): nothing waiting; last message from there:" in shown[0]
    assert "#peer-space (Discord): nothing waiting; last message from there: none" in shown[0]
    assert "1. Night shift peers (Telegram), #peer-space (Discord)" in listed[0]
