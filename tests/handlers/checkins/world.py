"""A mentor and a peer on Telegram: the real service and adapter against the fake Bot API,
a real SQLite file, the real scheduler and a clock the test sets. Schedules are fired with
``scheduler.fire`` at the moment the armed timer names (``scheduler.following``), which is
what APScheduler does, without waiting on real time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.clock import SettableClock
from bot.core.model import AccountRef, Platform, Role
from bot.service import Service, running
from bot.storage.checkins import CheckinRow
from handlers.checkins.common import ASK_KIND
from tests.fakes.telegram_harness import adapter, fake_telegram, telegram_settings
from tests.fakes.telegram_server import FakeTelegram
from tests.fakes.telegram_world import BotMessage, User


@dataclass
class World:
    fake: FakeTelegram
    svc: Service
    clock: SettableClock
    mentor: User
    peer: User
    peer_id: int
    mentor_id: int

    def shown(self, user: User) -> list[BotMessage]:
        """What ``user`` was shown, oldest first: each message sent, and each edit (a button
        answered in place) as the message it left."""
        out = []
        for c in self.fake.calls:
            if c.status != 200 or c.params.get("chat_id") != user.id:
                continue
            method = c.method.lower()
            if method in ("sendmessage", "senddocument") and c.message is not None:
                out.append(c.message)
            elif method == "editmessagetext":
                out.append(self.fake.world.messages[(user.id, int(c.params["message_id"]))])
        return out

    async def wait_shown(self, user: User, count: int) -> list[BotMessage]:
        def enough() -> list[BotMessage] | None:
            found = self.shown(user)
            return found if len(found) >= count else None

        found = await self.fake.wait_for(enough, timeout=20)
        assert found is not None
        return found

    def last(self, user: User, label: str | None = None) -> BotMessage:
        """The newest message to ``user`` (with a button labelled ``label``, if given)."""
        for msg in reversed(self.shown(user)):
            if label is None or any(b.get("text") == label for b in msg.buttons):
                return msg
        raise AssertionError(f"no message with {label!r} to {user.first_name}")

    async def next_message(self, user: User, before: int) -> BotMessage:
        return (await self.wait_shown(user, before + 1))[before]

    def count(self, user: User) -> int:
        return len(self.shown(user))

    async def button(self, user: User, label: str) -> BotMessage:
        """Wait for a message to ``user`` with a button labelled ``label``."""

        def found() -> BotMessage | None:
            for msg in reversed(self.shown(user)):
                if any(b.get("text") == label for b in msg.buttons):
                    return msg
            return None

        msg = await self.fake.wait_for(found, timeout=20)
        assert msg is not None
        return msg

    async def press(self, user: User, label: str) -> BotMessage:
        """Press a button on the newest message carrying it; return the next message."""
        message = await self.button(user, label)
        before = self.count(user)
        self.fake.press(user, message, label)
        return await self.next_message(user, before)

    async def say(self, user: User, text: str) -> BotMessage:
        before = self.count(user)
        self.fake.say(user, text)
        return await self.next_message(user, before)

    async def checkin(self) -> CheckinRow:
        row = await self.svc.ctx.repo.checkins.between(self.mentor_id, self.peer_id)
        assert row is not None
        return row

    async def agree(self, when: str = "weekly mon 10:00") -> CheckinRow:
        await self.say(self.mentor, f"/checkin propose #{self.peer_id} {when}")
        await self.wait_shown(self.peer, 1)
        before = self.count(self.mentor)
        await self.press(self.peer, "Accept")
        await self.next_message(self.mentor, before)
        return await self.checkin()

    async def fire_next(self) -> tuple[bool, datetime]:
        """Move the clock to the check-in's next time and fire it as its timer would."""
        row = await self.checkin()
        assert row.schedule_id is not None
        due = self.svc.ctx.scheduler.following(row.schedule_id, None)
        assert due is not None
        self.clock.set(due)
        return await self.svc.ctx.scheduler.fire(row.schedule_id), due

    async def asks(self) -> list[int]:
        rows = await self.svc.ctx.repo.schedules.for_person(self.peer_id, ASK_KIND)
        return [r.id for r in rows]


@asynccontextmanager
async def world(
    tmp_path: Path,
    start: datetime,
    *,
    peer_tz: str = "America/Vancouver",
    mentor_tz: str = "America/Toronto",
    fake: FakeTelegram | None = None,
    clock: SettableClock | None = None,
) -> AsyncIterator[World]:
    """The mentor is the network's first steward (stewards may offer check-ins too)."""
    async with _fake(fake) as tg:
        mentor = tg.world.users.get(10001) or tg.user("Mentor Mo")
        peer = tg.world.users.get(10002) or tg.user("Peer Pat")
        tg.world.started.update({mentor.id, peer.id})  # both opened a chat with the bot
        settings = telegram_settings(tmp_path, tg, stewards=f"telegram:{mentor.id}")
        clock = clock or SettableClock(start)
        async with running(settings, adapters=[adapter(settings)], clock=clock) as svc:
            people = svc.ctx.repo.people
            me = await people.by_account(AccountRef(Platform.TELEGRAM, str(mentor.id)))
            assert me is not None
            await people.set_timezone(me.id, mentor_tz)
            them = await people.by_account(AccountRef(Platform.TELEGRAM, str(peer.id)))
            if them is None:
                them = await people.create(
                    AccountRef(Platform.TELEGRAM, str(peer.id)), [Role.PEER], clock.now()
                )
                await people.set_timezone(them.id, peer_tz)
            yield World(tg, svc, clock, mentor, peer, them.id, me.id)
            await svc.ctx.outbox.drain(timeout=20)


@asynccontextmanager
async def _fake(fake: FakeTelegram | None) -> AsyncIterator[FakeTelegram]:
    if fake is not None:
        yield fake
        return
    async with fake_telegram() as tg:
        yield tg
