"""Check-ins across every app for tests: the real service with the real python-telegram-bot and
discord.py adapters against both fakes, and the console, a real SQLite file, the real scheduler
and a clock the test sets. People are made directly in storage (joining has its own tests);
a check-in is fired with ``scheduler.fire`` at the moment its timer names, as APScheduler
would, without waiting on real time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import SettableClock
from bot.core.model import AccountRef, Platform, Role
from bot.platforms.console import CONSOLE_ACCOUNT
from bot.platforms.discord import DiscordPlatform
from bot.service import Service
from bot.storage.checkins import CheckinRow
from tests.fakes import discord_model
from tests.fakes.discord_harness import FAST, both_settings
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.telegram_harness import adapter, fake_telegram
from tests.fakes.telegram_server import FakeTelegram
from tests.fakes.telegram_world import BotMessage, User
from tests.helpers import ConsoleDriver, console_service

MONDAY = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)  # 08:00 in Vancouver


@dataclass
class Apps:
    svc: Service
    tg: FakeTelegram
    dc: FakeDiscord
    console: ConsoleDriver
    clock: SettableClock

    # -- people ------------------------------------------------------------------------------

    async def telegram(
        self, name: str, tz: str = "America/Vancouver", role: Role = Role.PEER
    ) -> tuple[User, int]:
        user = self.tg.user(name)
        self.tg.world.started.add(user.id)  # they opened a chat with the bot
        return user, await self._person(AccountRef(Platform.TELEGRAM, str(user.id)), tz, role)

    async def discord(
        self, name: str, tz: str = "America/Vancouver", role: Role = Role.PEER
    ) -> tuple[discord_model.User, int]:
        user = self.dc.add_user(name)
        return user, await self._person(AccountRef(Platform.DISCORD, user.id), tz, role)

    async def console_person(self, tz: str = "America/Vancouver") -> int:
        """The console's own person (a steward: the first run makes it one)."""
        person = await self.svc.ctx.repo.people.by_account(CONSOLE_ACCOUNT)
        assert person is not None
        await self.svc.ctx.repo.people.set_timezone(person.id, tz)
        return person.id

    async def _person(self, account: AccountRef, tz: str, role: Role) -> int:
        people = self.svc.ctx.repo.people
        person = await people.create(account, {Role.PEER, role}, self.clock.now())
        await people.set_timezone(person.id, tz)
        return person.id

    # -- what Discord people see ---------------------------------------------------------------

    def dms(self, user: discord_model.User) -> list[discord_model.Message]:
        return [m for m in self.dc.dm_messages(user) if m.author.id != user.id]

    async def dm(
        self, user: discord_model.User, words: str, *, after: int = 0
    ) -> discord_model.Message:
        """The first DM from the bot to ``user`` (from the ``after``-th on) with ``words`` in
        its text or on one of its buttons."""

        def has(m: discord_model.Message) -> bool:
            return words in m.shown or any(words in b.get("label", "") for b in m.buttons())

        def found() -> discord_model.Message | None:
            return next((m for m in self.dms(user)[after:] if has(m)), None)

        await self.dc.until(lambda: found() is not None, timeout=20)
        message = found()
        assert message is not None
        return message

    def to_discord_user(self, user: discord_model.User) -> str:
        """Every request the bot made that could reach ``user``: to their DM channel, and
        answers to interactions they started."""
        channel = self.dc.world.dms.get(user.id)
        mine = {ix.token for ix in self.dc.interactions.values() if ix.user.id == user.id}
        out = []
        for call in self.dc.calls:
            to_dm = channel is not None and channel.id in call.path
            if to_dm or any(t in call.path for t in mine):
                out.append(f"{call.path} {call.json!r}")
        return "\n".join(out)

    # -- what Telegram people see --------------------------------------------------------------

    async def tg_said(self, user: User, words: str, *, after: int = 0) -> BotMessage:
        def has(m: BotMessage) -> bool:
            return words in m.plain or any(words in b.get("text", "") for b in m.buttons)

        def found() -> BotMessage | None:
            return next((m for m in self.tg.messages_to(user.id)[after:] if has(m)), None)

        return await self.tg.wait_for(found, timeout=20)

    def to_telegram_user(self, user: User) -> str:
        calls = self.tg.calls
        return "\n".join(repr(c.params) for c in calls if c.params.get("chat_id") == user.id)

    # -- the check-in ---------------------------------------------------------------------------

    async def between(self, mentor_id: int, peer_id: int) -> CheckinRow:
        row = await self.svc.ctx.repo.checkins.between(mentor_id, peer_id)
        assert row is not None
        return row

    async def fire(self, mentor_id: int, peer_id: int) -> None:
        """Move the clock to the check-in's next time and fire it as its timer would."""
        row = await self.between(mentor_id, peer_id)
        assert row.schedule_id is not None
        due = self.svc.ctx.scheduler.following(row.schedule_id, None)
        assert due is not None
        self.clock.set(due)
        assert await self.svc.ctx.scheduler.fire(row.schedule_id)

    async def settle(self) -> None:
        assert await self.svc.ctx.outbox.drain(timeout=20)


@asynccontextmanager
async def apps(tmp_path: Path, start: datetime = MONDAY) -> AsyncIterator[Apps]:
    async with fake_telegram() as tg, FakeDiscord.running() as dc:
        settings = both_settings(tmp_path, tg, dc)
        clock = SettableClock(start)
        platforms = [adapter(settings), DiscordPlatform(settings, timing=FAST)]
        async with console_service(settings, clock=clock, adapters=platforms) as (svc, console):
            yield Apps(svc, tg, dc, console, clock)
            await svc.ctx.outbox.drain(timeout=20)
