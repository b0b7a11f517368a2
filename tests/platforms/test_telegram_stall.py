"""Regression for the send path that stalled under load (issue 14).

With python-telegram-bot's default HTTP client, a request cancelled after the connection pool
had handed it a new connection, and before it ran, kept that connection slot for good
(httpcore #1093). Under CPU contention cancellations land in that window often; once every
slot had leaked, every send failed with "Pool timeout" and the outbox stopped moving. The test
makes the window certain instead of waiting for a loaded machine: it cancels bursts of sends
after every possible number of event-loop steps, so some cancellations hit requests still
waiting for a slot, some requests being connected and some already at the server.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.core.model import Platform
from bot.core.replies import Reply
from bot.outbox import Destination
from tests.fakes.telegram_harness import fake_telegram, telegram_service, telegram_settings

POOL = 2  # a small pool makes every leaked slot count; the default only takes longer


async def test_cancelled_sends_never_use_up_the_connections(tmp_path: Path) -> None:
    async with fake_telegram() as fake:
        person = fake.user("Sam")
        fake.world.started.add(person.id)
        dest = Destination(Platform.TELEGRAM, "user", str(person.id))
        settings = telegram_settings(tmp_path, fake)
        async with telegram_service(settings, pool_size=POOL) as (svc, platform):
            bot = platform.app.bot
            for steps in range(60):
                sends = [
                    asyncio.create_task(bot.send_message(person.id, "cancelled on the way"))
                    for _ in range(POOL + 1)
                ]
                for _ in range(steps):
                    await asyncio.sleep(0)
                for send in sends:
                    send.cancel()
                await asyncio.gather(*sends, return_exceptions=True)
            await svc.ctx.messenger.to_destination(dest, Reply("still getting through"))
            got = await fake.wait_for(
                lambda: [
                    m for m in fake.messages_to(person.id) if m.plain == "still getting through"
                ],
                timeout=20,
            )
    assert got
