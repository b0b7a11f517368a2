"""A reply holding a link whose address alone is over Discord's 2,000 characters (content may
give a resource's address up to 2,083: pydantic's ``HttpUrl``) used to freeze the whole bot:
splitting the reply never ended, on the event loop. Now the link goes in a part of its own,
Discord refuses that part (the real error, from the fake), the sender hears the message
failed, and the bot goes on sending everything else."""

from __future__ import annotations

from pathlib import Path

from bot.core.model import Platform
from bot.outbox import Destination, OutgoingMessage
from bot.storage.outbox import NewItem
from tests.fakes.discord_harness import discord_service, discord_settings
from tests.fakes.discord_server import FakeDiscord

ADDRESS = "https://example.org/form?" + "a=1&" * 510  # 2,065 characters


async def test_a_link_longer_than_a_message_fails_plainly_and_nothing_else_waits(
    tmp_path: Path,
) -> None:
    async with FakeDiscord.running() as fake:
        general, sam = fake.channel("general"), fake.add_user("sam")
        settings = discord_settings(tmp_path, fake)
        text = f"Before the link.\n[the sign-up form]({ADDRESS})\nAfter the link."
        async with discord_service(settings) as (svc, _):
            outbox = svc.ctx.outbox
            [long, short] = await outbox.enqueue_many(
                [
                    NewItem(
                        Destination(Platform.DISCORD, "chat", general.id), OutgoingMessage(text)
                    ),
                    NewItem(Destination(Platform.DISCORD, "user", sam.id), OutgoingMessage("Hi")),
                ]
            )
            reports = await outbox.settled([long, short], timeout=60)
        by_id = {r.outbox_id: r for r in reports}
        assert by_id[short].delivered
        assert not by_id[long].delivered and by_id[long].error
        assert [m.content for m in fake.dm_messages(sam)] == ["Hi"]
        assert [m.content for m in fake.messages_in(general)] == ["Before the link."]
