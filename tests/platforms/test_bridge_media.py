"""Files across the bridge, end to end through both fakes with the real libraries: photos,
GIFs, voice notes and stickers cross with their captions and bytes; a file over the target's
limit becomes a note there and a private word to its author."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.core.model import Platform
from tests.fakes import discord_relay
from tests.fakes.bridge_harness import bridge, fakes, member, running
from tests.fakes.discord_uploads import message_payload, post_with_files
from tests.fakes.discord_uploads import uploads as discord_uploads
from tests.fakes.telegram_media import uploads as telegram_uploads
from tests.fakes.telegram_media import user_says, user_sends


async def test_a_telegram_photo_with_a_formatted_caption_crosses_to_discord(
    tmp_path: Path,
) -> None:
    photo = b"\x89PNG night sky"
    async with fakes(tmp_path) as net, running(net):
        await bridge(net)
        alex, _ = await member(net, "Alex", Platform.TELEGRAM)
        user_sends(
            net.tg, alex, "photo", photo, chat_id=net.group.id, caption="the sky 🌌 tonight",
            caption_entities=[{"type": "italic", "offset": 11, "length": 7}],
        )  # fmt: skip
        await net.dc.until(lambda: discord_relay.webhook_messages(net.dc, net.channel))
        [copy] = discord_relay.webhook_messages(net.dc, net.channel)
        [upload] = discord_uploads(net.dc)
    assert copy.username == "Alex" and copy.content == "the sky 🌌 *tonight*"
    assert (upload.name, upload.data) == ("photo.jpg", photo)
    assert upload.path.startswith("/api/v10/webhooks/")


async def test_a_discord_gif_and_voice_note_show_as_such_on_telegram(tmp_path: Path) -> None:
    async with fakes(tmp_path) as net, running(net):
        await bridge(net)
        sam, _ = await member(net, "Sam", Platform.DISCORD)
        gif = message_payload(
            net.dc, sam, net.channel, "**ha**", [("dance.gif", b"GIF89a", "image/gif")]
        )
        await post_with_files(net.dc, gif)
        await net.tg.wait_for(lambda: telegram_uploads(net.tg))
        voice = message_payload(
            net.dc, sam, net.channel, files=[("voice-message.ogg", b"OggS", "audio/ogg")],
            voice=True,
        )  # fmt: skip
        await post_with_files(net.dc, voice)
        await net.tg.wait_for(lambda: len(telegram_uploads(net.tg)) == 2)
        first, second = telegram_uploads(net.tg)
    assert (first.method, first.data, first.caption) == (
        "animation",
        b"GIF89a",
        "<b>Sam</b>\n<b>ha</b>",
    )
    assert (second.method, second.data) == ("voice", b"OggS")


async def test_a_file_over_telegrams_limit_is_a_note_and_its_author_is_told(
    tmp_path: Path,
) -> None:
    async with fakes(tmp_path) as net, running(net):
        await bridge(net)
        sam, _ = await member(net, "Sam", Platform.DISCORD)
        payload = message_payload(
            net.dc, sam, net.channel, "our training video",
            [("training.mp4", b"not really this big", "video/mp4")],
            claimed_sizes={"training.mp4": 80 * 1000 * 1000},
        )  # fmt: skip
        await post_with_files(net.dc, payload)
        await net.tg.wait_for(lambda: "training.mp4" in net.group_text())
        await net.dc.until(lambda: net.dc.dm_messages(sam))
        [told] = net.dc.dm_messages(sam)
        sent_files = telegram_uploads(net.tg)
    assert "our training video" in net.group_text()
    assert "training.mp4 (80.0 MB) is too large" in net.group_text()
    assert "training.mp4" in told.content and "didn't cross" in told.content
    assert sent_files == []


async def test_an_animated_sticker_without_a_frame_crosses_as_its_emoji(tmp_path: Path) -> None:
    async with fakes(tmp_path) as net, running(net):
        await bridge(net)
        alex, _ = await member(net, "Alex", Platform.TELEGRAM)
        user_sends(
            net.tg, alex, "sticker", b"lottie", chat_id=net.group.id, sticker="animated",
            thumbnail=False, emoji="🫶",
        )  # fmt: skip
        await net.dc.until(lambda: discord_relay.webhook_messages(net.dc, net.channel))
        [copy] = discord_relay.webhook_messages(net.dc, net.channel)
    assert (copy.username, copy.content) == ("Alex", "🫶")


def _on_disk(database: Path) -> bytes:
    """Every byte of the database: the main file, its WAL and shared memory."""
    files = [p for p in database.parent.iterdir() if p.name.startswith(database.name)]
    return b"".join(p.read_bytes() for p in files)


async def test_a_relayed_file_and_its_caption_leave_nothing_on_disk_or_in_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    marker = "zq-marker-7f3a9c"
    data = f"PNG bytes holding {marker}".encode()
    caplog.set_level(logging.INFO)
    async with fakes(tmp_path) as net:
        database = Path(net.settings.database_path)
        async with running(net):
            await bridge(net)
            alex, _ = await member(net, "Alex", Platform.TELEGRAM)
            user_sends(
                net.tg, alex, "photo", data, chat_id=net.group.id, caption=f"caption {marker}"
            )
            await net.dc.until(lambda: discord_uploads(net.dc))
            # Delivered: the outbox scrubs what it held once its queue is empty.
            await net.dc.until(lambda: marker.encode() not in _on_disk(database), timeout=10)
        [upload] = discord_uploads(net.dc)
        after_stop = _on_disk(database)
    assert upload.data == data
    assert marker.encode() not in after_stop
    assert marker not in caplog.text


async def test_when_discord_refuses_the_markup_the_words_cross_plain(tmp_path: Path) -> None:
    async with fakes(tmp_path) as net, running(net):
        await bridge(net)
        alex, _ = await member(net, "Alex", Platform.TELEGRAM)
        net.dc.fail("POST", r"/webhooks/\d+/[^/]+", 400, code=50035)
        user_says(
            net.tg, alex, "a *bold* move", [{"type": "bold", "offset": 2, "length": 6}],
            chat_id=net.group.id,
        )  # fmt: skip
        await net.dc.until(lambda: discord_relay.webhook_messages(net.dc, net.channel))
        [copy] = discord_relay.webhook_messages(net.dc, net.channel)
        refused = [c for c in net.dc.calls if c.status == 400 and "/webhooks/" in c.path]
    assert len(refused) == 1 and refused[0].json["content"] == "a **\\*bold\\*** move"
    assert (copy.username, copy.content) == ("Alex", "a \\*bold\\* move")
