"""Buddies through Telegram: check-ins' world (a steward and a peer on the fake Bot API, the
real service, a real SQLite file, the real scheduler and a settable clock) with more members.
Rounds and check-backs are fired with ``scheduler.fire`` at the moment the armed timer names,
which is what APScheduler does, without waiting on real time."""

from __future__ import annotations

from datetime import datetime

from bot.core.model import AccountRef, Platform, Role
from bot.storage.schedules import ScheduleRow
from handlers.buddies.common import CHECKBACK_KIND, NETWORK, ROUND_KIND
from tests.fakes.telegram_world import User
from tests.handlers.checkins.world import World


async def add_member(w: World, name: str, timezone: str = "America/Vancouver") -> tuple[User, int]:
    user = w.fake.user(name)
    w.fake.world.started.add(user.id)  # they opened a chat with the bot
    people = w.svc.ctx.repo.people
    person = await people.create(
        AccountRef(Platform.TELEGRAM, str(user.id)), [Role.PEER], w.clock.now()
    )
    await people.set_timezone(person.id, timezone)
    return user, person.id


async def members(w: World, count: int) -> list[tuple[User, int]]:
    return [await add_member(w, f"Buddy {i}") for i in range(1, count + 1)]


async def join(w: World, user: User, about: str = "") -> str:
    return (await w.say(user, f"/buddy join {about}".strip())).plain


async def one_other_joins(w: World) -> tuple[User, int]:
    """The peer and one more member join the buddy rounds; the other member."""
    ((other, other_id),) = await members(w, 1)
    await join(w, w.peer)
    await join(w, other)
    return other, other_id


async def round_schedule(w: World) -> ScheduleRow:
    rows = await w.svc.ctx.repo.schedules.for_target(NETWORK, ROUND_KIND)
    assert len(rows) == 1
    return rows[0]


async def fire_round(w: World) -> None:
    """Move the clock to the next round and run it as its timer would."""
    row = await round_schedule(w)
    due = w.svc.ctx.scheduler.following(row.id, row.last_fired_at)
    assert due is not None
    w.clock.set(due)
    assert await w.svc.ctx.scheduler.fire(row.id)


async def fire_check_backs(w: World) -> int:
    """Move the clock to the check-backs' time and fire each; how many ran."""
    rows = [r for r in await w.svc.ctx.repo.schedules.all() if r.kind == CHECKBACK_KIND]
    ran = 0
    for row in rows:
        due = datetime.fromisoformat(row.trigger["at"])
        if due > w.clock.now():
            w.clock.set(due)
        ran += await w.svc.ctx.scheduler.fire(row.id)
    return ran
