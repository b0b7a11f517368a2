"""Relayed text and media through the real python-telegram-bot and the fake Bot API: what a
person sends is read back exactly, the HTML we render is accepted, media downloads and
uploads respect Telegram's limits with its own errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from telegram import Bot, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError

from bot.core.events import MediaRef
from bot.core.replies import Attachment
from bot.core.richtext import RichText, Span, Style
from bot.platforms.telegram.platform import api_urls
from bot.platforms.telegram.relay_format import (
    CAPTION_LIMIT,
    from_message,
    html_parts,
    plain_parts,
    utf16_len,
)
from bot.platforms.telegram.relay_media import fetch, read, send, upload_limit
from tests.fakes.telegram_harness import fake_telegram
from tests.fakes.telegram_media import picture, uploads, user_says, user_sends
from tests.fakes.telegram_server import FakeTelegram

MB = 1000 * 1000


@asynccontextmanager
async def bot_and_fake() -> AsyncIterator[tuple[Bot, FakeTelegram]]:
    async with fake_telegram() as fake:
        base_url, file_url = api_urls(fake.base_url)
        async with Bot(fake.token, base_url=base_url, base_file_url=file_url) as bot:
            yield bot, fake


async def _received(bot: Bot) -> Message:
    [update] = await bot.get_updates(timeout=0)
    await bot.get_updates(offset=update.update_id + 1, timeout=0)
    assert update.message is not None
    return update.message


async def test_a_formatted_message_with_emoji_is_read_exactly() -> None:
    text = "👋🏽 Hi team, **not md** see docs and 𝄞 code"
    entities = [
        {"type": "bold", "offset": 5, "length": 7},  # "Hi team" after a 4-unit emoji
        {"type": "italic", "offset": 8, "length": 4},
        {"type": "text_link", "offset": 29, "length": 4, "url": "https://docs.example/"},
        {"type": "code", "offset": 41, "length": 4},  # at the very end, after 𝄞
    ]
    async with bot_and_fake() as (bot, fake):
        peer, group = fake.user("Pat"), fake.group("Peers")
        user_says(fake, peer, text, entities, chat_id=group.id)
        rich = from_message(await _received(bot))
    styled = [(s.style, rich.text[s.start : s.end]) for s in rich.spans]
    assert styled == [
        (Style.BOLD, "Hi team"),
        (Style.ITALIC, "team"),
        (Style.LINK, "docs"),
        (Style.CODE, "code"),
    ]


async def test_ten_thousand_formatted_characters_are_accepted_in_parts_in_order() -> None:
    line = "🙂 <peer> & support, "  # escaping and an astral character on every line
    body = "\n".join(f"{i}: {line * 4}" for i in range(120))
    assert len(body) > 10_000
    rich = RichText(
        body,
        (
            Span(Style.BOLD, 0, 5000),
            Span(Style.ITALIC, 4000, 9000),
            Span(Style.SPOILER, len(body) - 10, len(body)),
        ),
    )
    parts = html_parts(rich)
    async with bot_and_fake() as (bot, fake):
        group = fake.group("Peers")
        sent = [await bot.send_message(group.id, p, parse_mode=ParseMode.HTML) for p in parts]
        shown = [m.plain for m in fake.messages_to(group.id)]
    assert len(sent) == len(parts) >= 3
    assert all(utf16_len(text) <= 4096 for text in shown)
    assert " ".join(shown).split() == body.split()


async def test_the_plain_fallback_is_accepted_without_a_parse_mode() -> None:
    rich = RichText("a <tag> that & would break", (Span(Style.BOLD, 2, 7),))
    async with bot_and_fake() as (bot, fake):
        group = fake.group("Peers")
        for part in plain_parts(rich):
            await bot.send_message(group.id, part)
        [msg] = fake.messages_to(group.id)
    assert msg.plain == "a <tag> that & would break"


async def test_a_photo_with_a_caption_crosses_with_its_bytes_and_caption() -> None:
    photo = picture(b"fake photo bytes")
    async with bot_and_fake() as (bot, fake):
        peer, group = fake.user("Pat"), fake.group("Peers")
        user_sends(
            fake, peer, "photo", photo, chat_id=group.id, caption="look 🌅 here",
            caption_entities=[{"type": "bold", "offset": 8, "length": 4}],
        )  # fmt: skip
        caption, [ref] = read(await _received(bot))
        got = await fetch(bot, ref, upload_limit(ref))
        assert got.data is not None
        [html] = html_parts(caption, limit=CAPTION_LIMIT)
        upload = Attachment(got.filename, got.data, got.mime_type)
        sent = await send(bot, group.id, upload, caption_html=html)
        [up] = uploads(fake)
    assert ref.kind == "photo" and got.data == photo
    assert sent.photo
    assert (up.method, up.data, up.caption) == ("photo", photo, "look 🌅 <b>here</b>")


@pytest.mark.parametrize(
    ("kind", "method"),
    [("document", "document"), ("voice", "voice"), ("video", "video"),
     ("animation", "video")],  # the Bot API gives a GIF as MP4: it crosses as a video
)  # fmt: skip
async def test_each_kind_goes_by_the_method_that_shows_it_best(kind: str, method: str) -> None:
    async with bot_and_fake() as (bot, fake):
        peer, group = fake.user("Pat"), fake.group("Peers")
        user_sends(fake, peer, kind, b"bytes of " + kind.encode(), chat_id=group.id, name="a.bin")
        _, [ref] = read(await _received(bot))
        got = await fetch(bot, ref, upload_limit(ref))
        assert got.data is not None
        await send(bot, group.id, Attachment(got.filename, got.data, got.mime_type))
        [up] = uploads(fake)
    assert ref.kind == ("file" if kind == "document" else kind)
    assert up.method == method and up.data == b"bytes of " + kind.encode()


async def test_gifs_and_images_from_elsewhere_show_as_animations_and_photos() -> None:
    async with bot_and_fake() as (bot, fake):
        group = fake.group("Peers")
        await send(bot, group.id, Attachment("dance.gif", b"GIF89a", "image/gif"))
        await send(bot, group.id, Attachment("wave.png", picture(), "image/png"))
        await send(bot, group.id, Attachment("broken.png", b"\x89PNG cut short", "image/png"))
        await send(bot, group.id, Attachment("voice-message.ogg", b"OggS", "audio/ogg"))
        methods = [up.method for up in uploads(fake)]
    # A picture Telegram cannot process goes as a file instead of being lost.
    assert methods == ["animation", "photo", "document", "voice"]


async def test_stickers_static_as_themselves_animated_as_first_frame_or_emoji() -> None:
    async with bot_and_fake() as (bot, fake):
        peer, group = fake.user("Pat"), fake.group("Peers")
        user_sends(fake, peer, "sticker", b"webp", chat_id=group.id, emoji="🌻")
        _, [static] = read(await _received(bot))
        user_sends(fake, peer, "sticker", b"lottie", chat_id=group.id, sticker="animated")
        _, [framed] = read(await _received(bot))
        user_sends(
            fake, peer, "sticker", b"webm", chat_id=group.id, sticker="video", thumbnail=False,
            emoji="🎉",
        )  # fmt: skip
        text, bare = read(await _received(bot))
        frame = await fetch(bot, framed, upload_limit(framed))
        still = await fetch(bot, static, upload_limit(static))
    assert static.kind == "sticker" and still.data == b"webp"
    assert frame.data is not None and frame.data.startswith(b"first-frame:")
    assert bare == () and text == RichText("🎉")


async def test_over_the_download_limit_is_not_fetched() -> None:
    async with bot_and_fake() as (bot, fake):
        peer, group = fake.user("Pat"), fake.group("Peers")
        user_sends(
            fake, peer, "document", b"x", chat_id=group.id, name="big.mov", claimed_size=21 * MB
        )
        _, [ref] = read(await _received(bot))
        result = await fetch(bot, ref, 50 * MB)
        fetched = fake.calls_of("getFile")
    assert (result.data, result.size, result.filename) == (None, 21 * MB, "big.mov")
    assert fetched == []


async def test_telegram_refusing_get_file_as_too_big_means_no_bytes_not_an_error() -> None:
    async with bot_and_fake() as (bot, fake):
        peer = fake.user("Pat")
        user_sends(fake, peer, "video", b"x", name="clip.mp4", claimed_size=25 * MB)
        _, [ref] = read(await _received(bot))
        unknown_size = MediaRef(ref.kind, ref.ref, ref.filename)
        result = await fetch(bot, unknown_size, 50 * MB)
        [call] = fake.calls_of("getFile")
    assert result.data is None
    assert call.status == 400 and call.params["file_id"] == ref.ref


async def test_a_photo_over_10_mb_goes_as_a_file() -> None:
    async with bot_and_fake() as (bot, fake):
        group = fake.group("Peers")
        big = await send(bot, group.id, Attachment("huge.jpg", b"p" * (10 * MB + 1), "image/jpeg"))
        small = await send(bot, group.id, Attachment("small.jpg", picture(), "image/jpeg"))
        methods = [up.method for up in uploads(fake)]
    assert big.document is not None and small.photo
    assert methods == ["document", "photo"]
    assert upload_limit(MediaRef("photo", "x", "x.jpg")) == 50 * MB


async def test_the_fake_refuses_oversized_uploads_as_telegram_does() -> None:
    async with bot_and_fake() as (bot, fake):
        group = fake.group("Peers")
        with pytest.raises(BadRequest, match=r"(?i)photo_save_file_invalid"):
            await bot.send_photo(group.id, b"p" * (10 * MB + 1))
        with pytest.raises(NetworkError):
            await bot.send_document(group.id, b"d" * (50 * MB + 1), filename="big.bin")
        statuses = [c.status for c in fake.calls if c.method.lower().startswith("send")]
    assert statuses == [400, 413]
