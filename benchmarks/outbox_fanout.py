"""Fan-out of private messages through the real outbox and Telegram adapter to the fake Bot API.

    python -m benchmarks.outbox_fanout            # 10,000 messages: about six minutes at 30/s
    python -m benchmarks.outbox_fanout --count 300

Part 1 sends one message to each of ``--count`` private chats with the fake enforcing
Telegram's limits (429 above 30/s per bot, 1/s per chat) and prints the rate reached as a
fraction of the 30/s ceiling, the 429s received, messages lost, and peak memory. Part 2 turns
every limit off (fake and outbox) and sends ``--overhead`` messages one at a time to measure the
bot's own cost per message: from enqueue to the request arriving at the fake.

The fake runs in the same process, so memory and CPU figures include it. A measurement, not a
test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import resource
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from bot.core.model import Platform
from bot.outbox import Destination, OutgoingMessage
from bot.platforms.telegram import TelegramPlatform
from bot.service import running
from bot.storage.outbox import NewItem
from tests.fakes.telegram_server import Call, FakeTelegram
from tests.helpers import make_settings

CEILING = 30.0  # Telegram's messages per second per bot


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


async def fan_out(count: int, folder: Path) -> None:
    fake = await FakeTelegram().start()
    fake.enforce_limits = True
    people = [fake.user(f"Peer {n}") for n in range(count)]
    fake.world.started.update(p.id for p in people)  # everyone has opened a chat with the bot
    settings = make_settings(
        folder, telegram_bot_token=fake.token, telegram_api_base_url=fake.base_url
    )
    items = [
        NewItem(
            Destination(Platform.TELEGRAM, "user", str(p.id)),
            OutgoingMessage(f"This week's **self-care** prompt, number {n}: take a slow breath."),
        )
        for n, p in enumerate(people)
    ]
    rss_before = rss_mib()
    tracemalloc.start()
    try:
        async with running(settings, adapters=[TelegramPlatform(settings)]) as svc:
            started = time.monotonic()
            await svc.ctx.outbox.enqueue_many(items)
            enqueued = time.monotonic() - started
            await svc.ctx.outbox.drain()
            finished = time.monotonic()
            failed = await svc.ctx.repo.outbox.failed()
            stats = dict(svc.ctx.outbox.stats)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        await fake.stop()
    delivered = {
        c.params["chat_id"] for c in fake.calls if c.method == "sendMessage" and c.status == 200
    }
    lost = count - len(delivered) - len(failed)
    rate = count / (finished - started)
    print(f"fan-out of {count} private messages, fake enforcing Telegram's limits")
    print(f"  enqueue (one transaction)   {enqueued:8.2f} s")
    print(f"  all delivered after         {finished - started:8.1f} s")
    print(f"  achieved rate               {rate:8.2f} msg/s = {rate / CEILING:.1%} of 30/s")
    print(
        f"  429s received               {fake.limit_hits:8d}  (outbox saw {stats['retry_after']})"
    )
    print(f"  failed for good             {len(failed):8d}")
    print(f"  lost                        {lost:8d}")
    print(f"  peak RSS                    {rss_mib():8.1f} MiB (was {rss_before:.1f} before)")
    print(f"  peak traced Python memory   {peak / 2**20:8.1f} MiB")


async def overhead(count: int, folder: Path) -> None:
    fake = await FakeTelegram().start()
    people = [fake.user(f"Peer {n}") for n in range(count)]
    fake.world.started.update(p.id for p in people)
    arrived: dict[int, float] = {}
    waiting: dict[int, asyncio.Future[None]] = {}

    def seen(call: Call) -> None:
        chat_id = call.params.get("chat_id")
        if call.method == "sendMessage" and isinstance(chat_id, int) and chat_id not in arrived:
            arrived[chat_id] = call.at
            if chat_id in waiting and not waiting[chat_id].done():
                waiting[chat_id].set_result(None)

    fake.on_request = seen
    settings = make_settings(
        folder, telegram_bot_token=fake.token, telegram_api_base_url=fake.base_url
    )
    platform = TelegramPlatform(settings)
    platform.global_limit = None  # limits off: measure the bot, not the pacing
    costs: list[float] = []
    try:
        async with running(settings, adapters=[platform]) as svc:
            loop = asyncio.get_running_loop()
            for person in people:
                waiting[person.id] = loop.create_future()
                dest = Destination(Platform.TELEGRAM, "user", str(person.id))
                began = time.monotonic()
                await svc.ctx.outbox.enqueue(dest, OutgoingMessage("A short check-in."))
                await asyncio.wait_for(waiting[person.id], 10)
                costs.append(arrived[person.id] - began)
    finally:
        await fake.stop()
    costs.sort()
    p99 = costs[min(len(costs) - 1, int(len(costs) * 0.99))]
    print(f"overhead per message, limits off, {count} sent one at a time")
    print(f"  enqueue -> request at fake  p50 {statistics.median(costs) * 1000:6.2f} ms")
    print(f"                              p99 {p99 * 1000:6.2f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="messages to fan out")
    parser.add_argument("--overhead", type=int, default=1_000, help="messages for part 2")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        await fan_out(args.count, Path(first))
        await overhead(min(args.overhead, args.count), Path(second))


if __name__ == "__main__":
    asyncio.run(main())
