"""Many people's prompts due at the same moment: the real sweeper takes them a batch at a time
(one read for the batch, one transaction for what it sends), and each person still gets what
they would get alone: exactly one prompt, never inside their quiet hours or a pause, nothing
while away, and no prompt again before they have seen the whole theme.

Through the Telegram fake, a real SQLite file and the real scheduler, on a settable clock;
batches are made small so a burst of a dozen people spans several of them.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import handlers.selfcare.now as now
from bot.clock import SettableClock
from bot.core.context import Context
from bot.core.model import AccountRef, Platform, QuietHours, Role
from bot.scheduler import cron
from bot.service import Service, running
from bot.storage.schedules import ScheduleRow
from handlers.selfcare.prompts import PERSONAL_KIND
from tests.fakes.telegram_harness import adapter, fake_telegram, telegram_settings
from tests.fakes.telegram_server import FakeTelegram
from tests.fakes.telegram_world import BotMessage, User
from tests.handlers.selfcare.test_now import prompts_shown, theme
from tests.helpers import CONTENT

VANCOUVER = "America/Vancouver"
ZONE = ZoneInfo(VANCOUVER)
BATCH = 4  # rows a batch takes: a dozen people make several batches


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in June 2026, Vancouver time (1 June is a Monday)."""
    return datetime(2026, 6, day, hour, minute, tzinfo=ZONE)


@dataclass
class Burst:
    fake: FakeTelegram
    svc: Service
    clock: SettableClock

    async def member(self, name: str) -> tuple[User, int]:
        user = self.fake.user(name)
        self.fake.world.started.add(user.id)
        person = await self.svc.ctx.repo.people.create(
            AccountRef(Platform.TELEGRAM, str(user.id)), [Role.PEER], self.clock.now()
        )
        await self.svc.ctx.repo.people.set_timezone(person.id, VANCOUVER)
        return user, person.id

    async def daily_0730(self, person_id: int) -> int:
        row = await self.svc.ctx.scheduler.add(
            PERSONAL_KIND,
            cron(hour=7, minute=30),
            timezone=VANCOUVER,
            person_id=person_id,
            payload={"themes": ["grounding"]},
        )
        return row.id

    async def sweep_at(self, moment: datetime) -> int:
        """Move the clock and let the sweeper run what is due, as its timer would."""
        self.clock.set(moment)
        ran = await self.svc.ctx.scheduler.sweep()
        assert await self.svc.ctx.outbox.drain(timeout=30)
        return ran

    def prompts_to(self, user: User) -> list[str]:
        """The grounding prompts this person has been sent, in order."""
        return [
            shown
            for message in self.fake.messages_to(user.id)
            for shown in prompts_shown(message.plain, "grounding")
        ]


@asynccontextmanager
async def burst(tmp_path: Path, **settings_given: Any) -> AsyncIterator[Burst]:
    async with fake_telegram() as tg:
        settings = telegram_settings(tmp_path, tg, **settings_given)
        clock = SettableClock(at(1, 6))
        async with running(settings, adapters=[adapter(settings)], clock=clock) as svc:
            svc.ctx.scheduler.batch = BATCH
            svc.ctx.scheduler.batch_time = None  # batch by count, not by this machine's speed
            yield Burst(tg, svc, clock)
            await svc.ctx.outbox.drain(timeout=30)


async def test_each_person_gets_one_prompt_and_quiet_hours_pause_and_away_win(
    tmp_path: Path,
) -> None:
    async with burst(tmp_path) as b:
        everyone = [await b.member(f"Peer {n}") for n in range(9)]
        quiet, quiet_id = await b.member("Night shift")
        paused, paused_id = await b.member("Paused")
        away, away_id = await b.member("Away")
        for _, person_id in [*everyone, (quiet, quiet_id), (paused, paused_id), (away, away_id)]:
            await b.daily_0730(person_id)
        await b.svc.ctx.repo.people.set_quiet_hours(quiet_id, QuietHours(time(7), time(8)))
        [held] = await b.svc.ctx.repo.schedules.for_person(paused_id, PERSONAL_KIND)
        await b.svc.ctx.scheduler.pause(held.id, at(5, 0))
        await b.svc.ctx.repo.people.set_away(away_id, at(5, 0))
        batches = b.svc.ctx.scheduler.stats["batches"]

        ran = await b.sweep_at(at(1, 7, 30))
        at_0730 = {user.id: len(b.prompts_to(user)) for user, _ in everyone}
        quiet_at_0730 = len(b.prompts_to(quiet))
        again = await b.sweep_at(at(1, 7, 45))  # nothing is due twice
        await b.sweep_at(at(1, 8))  # their quiet hours are over
        quiet_at_0800 = len(b.prompts_to(quiet))
        after_0800 = {user.id: len(b.prompts_to(user)) for user, _ in everyone}
        took = b.svc.ctx.scheduler.stats["batches"] - batches

    assert ran == len(everyone)
    assert at_0730 == {user.id: 1 for user, _ in everyone}  # exactly one each
    assert took > 2  # the burst really spanned several batches
    assert quiet_at_0730 == 0 and quiet_at_0800 == 1  # held to the end of their quiet hours
    assert again == 0 and after_0800 == at_0730  # and no one got a second one
    assert b.prompts_to(paused) == [] and b.prompts_to(away) == []


async def test_two_prompts_due_together_never_repeat_before_the_theme_is_seen(
    tmp_path: Path,
) -> None:
    grounding = theme("grounding")
    days = len(grounding.prompts)  # two a day: the round ends halfway, and another starts
    async with burst(tmp_path) as b:
        twice, twice_id = await b.member("Two a day")
        others = [await b.member(f"Peer {n}") for n in range(5)]
        for _, person_id in [(twice, twice_id), (twice, twice_id), *others]:
            await b.daily_0730(person_id)
        for day in range(days):
            await b.sweep_at(at(1, 7, 30) + timedelta(days=day))
        shown = b.prompts_to(twice)
        seen_by_others = [b.prompts_to(user) for user, _ in others]

    every = sorted(p.id for p in grounding.prompts)
    size = len(every)
    first, second = shown[:size], shown[size : 2 * size - 1]
    assert len(shown) == 2 * days
    assert sorted(first) == every  # the whole theme before any prompt comes again
    # The next round holds the prompt that closed the first as seen, so it never opens with
    # it: the other prompts, each once.
    assert sorted(second) == sorted(set(every) - {first[-1]})
    for seen in seen_by_others:
        assert len(seen) == days and sorted(seen) == sorted(p.id for p in grounding.prompts)


async def test_someone_asking_while_a_batch_is_prepared_is_answered_before_its_prompts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone types /crisis while the sweep is in the middle of a batch (its rows taken,
    its job about to choose and render): the lines reach them before that batch's prompts
    are even queued. A batch writes only at its end, and its transaction begins with its
    first write, so a command's answer does not wait for the batch's work."""
    async with burst(tmp_path) as b:
        everyone = [await b.member(f"Peer {n}") for n in range(6)]
        for _, person_id in everyone:
            await b.daily_0730(person_id)
        asker = b.fake.user("Asking")
        b.fake.world.started.add(asker.id)
        job = b.svc.ctx.registry.batch_jobs[PERSONAL_KIND]
        order: list[str] = []

        async def asked_meanwhile(ctx: Context, rows: Sequence[ScheduleRow]) -> None:
            if not order:  # the first batch: the question comes now, and we wait for it
                b.fake.say(asker, "/crisis")
                # A safety net only: were the batch's transaction open already, the answer
                # could not be queued until the batch ends, and this would time out.
                await b.fake.wait_messages(asker.id, timeout=30)
                order.append("answered")
            await job(ctx, rows)
            order.append(f"batch of {len(rows)}")

        monkeypatch.setitem(b.svc.ctx.registry.batch_jobs, PERSONAL_KIND, asked_meanwhile)
        ran = await b.sweep_at(at(1, 7, 30))
        prompts = {user.id: len(b.prompts_to(user)) for user, _ in everyone}

    assert order[0] == "answered" and len(order) > 2  # during the first of several batches
    assert ran == len(everyone) and prompts == {user.id: 1 for user, _ in everyone}
    sent = [c for c in b.fake.calls if c.method == "sendMessage" and c.status == 200]
    assert sent[0].params["chat_id"] == asker.id  # the lines came first


async def test_a_batch_that_fails_after_choosing_sends_each_prompt_once(tmp_path: Path) -> None:
    """The disk fills as the batch writes what everyone has seen: the scheduler runs each
    person's schedule again on its own, and nobody gets their prompt twice."""
    async with burst(tmp_path) as b:
        everyone = [await b.member(f"Peer {n}") for n in range(4)]
        for _, person_id in everyone:
            await b.daily_0730(person_id)
        repo = b.svc.ctx.repo.selfcare
        real = repo.save_rounds
        failed: list[bool] = []

        async def full_once(changes: Any) -> None:
            if not failed:
                failed.append(True)
                raise sqlite3.OperationalError("database or disk is full")
            await real(changes)

        repo.save_rounds = full_once  # type: ignore[method-assign]
        await b.sweep_at(at(1, 7, 30))
        counts = [len(b.prompts_to(user)) for user, _ in everyone]
    assert failed and counts == [1, 1, 1, 1]


async def test_someone_leaving_while_a_batch_chooses_spares_the_others_a_second_prompt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/forgetme commits while the batch is still choosing (it writes only at the end): the
    erased person gets nothing more, everyone else exactly one prompt."""
    async with burst(tmp_path) as b:
        everyone = [await b.member(f"Peer {n}") for n in range(4)]
        for _, person_id in everyone:
            await b.daily_0730(person_id)
        real = now.choose_personal_prompts
        erased: list[int] = []

        async def choose(ctx: Context, wanted: Any, scheduled: bool = False) -> Any:
            chosen = await real(ctx, wanted, scheduled=scheduled)
            if not erased and len(wanted) > 1:
                erased.append(everyone[-1][1])
                await asyncio.create_task(ctx.repo.people.erase_person(everyone[-1][1]))
            return chosen

        monkeypatch.setattr(now, "choose_personal_prompts", choose)
        await b.sweep_at(at(1, 7, 30))
        counts = [len(b.prompts_to(user)) for user, _ in everyone]
    assert erased and counts == [1, 1, 1, 0]


async def test_prompts_due_after_a_content_reload_use_the_new_wording(tmp_path: Path) -> None:
    """A burst dresses each prompt once and keeps it for the next batches and bursts: an edit
    to the prompts or to the wording, once reloaded, is what the next prompts say and show.
    (A theme of one prompt: everyone gets the same prompt, dressed the same, every day.)"""
    folder = tmp_path / "content"
    shutil.copytree(CONTENT, folder)
    prompts = folder / "prompts.yaml"
    prompts.write_text(
        prompts.read_text().replace(
            "\nthemes:\n",
            "\nthemes:\n  - id: one-thing\n    label: One thing\n"
            "    about: A theme of a single prompt\n    prompts:\n"
            "      - id: one-thing-only\n        text: Notice one thing you did well today.\n",
            1,
        )
    )
    async with burst(tmp_path, content_dir=folder) as b:
        people = [await b.member(f"Peer {n}") for n in range(6)]
        for _, person_id in people:
            await b.svc.ctx.scheduler.add(
                PERSONAL_KIND,
                cron(hour=7, minute=30),
                timezone=VANCOUVER,
                person_id=person_id,
                payload={"themes": ["one-thing"]},
            )
        await b.sweep_at(at(1, 7, 30))
        before = [b.fake.messages_to(user.id)[-1] for user, _ in people]
        prompts.write_text(prompts.read_text().replace("label: One thing\n", "label: Small win\n"))
        wording = folder / "texts" / "selfcare.yaml"
        wording.write_text(
            wording.read_text().replace("button_save: Save for later", "button_save: Keep it", 1)
        )
        assert await b.svc.ctx.content.reload() == []
        await b.sweep_at(at(2, 7, 30))
        after = [b.fake.messages_to(user.id)[-1] for user, _ in people]

    def labels(message: BotMessage) -> list[str]:
        return [button["text"] for button in message.buttons]

    assert all(m.plain.startswith("One thing") for m in before)
    assert all("Save for later" in labels(m) for m in before)
    assert all(m.plain.startswith("Small win") for m in after)
    assert all("Keep it" in labels(m) and "Save for later" not in labels(m) for m in after)
