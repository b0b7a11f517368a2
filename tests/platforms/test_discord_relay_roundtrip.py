"""Relayed text and media through the real discord.py and the fake Discord: rendered parts are
accepted and read back the same, attachments are read, downloaded and uploaded within the
guild's own limit, and the fake refuses an oversized file as Discord does (413 / 40005)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest

from bot.core.model import AccountRef, Platform
from bot.core.replies import Attachment
from bot.core.richtext import RichText, Span, Style
from bot.platforms.discord.relay_format import from_markdown, from_message, markdown_parts
from bot.platforms.discord.relay_media import fetch, read, to_file, upload_limit
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.discord_uploads import (
    add_sticker,
    cdn_root,
    files_of,
    message_payload,
    uploads,
)

MIB = 1024 * 1024


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.running() as server:
        yield server


@pytest.fixture
async def client(
    fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[discord.Client]:
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_url)
    bot = discord.Client(intents=discord.Intents.none())
    await bot.login(fake.token)
    try:
        yield bot
    finally:
        await bot.close()


async def _channel(client: discord.Client, fake: FakeDiscord) -> discord.TextChannel:
    found = await client.fetch_channel(int(fake.channel("general").id))
    assert isinstance(found, discord.TextChannel)
    return found


def _message(
    client: discord.Client, channel: discord.TextChannel, payload: dict
) -> discord.Message:  # type: ignore[type-arg]
    """The message as discord.py parses it from Discord's JSON."""
    return discord.Message(state=client._connection, channel=channel, data=payload)  # type: ignore[arg-type]


async def test_formatted_parts_are_accepted_and_read_back_the_same(
    fake: FakeDiscord, client: discord.Client
) -> None:
    source = "\n\n".join(
        f"**Paragraph {i}** with *feeling*, ||a spoiler||, `code` and [a link](https://x.example/{i})"
        for i in range(60)
    )
    rich = from_markdown(source)
    parts = markdown_parts(rich)
    channel = await _channel(client, fake)
    sent = [await channel.send(p, allowed_mentions=discord.AllowedMentions.none()) for p in parts]
    assert len(sent) == len(parts) >= 3
    assert all(len(m.content) <= 2000 for m in sent)
    back = [from_message(m) for m in sent]
    assert " ".join(b.text for b in back).split() == rich.text.split()
    links = [b.text[s.start : s.end] for b in back for s in b.spans if s.style is Style.LINK]
    assert links == ["a link"] * 60


async def test_a_mention_from_telegram_crosses_as_a_discord_mention_only_when_linked(
    fake: FakeDiscord, client: discord.Client
) -> None:
    sam = fake.add_user("sam")
    rich = RichText(
        "thanks Sam and Alex @everyone",
        (
            Span(Style.MENTION, 7, 10, account=AccountRef(Platform.TELEGRAM, "1")),
            Span(Style.MENTION, 15, 19, account=AccountRef(Platform.TELEGRAM, "2")),
        ),
    )

    def resolve(who: AccountRef) -> AccountRef | None:
        return AccountRef(Platform.DISCORD, sam.id) if who.user_id == "1" else None

    [part] = markdown_parts(rich, resolve=resolve)
    channel = await _channel(client, fake)
    msg = await channel.send(part, allowed_mentions=discord.AllowedMentions.none())
    assert msg.content == f"thanks <@{sam.id}> and Alex @\u200beveryone"


async def test_attachments_are_read_and_fetched_through_discord_py(
    fake: FakeDiscord, client: discord.Client
) -> None:
    pat = fake.add_user("pat")
    files = [
        ("photo.png", b"\x89PNG photo", "image/png"),
        ("dance.gif", b"GIF89a", "image/gif"),
        ("clip.mp4", b"mp4 bytes", "video/mp4"),
        ("notes.pdf", b"%PDF", "application/pdf"),
    ]
    channel = await _channel(client, fake)
    payload = message_payload(fake, pat, fake.channel("general"), "look **here**", files)
    text, refs = read(_message(client, channel, payload))
    got = [await fetch(client, ref, upload_limit(None)) for ref in refs]
    assert [r.kind for r in refs] == ["photo", "animation", "video", "file"]
    assert [(g.filename, g.data, g.mime_type) for g in got] == files
    assert text == RichText("look here", (Span(Style.BOLD, 5, 9),))


async def test_a_voice_message_is_a_voice_note(fake: FakeDiscord, client: discord.Client) -> None:
    pat = fake.add_user("pat")
    channel = await _channel(client, fake)
    payload = message_payload(
        fake, pat, fake.channel("general"), files=[("voice-message.ogg", b"OggS", "audio/ogg")],
        voice=True,
    )  # fmt: skip
    _, [ref] = read(_message(client, channel, payload))
    assert (ref.kind, ref.filename, ref.mime_type) == ("voice", "voice-message.ogg", "audio/ogg")


async def test_an_attachment_over_the_target_limit_is_not_downloaded(
    fake: FakeDiscord, client: discord.Client
) -> None:
    pat = fake.add_user("pat")
    channel = await _channel(client, fake)
    payload = message_payload(
        fake, pat, fake.channel("general"), files=[("trip.mov", b"x", "video/quicktime")],
        claimed_sizes={"trip.mov": 60 * 1000 * 1000},
    )  # fmt: skip
    files_of(fake).cdn.clear()  # a download would now fail loudly
    _, [ref] = read(_message(client, channel, payload))
    result = await fetch(client, ref, 50 * 1000 * 1000)
    assert (result.filename, result.data, result.size) == ("trip.mov", None, 60 * 1000 * 1000)


async def test_uploads_within_the_guilds_own_limit(
    fake: FakeDiscord, client: discord.Client
) -> None:
    channel = await _channel(client, fake)
    guild = await client.fetch_guild(int(fake.world.guild.id))
    await channel.send("a photo", file=to_file(Attachment("sunset.jpg", b"j" * 1000, "image/jpeg")))
    assert upload_limit(guild) == 10 * MIB == upload_limit(None)
    assert [(u.name, u.data) for u in uploads(fake)] == [("sunset.jpg", b"j" * 1000)]


async def test_a_boosted_guild_takes_bigger_files(
    fake: FakeDiscord, client: discord.Client
) -> None:
    fake.world.guild.premium_tier = 2
    guild = await client.fetch_guild(int(fake.world.guild.id))
    channel = await _channel(client, fake)
    await channel.send(file=to_file(Attachment("clip.mp4", b"v" * (11 * MIB), "video/mp4")))
    assert upload_limit(guild) == 50 * MIB
    assert [len(u.data) for u in uploads(fake)] == [11 * MIB]


async def test_the_fake_refuses_a_file_over_the_limit_as_discord_does(
    fake: FakeDiscord, client: discord.Client
) -> None:
    channel = await _channel(client, fake)
    oversized = to_file(Attachment("big.bin", b"z" * (10 * MIB + 1)))
    with pytest.raises(discord.HTTPException) as refused:
        await channel.send(file=oversized)
    assert (refused.value.status, refused.value.code) == (413, 40005)
    assert uploads(fake) == []


async def test_stickers_cross_as_images_or_their_name(
    fake: FakeDiscord, client: discord.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discord.Asset, "BASE", cdn_root(fake))
    pat = fake.add_user("pat")
    channel = await _channel(client, fake)
    stickers = [
        add_sticker(fake, "wave", b"\x89PNG wave", 1),
        add_sticker(fake, "spin", b"\x89PNG apng", 2),
        add_sticker(fake, "blob", b"{}", 3),
    ]
    payload = message_payload(fake, pat, fake.channel("general"), stickers=stickers)
    text, (png, apng) = read(_message(client, channel, payload))
    frame = await fetch(client, apng, upload_limit(None))
    assert (png.kind, png.filename) == ("sticker", "wave.png")
    assert frame.data == b"\x89PNG apng"
    assert text == RichText(":blob:")
