"""An answer from Telegram that cannot be read (a 200 whose JSON was cut short) holds the
text of the message sent, as every answer to a send does: it reaches no log (DESIGN.md: logs
never hold message text), and the outbox treats it as before."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from bot.core.model import Platform
from bot.logs import RedactingFormatter
from bot.outbox import Destination, OutgoingMessage
from tests.fakes.telegram_harness import fake_telegram, telegram_service, telegram_settings

MARKER = "zq-unreadable-answer-7361"


async def test_an_unreadable_answer_leaves_the_message_text_out_of_every_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    written = io.StringIO()  # the bot's own handler, as bot.logs.configure sets it up
    handler = logging.StreamHandler(written)
    handler.setFormatter(RedactingFormatter([], "%(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    try:
        async with fake_telegram() as fake:
            chat = fake.group("Quiet")
            dest = Destination(Platform.TELEGRAM, "chat", str(chat.id))
            fake.cut_short("sendMessage")
            async with telegram_service(telegram_settings(tmp_path, fake)) as (svc, _):
                outbox = svc.ctx.outbox
                first = await outbox.enqueue(dest, OutgoingMessage(f"a note {MARKER}"))
                [report] = await outbox.settled([first], timeout=30)
                second = await outbox.enqueue(dest, OutgoingMessage("and the next one"))
                [after] = await outbox.settled([second], timeout=30)
    finally:
        logging.getLogger().removeHandler(handler)
    cut = [c for c in fake.calls_of("sendMessage") if c.cut_short]
    assert len(cut) == 1 and MARKER in cut[0].params["text"]  # the answer held it
    # As before: failed for good with a plain reason (nothing says it arrived), and the
    # next message goes out as usual.
    assert not report.delivered
    assert report.error == "Telegram refused the message (TelegramError)"
    assert after.delivered
    # The line is still there, without what the answer held.
    assert "Can not load invalid JSON data" in caplog.text
    assert "Can not load invalid JSON data" in written.getvalue()
    assert MARKER not in caplog.text and MARKER not in written.getvalue()
