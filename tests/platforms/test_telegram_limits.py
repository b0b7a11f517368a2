"""Telegram's flood control: the fake refuses what Telegram refuses, the adapter tells a
bot-wide wait from a per-chat one, and nothing is lost or doubled when the bot hits the wall.

The limit figures are checked at explicit moments (the fake's own clock values), never by
racing the machine."""

from __future__ import annotations

import itertools
from pathlib import Path

from bot.core.model import Platform
from bot.outbox import Destination, OutgoingMessage
from bot.platforms.telegram.pace import RecentSends
from bot.storage.outbox import NewItem
from tests.fakes.telegram_harness import fake_telegram, telegram_service, telegram_settings
from tests.fakes.telegram_limits import FloodControl
from tests.fakes.telegram_world import ApiError

T0 = 5000.0
GROUP = -100


def refused(flood: FloodControl, method: str, chat_id: int, at: float) -> int | None:
    """The retry_after Telegram would answer, or None when the request is accepted."""
    try:
        flood.check(method, chat_id, at)
    except ApiError as exc:
        assert exc.code == 429
        assert exc.description.startswith("Too Many Requests: retry after ")
        return int(exc.parameters["retry_after"])
    return None


def test_the_31st_send_in_a_second_holds_every_chat_of_the_bot() -> None:
    flood = FloodControl()
    for n in range(30):
        assert refused(flood, "sendmessage", n + 1, T0 + n * 0.02) is None
    assert refused(flood, "sendmessage", 99, T0 + 0.7) == 1
    # While held, a chat that was never written to is refused too, edits included.
    assert refused(flood, "editmessagetext", 500, T0 + 1.2) is not None
    assert refused(flood, "sendmessage", 501, T0 + 1.71) is None
    assert flood.bot_wide_hits == 2 and flood.chat_hits == 0


def test_one_chat_over_its_limit_holds_only_that_chat() -> None:
    flood = FloodControl()
    assert refused(flood, "sendmessage", 7, T0) is None
    assert refused(flood, "sendmessage", 7, T0 + 0.5) == 1
    assert refused(flood, "sendmessage", 8, T0 + 0.5) is None
    assert refused(flood, "sendmessage", 7, T0 + 1.5) is None
    assert flood.chat_hits == 1 and flood.bot_wide_hits == 0


def test_a_group_takes_20_a_minute_and_edits_count() -> None:
    flood = FloodControl()
    for n in range(20):
        method = "editmessagetext" if n % 2 else "sendmessage"
        assert refused(flood, method, GROUP, T0 + n * 2.0) is None
    assert refused(flood, "editmessagetext", GROUP, T0 + 40.0) == 20
    assert refused(flood, "sendmessage", GROUP, T0 + 60.0) is None  # the first left the window
    assert refused(flood, "getchat", GROUP, T0 + 60.1) is None  # reading is not counted


def test_a_429_while_the_bot_is_near_30_a_second_is_for_the_whole_bot() -> None:
    recent = RecentSends(per_second=30)
    assert recent.scope(T0) == "destination"  # nothing sent: it cannot be the bot's limit
    recent.sent(T0, 5)
    assert recent.scope(T0 + 0.1) == "destination"
    for n in range(25):
        recent.sent(T0 + 0.2 + n * 0.03)
    assert recent.scope(T0 + 1.0) == "platform"
    assert recent.scope(T0 + 3.0) == "destination"  # a quiet second later: the chat's


async def test_a_fan_out_past_the_limit_loses_and_doubles_nothing(tmp_path: Path) -> None:
    """The outbox's own pacing off, so the fake's flood control does the limiting."""
    people = 60
    async with fake_telegram() as fake:
        fake.enforce_limits = True
        users = [fake.user(f"Peer {n}") for n in range(people)]
        fake.world.started.update(u.id for u in users)
        settings = telegram_settings(tmp_path, fake)
        async with telegram_service(settings) as (svc, platform):
            platform.global_limit = None
            svc.ctx.outbox.register(platform)
            items = [
                NewItem(
                    Destination(Platform.TELEGRAM, "user", str(u.id)),
                    OutgoingMessage(f"note {n}"),
                )
                for n, u in enumerate(users)
            ]
            await svc.ctx.outbox.enqueue_many(items)
            assert await svc.ctx.outbox.drain(timeout=60)
            failed = await svc.ctx.repo.outbox.failed()
    texts = [c.params["text"] for c in fake.calls_of("sendMessage") if c.status == 200]
    assert sorted(texts) == sorted(f"note {n}" for n in range(people))
    assert failed == []


async def test_long_messages_at_the_ceiling_take_a_turn_for_each_part(tmp_path: Path) -> None:
    """A long message is several sends to Telegram. Each part waits for its own turn (the
    chat's one a second, the bot's 30 a second), so many long messages at once all arrive, in
    order, and Telegram never has to answer 429. (Admitted once a message, the parts of 40
    long messages left back to back: 429s for every chat and for the whole bot.)"""
    people = 40
    async with fake_telegram() as fake:
        fake.enforce_limits = True
        users = [fake.user(f"Peer {n}") for n in range(people)]
        fake.world.started.update(u.id for u in users)
        settings = telegram_settings(tmp_path, fake)
        async with telegram_service(settings) as (svc, _):
            items = [
                NewItem(
                    Destination(Platform.TELEGRAM, "user", str(u.id)),
                    OutgoingMessage(" ".join(f"w{n}.{i}" for i in range(1500))),
                )
                for n, u in enumerate(users)
            ]
            await svc.ctx.outbox.enqueue_many(items)
            assert await svc.ctx.outbox.drain(timeout=120)
            failed = await svc.ctx.repo.outbox.failed()
    sends = fake.calls_of("sendMessage")
    assert failed == []
    assert fake.limit_hits == 0
    assert [c.status for c in sends] == [200] * len(sends)
    for n, user in enumerate(users):
        parts = [m.text for m in fake.messages_to(user.id)]
        assert len(parts) >= 3  # about 10,000 characters: three messages at most 4,096 each
        assert " ".join(parts).split() == [f"w{n}.{i}" for i in range(1500)]
    # Counted as the fake saw them arrive: never more than 30 in a second, nor two parts in
    # one chat within a second.
    arrived = sorted(c.at for c in sends)
    assert all(later - first >= 1.0 for first, later in zip(arrived, arrived[30:], strict=False))
    for user in users:
        times = [c.at for c in sends if c.params["chat_id"] == user.id]
        assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))
