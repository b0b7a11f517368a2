"""The service owns the event loop: it starts storage, content, outbox, scheduler and platform
adapters in order, and stops them in reverse (an AsyncExitStack), on SIGINT/SIGTERM or when the
console's input ends."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from bot import collector
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.content.sources import DISTRESS, SOURCES
from bot.content.store import ContentStore
from bot.core.commands import Registry, Router
from bot.core.context import Context
from bot.core.dispatch import Dispatcher
from bot.core.model import AccountRef, Platform, Role
from bot.directory.distress_model import Learning, keep_models_in
from bot.messenger import Messenger
from bot.outbox import Outbox
from bot.platforms.base import PlatformAdapter
from bot.platforms.console import CONSOLE_ACCOUNT, ConsolePlatform
from bot.relay import Relay
from bot.relay.watchdog import Watchdog
from bot.scheduler import Scheduler
from bot.storage.database import Database
from bot.storage.lock import only_copy
from bot.storage.repository import Repository
from bot.warm import Rewarm, read_locale, warm_up
from handlers import ROUTERS

log = logging.getLogger(__name__)

#: How long the reason a message could not be delivered is kept (for stewards to notice).
FAILED_KEPT_FOR = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class Service:
    ctx: Context
    dispatcher: Dispatcher
    adapters: tuple[PlatformAdapter, ...]
    learning: Learning  # the distress model trained in the background, when examples changed
    #: What the first commands would wait for, built on a worker thread once the service
    #: answers (bot/warm.py): done when built; ``rewarm`` does it again after each reload.
    warming: asyncio.Task[None] | None = None
    rewarm: Rewarm | None = None


def platform_adapters(settings: Settings) -> list[PlatformAdapter]:
    """Telegram and/or Discord, for whichever tokens are set."""
    adapters: list[PlatformAdapter] = []
    if settings.telegram_bot_token is not None:
        from bot.platforms.telegram import TelegramPlatform

        adapters.append(TelegramPlatform(settings))
    if settings.discord_bot_token is not None:
        from bot.platforms.discord import DiscordPlatform

        adapters.append(DiscordPlatform(settings))
    return adapters


async def bootstrap_people(ctx: Context, console: bool) -> None:
    """Make the first stewards: the accounts in STEWARDS, and on the console the local person
    the first time it runs."""
    wanted: list[AccountRef] = list(ctx.settings.stewards)
    if console and await ctx.repo.people.by_account(CONSOLE_ACCOUNT) is None:
        wanted.append(CONSOLE_ACCOUNT)
    now = ctx.clock.now()
    for account in wanted:
        person = await ctx.repo.people.by_account(account)
        if person is None:
            await ctx.repo.people.create(account, (Role.PEER, Role.STEWARD), now)
            log.info("made %s a steward", account.platform.value)
        else:
            for role in (Role.PEER, Role.STEWARD):
                await ctx.repo.people.grant(person.id, role, now)


@asynccontextmanager
async def running(
    settings: Settings,
    *,
    console: ConsolePlatform | None = None,
    adapters: list[PlatformAdapter] | None = None,
    clock: Clock | None = None,
    routers: Sequence[Router] = ROUTERS,
) -> AsyncIterator[Service]:
    """Start everything; on exit, stop everything in reverse order."""
    clock = clock or SystemClock()
    async with AsyncExitStack() as stack:
        # The locale data every /resources needs, read on a worker thread while the rest
        # starts (bot/warm.py): there when the first commands come.
        locale = read_locale()
        stack.push_async_callback(asyncio.wait, (locale,))
        # Content first: a missing or broken content folder stops start-up before anything
        # is created on disk (no stray empty database is left behind).
        # What unchanged content files gave last time is kept beside the database, so a
        # restart does not parse a big directory again (bot/content/cache.py).
        keep_models_in(settings.database_path.parent)
        content = ContentStore(
            settings.content_dir, SOURCES, settings.database_path.parent / "content-cache"
        )
        await content.load()
        for warning in content.warnings:
            log.info("content: %s", warning)

        stack.enter_context(only_copy(settings.database_path))
        db = await Database.open(settings.database_path)
        stack.push_async_callback(db.close)
        repo = Repository.open(db)

        registry = Registry.build(routers)
        outbox = Outbox(repo.outbox, db, now=clock.now)
        scheduler = Scheduler(repo.schedules, repo.people, clock, settings.default_timezone)
        messenger = Messenger(outbox, repo.buttons, repo.people, clock)

        async def linked(account: AccountRef, platform: Platform) -> AccountRef | None:
            """A member's account on another platform, for mentions that cross."""
            person = await repo.people.by_account(account)
            if person is None or not person.is_member:
                return None
            return next(
                (a for a in await repo.people.accounts(person.id) if a.platform is platform), None
            )

        relay = Relay(outbox, repo.relay_map, now=clock.now, resolve=linked)
        ctx = Context(
            settings=settings,
            clock=clock,
            repo=repo,
            content=content,
            scheduler=scheduler,
            outbox=outbox,
            messenger=messenger,
            registry=registry,
            # The scheduler and outbox wrap their repositories so erasure also clears what
            # they hold in memory (armed timers, queued messages).
            personal_data=(
                *(p for p in repo.parts() if p not in (repo.schedules, repo.outbox)),
                scheduler,
                outbox,
            ),
            relay=relay,
        )
        dispatcher = Dispatcher(ctx)
        scheduler.set_runner(dispatcher.job, dispatcher.batch_job)

        chosen: list[PlatformAdapter] = list(adapters or [])
        if console is not None:
            chosen.append(console)
        for adapter in chosen:
            ctx.platforms[adapter.platform] = adapter
            outbox.register(adapter)
            if adapter.relay is not None:
                relay.ports[adapter.platform] = adapter.relay
        await bootstrap_people(ctx, console is not None)
        for hook in registry.startup:
            await hook(ctx)

        await outbox.start()
        stack.push_async_callback(outbox.stop)
        made_up = await scheduler.start()
        stack.push_async_callback(scheduler.shutdown)
        if made_up:
            log.info("made up %d schedule(s) missed while stopped", made_up)
        scheduler.housekeeping(
            "buttons", timedelta(hours=6), lambda: repo.buttons.purge_expired(clock.now())
        )
        scheduler.housekeeping(
            "failed-messages",
            timedelta(hours=6),
            lambda: repo.outbox.purge_failed(clock.now() - FAILED_KEPT_FOR),
        )
        scheduler.housekeeping(
            "relay-map", timedelta(hours=6), lambda: repo.relay_map.purge(clock.now())
        )

        for adapter in chosen:
            await adapter.start(dispatcher)
            stack.push_async_callback(adapter.stop)
        watchdog = Watchdog(relay, settings.relay_watchdog_seconds)
        watchdog.start()
        stack.push_async_callback(watchdog.stop)
        # Only now, with every platform answering: if peers changed the distress examples
        # since the shipped model was made, train one in the background (shipped meanwhile).
        learning = Learning(lambda: content[DISTRESS])
        learning.start()
        content.on_reload(learning.reloaded)
        stack.push_async_callback(learning.stop)
        # What start-up built lives as long as the service: out of the collector's walks,
        # which were held off while starting (python -m bot) and now run again.
        collector.started()
        stack.callback(collector.release)
        # Only now, with every platform answering: what the first commands would wait for
        # (the locale data, the directory's filter sets) is built on a worker thread.
        warming = asyncio.create_task(warm_up(content.current, locale=locale), name="warm-up")
        stack.push_async_callback(asyncio.wait, (warming,))
        rewarm = Rewarm()
        content.on_reload(rewarm.reloaded)
        stack.push_async_callback(rewarm.settled)
        log.info(
            "Peer Circle is running on %s",
            ", ".join(a.platform.value for a in chosen) or "no platform",
        )
        yield Service(ctx, dispatcher, tuple(chosen), learning, warming, rewarm)
        log.info("stopping")


async def serve(settings: Settings, console: ConsolePlatform | None = None) -> None:
    """Run until SIGINT/SIGTERM, or until the console's input ends and its answers are out."""
    adapters = platform_adapters(settings)
    if not adapters and console is None:
        raise RuntimeError("no platform to run on")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with running(settings, console=console, adapters=adapters) as service:
        waits = [asyncio.create_task(stop.wait())]
        if console is not None:
            waits.append(asyncio.create_task(console.finished.wait()))
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in waits:
            task.cancel()
        if console is not None and console.finished.is_set() and not stop.is_set():
            await service.ctx.outbox.drain(timeout=10)
