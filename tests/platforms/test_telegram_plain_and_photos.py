"""Two ways a reply reaches Telegram as people expect, through the real python-telegram-bot and
the fake Bot API: when Telegram refuses a message's HTML, the same words go plain (``&`` as
``&``, a link with its address, the buttons kept); and a picture meant to be seen arrives as a
photo, unless Telegram would refuse it as one (then as a file, never lost)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from telegram import Bot, InputFile
from telegram.error import BadRequest

from bot.core.model import Platform
from bot.core.replies import Attachment, Choice, Reply
from bot.outbox import Destination
from bot.platforms.telegram.platform import api_urls
from tests.fakes.telegram_harness import fake_telegram, telegram_service, telegram_settings
from tests.fakes.telegram_media import uploads

REFUSED = 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0'


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, "PNG")
    return out.getvalue()


async def test_html_telegram_refuses_goes_again_as_the_same_words_plain(tmp_path: Path) -> None:
    text = "Fish **&** chips <tonight> at [the hall](https://example.org/map?a=1&b=2)"
    async with fake_telegram() as fake:
        group = fake.group()
        fake.fail("sendMessage", 400, description=REFUSED, chat_id=group.id)
        async with telegram_service(telegram_settings(tmp_path, fake)) as (svc, _):
            reply = Reply.with_choices(text, [Choice("More", "help.show")])
            dest = Destination(Platform.TELEGRAM, "chat", str(group.id))
            outbox_id = await svc.ctx.messenger.to_destination(dest, reply)
            [report] = await svc.ctx.outbox.settled([outbox_id], timeout=10)
            [sent] = fake.messages_to(group.id)
    tries = [c for c in fake.calls if c.method == "sendMessage" and c.params["chat_id"] == group.id]
    assert [c.status for c in tries] == [400, 200]
    assert tries[0].params["parse_mode"] == "HTML" and "parse_mode" not in tries[1].params
    assert report.delivered
    assert sent.plain == "Fish & chips <tonight> at the hall (https://example.org/map?a=1&b=2)"
    assert sent.entities == []  # nothing read as markup
    assert sent.buttons == [{"text": "More", "callback_data": sent.buttons[0]["callback_data"]}]


async def test_a_picture_arrives_as_a_photo_with_its_caption_and_buttons(tmp_path: Path) -> None:
    picture = Attachment("chart.png", png(720, 900), "image/png")
    async with fake_telegram() as fake:
        user = fake.user("Sam")
        fake.say(user, "hi")
        async with telegram_service(telegram_settings(tmp_path, fake)) as (svc, _):
            dest = Destination(Platform.TELEGRAM, "user", str(user.id))
            reply = Reply.with_choices("Your **chart**", [Choice("Again", "help.show")])
            reply = Reply(reply.text, reply.choices, attachment=picture)
            outbox_id = await svc.ctx.messenger.to_destination(dest, reply)
            [report] = await svc.ctx.outbox.settled([outbox_id], timeout=10)
    assert report.delivered
    [upload] = uploads(fake)
    assert (upload.method, upload.name, upload.data) == ("photo", "chart.png", picture.data)
    [call] = fake.calls_of("sendPhoto")
    assert call.message is not None
    assert call.message.plain == "Your chart"
    assert [b["text"] for b in call.message.buttons] == ["Again"]


@pytest.mark.parametrize(
    ("width", "height"),
    [(9000, 1001), (2100, 100)],  # sides over 10,000 together; a ratio over 20
)
async def test_a_picture_telegram_would_not_take_as_a_photo_goes_as_a_file(
    tmp_path: Path, width: int, height: int
) -> None:
    picture = Attachment("wide.png", png(width, height), "image/png")
    async with fake_telegram() as fake:
        user = fake.user("Sam")
        fake.say(user, "hi")
        async with telegram_service(telegram_settings(tmp_path, fake)) as (svc, _):
            dest = Destination(Platform.TELEGRAM, "user", str(user.id))
            outbox_id = await svc.ctx.messenger.to_destination(
                dest, Reply("Here it is.", attachment=picture)
            )
            [report] = await svc.ctx.outbox.settled([outbox_id], timeout=10)
    assert report.delivered
    assert [(u.method, u.data) for u in uploads(fake)] == [("document", picture.data)]
    assert fake.calls_of("sendPhoto") == []


@pytest.mark.parametrize(
    ("width", "height", "taken"),
    [(5000, 5000, True), (5001, 5000, False), (2000, 100, True), (2001, 100, False)],
)
async def test_the_fake_refuses_photos_outside_telegrams_dimensions(
    width: int, height: int, taken: bool
) -> None:
    async with fake_telegram() as fake:
        user = fake.user("Sam")
        fake.say(user, "hi")
        base_url, file_url = api_urls(fake.base_url)
        async with Bot(fake.token, base_url=base_url, base_file_url=file_url) as bot:
            upload = InputFile(png(width, height), filename="p.png")
            if taken:
                await bot.send_photo(user.id, upload)
            else:
                with pytest.raises(BadRequest):
                    await bot.send_photo(user.id, upload)
    assert fake.calls_of("sendPhoto")[-1].error == (
        None if taken else "Bad Request: PHOTO_INVALID_DIMENSIONS"
    )


async def test_the_fake_refuses_bytes_that_are_no_picture_as_telegram_does() -> None:
    """A file named .png that holds no image: Telegram answers IMAGE_PROCESS_FAILED, so the
    adapter's fallback to sending it as a file is exercised against the real refusal."""
    async with fake_telegram() as fake:
        user = fake.user("Sam")
        fake.say(user, "hi")
        base_url, file_url = api_urls(fake.base_url)
        async with Bot(fake.token, base_url=base_url, base_file_url=file_url) as bot:
            with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
                await bot.send_photo(user.id, InputFile(b"\x89PNG cut short", filename="p.png"))
    assert fake.calls_of("sendPhoto")[-1].error == "Bad Request: IMAGE_PROCESS_FAILED"
