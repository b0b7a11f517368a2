"""A small network on the fake Telegram for debrief-room tests: members made directly in
storage (joining has its own tests), each talking to the real service through the real
python-telegram-bot adapter, with a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.clock import SettableClock
from bot.core.model import AccountRef, Platform, Role
from bot.platforms.base import PlatformAdapter
from bot.service import Service, running
from handlers import ROUTERS
from tests.fakes.telegram_harness import adapter, fake_telegram, telegram_settings
from tests.fakes.telegram_server import FakeTelegram
from tests.fakes.telegram_world import BotMessage, User

#: Far ahead of the real date, so APScheduler never fires a room's check by itself: the test
#: moves the clock and fires it.
START = datetime(2037, 3, 2, 21, 0, tzinfo=UTC)


@dataclass
class Net:
    svc: Service
    tg: FakeTelegram
    clock: SettableClock
    numbers: dict[int, int] = field(default_factory=dict)  # telegram user id -> member number

    async def member(self, name: str, *, companion: bool = False) -> User:
        user = self.tg.user(name)
        self.tg.say(user, "/start")  # a bot may write only to people who opened a chat with it
        await self.tg.wait_messages(user.id)
        account = AccountRef(Platform.TELEGRAM, str(user.id))
        person = await self.svc.ctx.repo.people.create(account, (Role.PEER,), self.clock.now())
        self.numbers[user.id] = person.id
        if companion:
            await self.svc.ctx.repo.debrief.set_companion(person.id, True, self.clock.now())
        return user

    def say(self, user: User, text: str) -> None:
        self.tg.say(user, text)

    async def said(self, user: User, words: str, *, after: int = 0) -> BotMessage:
        """The first message to ``user`` (from the ``after``-th on) that contains ``words``."""

        def found() -> BotMessage | None:
            got = self.tg.messages_to(user.id)[after:]
            return next((m for m in got if words in m.plain), None)

        return await self.tg.wait_for(found)

    def seen(self, user: User) -> int:
        return len(self.tg.messages_to(user.id))

    def texts(self, user: User) -> str:
        return "\n".join(m.plain for m in self.tg.messages_to(user.id))

    async def press(self, user: User, message: BotMessage, label: str) -> None:
        self.tg.press(user, message, label)

    async def settle(self) -> None:
        await self.svc.ctx.outbox.drain(timeout=10)


async def open_room(net: Net, opener: User, as_label: str = "As myself") -> BotMessage:
    """``opener`` types /debrief and picks how to show up; returns the room's banner."""
    start = net.seen(opener)
    net.say(opener, "/debrief")
    ask = await net.said(opener, "How do you want to show up", after=start)
    await net.press(opener, ask, as_label)
    return await net.said(opener, "You're in a debrief room", after=start)


async def invite_and_join(
    net: Net, opener: User, guest: User, pseudonym: bool = False
) -> tuple[BotMessage, str]:
    """``opener`` invites ``guest``, who joins as themselves or under the first pseudonym
    offered; returns the guest's banner and the name they show."""
    start = net.seen(guest)
    net.say(opener, f"/debrief invite #{net.numbers[guest.id]}")
    invitation = await net.said(guest, "would like you to join a debrief room", after=start)
    await net.press(guest, invitation, "Join")
    choose = await net.said(guest, "How do you want to show up", after=start)
    label = choose.buttons[1 if pseudonym else 0]["text"]
    await net.press(guest, choose, label)
    banner = await net.said(guest, "You're in a debrief room", after=start)
    return banner, label.removeprefix("As ") if pseudonym else guest.first_name


@asynccontextmanager
async def network(
    tmp_path: Path, *, others: list[PlatformAdapter] | None = None, **settings: Any
) -> AsyncIterator[Net]:
    async with fake_telegram() as tg:
        clock = SettableClock(START)
        values = telegram_settings(tmp_path, tg, **settings)
        platforms: list[PlatformAdapter] = [adapter(values), *(others or [])]
        async with running(values, adapters=platforms, clock=clock, routers=ROUTERS) as svc:
            yield Net(svc, tg, clock)
