"""The message the outbox hands a platform carries every field it was queued with, and the
batch's dedup key (Discord's nonce): ``OutgoingMessage.keyed`` builds it field by field."""

from __future__ import annotations

from dataclasses import fields, replace

from bot.core.replies import Attachment, ButtonStyle
from bot.core.richtext import RichText
from bot.outbox import OutgoingMessage
from bot.outbox.message import Button, Op, Relayed


def test_a_keyed_message_keeps_every_field_and_takes_the_key() -> None:
    message = OutgoingMessage(
        "Your **check-in** is ready",
        buttons=((Button("Open", token="t1", style=ButtonStyle.PRIMARY),),),
        attachment=Attachment("week.ics", b"BEGIN:VCALENDAR", "text/calendar"),
        op=Op.EDIT,
        target_id="41",
        reply_to="40",
        coalesce=True,
        relayed=(Relayed("Sam", RichText("hello"), avatar_url="https://a.example/s.png"),),
        parts=("41", "42"),
        dedup_key="old",
    )
    # Every field differs from its default, so a field the copy left out would show.
    assert all(
        getattr(message, f.name) != f.default for f in fields(OutgoingMessage) if f.name != "text"
    )
    keyed = message.keyed("a1b2c3")
    assert keyed == replace(message, dedup_key="a1b2c3")
    assert keyed.dedup_key == "a1b2c3" and message.dedup_key == "old"
