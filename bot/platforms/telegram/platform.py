"""The Telegram adapter: python-telegram-bot 22 inside the service's own event loop.

Why it looks like this:
- The service owns the loop, so the adapter calls ``initialize``, ``start`` and
  ``updater.start_polling`` itself and stops them in reverse; PTB's JobQueue and persistence
  are off (one APScheduler serves every platform; the database is the only store).
- An invalid token stops start-up with one plain line, and so does any other refusal that
  retrying cannot change (python-telegram-bot's ``BadRequest`` is a ``NetworkError``, so it is
  told apart first). A network that is down does not: the adapter keeps trying in the
  background with exponential backoff, so the other platforms run meanwhile, and queued
  messages wait for the connection instead of failing.
- Everything it sends goes through the outbox, which calls :meth:`deliver`; Telegram's errors
  become the outbox's three outcomes. A group upgraded to a supergroup is followed to its new
  id, and the core is told with a neutral ``ChatMoved`` event.
- Requests go over aiohttp (``http.py``), not PTB's default httpx, whose pool leaks a slot
  for every request cancelled at the wrong moment; a 429 is reported as bot-wide or per-chat
  (``pace.py``) so the outbox holds every chat or only one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import time
from datetime import timedelta
from typing import Any

from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    TelegramError,
)
from telegram.ext import Application, ApplicationBuilder

from bot.config import Settings
from bot.core.dispatch import Dispatcher
from bot.core.errors import SettingsError
from bot.core.events import ChatMoved
from bot.core.model import Platform
from bot.messenger import REDIRECTED_FROM, ROLE_CHANGED
from bot.outbox import (
    Destination,
    Limit,
    OutgoingMessage,
    PermanentFailure,
    Progress,
    RetryLater,
    delivered_parts,
)
from bot.platforms.telegram import relaying
from bot.platforms.telegram.http import POOL_SIZE, AiohttpRequest
from bot.platforms.telegram.incoming import Incoming
from bot.platforms.telegram.members import SPACE_EVENTS_GROUP, SpaceWatch
from bot.platforms.telegram.menu import MENU_GROUP, StewardMenus, set_menu
from bot.platforms.telegram.pace import RecentSends
from bot.platforms.telegram.reach import PrivateChatPointer
from bot.platforms.telegram.sending import TEXT_LIMIT, Sender, translate
from bot.platforms.telegram.spaces import TelegramSpaces
from bot.relay.ports import RelayPort

log = logging.getLogger(__name__)

# Opt in to python-telegram-bot's coming behaviour (time periods as timedelta, which our code
# expects) rather than have it warn each time Telegram says "retry after".
os.environ.setdefault("PTB_TIMEDELTA", "true")

PRIVATE_LIMIT = Limit(1, 1.0)
#: 20 a minute in a group; up to 5 back to back (a long answer in parts), then spread out.
GROUP_LIMIT = Limit(20, 60.0, burst=5)
#: Telegram's 30 messages a second per bot, spread evenly (one every 34 ms, never more than
#: 30 in any 1.02 s), a send that left late followed by one more at once (burst 2). A send
#: that leaves up to 10 ms after it was due keeps its slot (``late``), so a busy event loop's
#: late wake-ups do not add up into lost rate; what is left of the 2% margin (10 ms) absorbs
#: the jitter between leaving and arriving, so Telegram rarely counts 31 in a second.
#: A send whose answer came back slower than usual moves its place in the window on (see
#: bot/outbox/limits.py). Measured with benchmarks/outbox_fanout.py (3,000 messages, load 2 to
#: 3): 97.4% of 30/s, beside a CPU hog 97.2%, no 429s; at load 5 to 6, 96.9% and 95.2%.
#: (Before, margin 3% and no ``late``: 95.3 to 95.9% at load 4 to 6, the delays adding up.)
GLOBAL_LIMIT = Limit(30, 1.0, margin=0.02, burst=2, late=0.01)
#: Update kinds to ask for. Telegram leaves chat_member out unless asked (membership needs it).
ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
]
INVALID_TOKEN = (
    "TELEGRAM_BOT_TOKEN: Telegram does not accept this token. Copy it again from @BotFather"
    " (/mybots, API Token), or leave it empty to run without Telegram."
)
#: Refusals at start that the same request would meet again, however often it is retried.
PERMANENT = (BadRequest, Forbidden, EndPointNotFound)
_FIRST_TRY = 15.0  # seconds start-up waits for Telegram before going on in the background
_WAIT_FOR_CONNECTION = 20.0  # seconds one delivery waits for a connection (outbox allows 30)


def refused_at_start(exc: TelegramError) -> str:
    """One plain line for a refusal at start. Its text is Telegram's answer to the bot's own
    start-up requests (getMe, setMyCommands, deleteWebhook), so it holds nothing anyone wrote."""
    reason = " ".join(exc.message.split()).rstrip(".")
    return (
        f"TELEGRAM_BOT_TOKEN: Telegram refused to start the bot ({type(exc).__name__}: {reason})."
        " Trying again would not help: check TELEGRAM_API_BASE_URL and the bot in @BotFather,"
        " or leave TELEGRAM_BOT_TOKEN empty to run without Telegram."
    )


def api_urls(base: str) -> tuple[str, str]:
    """``http://host:8081/bot`` (or ``http://host:8081``) as PTB's base_url and base_file_url."""
    root = base.rstrip("/").removesuffix("/bot")
    return f"{root}/bot", f"{root}/file/bot"


class TelegramPlatform:
    platform = Platform.TELEGRAM
    max_text = TEXT_LIMIT

    def __init__(
        self,
        settings: Settings,
        *,
        read_timeout: float = 10.0,
        poll_timeout: float = 10.0,
        backoff: tuple[float, float] = (1.0, 60.0),
        pool_size: int = POOL_SIZE,
    ) -> None:
        if settings.telegram_bot_token is None:
            raise SettingsError("TELEGRAM_BOT_TOKEN: set it to run on Telegram.")
        self.global_limit: Limit | None = GLOBAL_LIMIT
        #: Sends at once: fewer than the connections, so a send never waits for one.
        self.max_in_flight = max(1, pool_size * 3 // 4)
        self._recent = RecentSends(GLOBAL_LIMIT.count)
        self._poll_timeout = poll_timeout
        self._backoff = backoff
        timeouts = {
            "read_timeout": read_timeout,
            "write_timeout": max(read_timeout, 20.0),
            "connect_timeout": min(read_timeout, 10.0),
        }
        requests = AiohttpRequest(pool_size=pool_size, **timeouts)
        builder = (
            ApplicationBuilder()
            .token(settings.telegram_bot_token.get_secret_value())
            .job_queue(None)
            .request(requests)
        )
        # The long poll's own request notes when it last came back (the watchdog's sign of
        # life for Telegram).
        self._polls = relaying.WatchedRequest(pool_size=1, **timeouts)
        builder = builder.get_updates_request(self._polls)
        if settings.telegram_api_base_url:
            base_url, file_url = api_urls(settings.telegram_api_base_url)
            builder = builder.base_url(base_url).base_file_url(file_url)
        self.app: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self._sender = Sender(self.app.bot, requests)
        self.spaces = TelegramSpaces(self.app.bot, self._current_id)
        self.relay: RelayPort | None = relaying.TelegramRelay(
            self.app.bot, self._polls, self._restart_polling
        )
        self._connected = asyncio.Event()
        self._moved: dict[int, int] = {}
        self._dispatcher: Dispatcher | None = None
        self._steward_menus: StewardMenus | None = None
        self._connector: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()

    # -- limits -----------------------------------------------------------------------------

    def limit_for(self, destination: Destination) -> Limit | None:
        """Private chats (positive ids) 1/s; groups and supergroups (negative ids) 20/min."""
        if destination.kind == "user":
            return PRIVATE_LIMIT
        try:
            return PRIVATE_LIMIT if int(destination.id) > 0 else GROUP_LIMIT
        except ValueError:
            return None

    # -- life cycle -------------------------------------------------------------------------

    async def start(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher
        incoming = Incoming(dispatcher, self._chat_moved)
        self.app.add_handlers(incoming.handlers())
        self.app.add_handlers(SpaceWatch(dispatcher).handlers(), group=SPACE_EVENTS_GROUP)
        self.app.add_error_handler(incoming.on_error)
        pointer = PrivateChatPointer(dispatcher.ctx, self.app.bot)
        dispatcher.ctx.outbox.on_result(f"{REDIRECTED_FROM}{Platform.TELEGRAM.value}:", pointer)
        self._steward_menus = StewardMenus(dispatcher.ctx, self.app.bot)
        dispatcher.ctx.outbox.on_result(ROLE_CHANGED, self._steward_menus.role_changed)
        self.app.add_handlers(self._steward_menus.handlers(), group=MENU_GROUP)
        try:
            async with asyncio.timeout(_FIRST_TRY):
                await self._connect()
        except InvalidToken:
            await self.app.bot.shutdown()
            raise SettingsError(INVALID_TOKEN) from None
        except PERMANENT as exc:
            await self.app.bot.shutdown()
            raise SettingsError(refused_at_start(exc)) from None
        except (NetworkError, TimeoutError) as exc:
            log.warning(
                "telegram: cannot reach the Bot API yet (%s); trying again in the background",
                type(exc).__name__,
            )
            self._connector = asyncio.create_task(self._keep_trying(), name="telegram-connect")

    async def stop(self) -> None:
        self._connected.clear()
        tasks = [t for t in (self._connector, *self._background) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        updater = self.app.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        await self.app.bot.shutdown()

    async def _connect(self) -> None:
        """Check the token (getMe), set the menu, start handling and polling. Safe to repeat
        after a failure part-way: each step is skipped once done."""
        assert self._dispatcher is not None
        await self.app.initialize()
        await set_menu(self.app.bot, self._dispatcher.ctx.registry)
        if self._steward_menus is not None:
            await self._steward_menus.set_all()
        if not self.app.running:
            await self.app.start()
        updater = self.app.updater
        if updater is not None and not updater.running:
            await updater.start_polling(
                timeout=timedelta(seconds=self._poll_timeout),
                allowed_updates=ALLOWED_UPDATES,
                error_callback=self._polling_failed,
            )
        self._connected.set()
        log.info("telegram: connected as @%s", self.app.bot.username)

    async def _keep_trying(self) -> None:
        delay, cap = self._backoff
        while True:
            wait = delay * random.uniform(0.8, 1.2)
            await asyncio.sleep(wait)
            try:
                await self._connect()
                return
            except InvalidToken:
                log.error("%s Telegram stays off until the bot is restarted.", INVALID_TOKEN)
                return
            except PERMANENT as exc:
                log.error("%s Telegram stays off.", refused_at_start(exc))
                return
            except (NetworkError, TimeoutError) as exc:
                delay = min(cap, delay * 2)
                log.warning(
                    "telegram: still cannot reach the Bot API (%s); next try in %.0fs",
                    type(exc).__name__,
                    delay,
                )

    async def _restart_polling(self) -> None:
        """The watchdog's way back: stop the long poll and start it again (pending updates
        stay with Telegram, so nothing is skipped)."""
        updater = self.app.updater
        if updater is None or not self._connected.is_set():
            return
        if updater.running:
            await updater.stop()
        await updater.start_polling(
            timeout=timedelta(seconds=self._poll_timeout),
            allowed_updates=ALLOWED_UPDATES,
            error_callback=self._polling_failed,
        )

    def _polling_failed(self, exc: TelegramError) -> None:
        # PTB keeps polling with its own backoff; its default hook would log the message.
        log.warning("telegram: fetching updates failed (%s); retrying", type(exc).__name__)

    # -- delivery ---------------------------------------------------------------------------

    async def deliver(self, destination: Destination, message: OutgoingMessage) -> list[str]:
        if not self._connected.is_set():
            try:
                async with asyncio.timeout(_WAIT_FOR_CONNECTION):
                    await self._connected.wait()
            except TimeoutError:
                raise RetryLater(1.0) from None
        chat_id = self._chat_id(destination)
        done = delivered_parts()  # the outbox keeps them across retries and restarts
        try:
            ids = await self._deliver_following(chat_id, message, done)
        except TelegramError as exc:
            failure = translate(exc)
            if isinstance(failure, RetryLater):
                scope = self._recent.scope(time.monotonic())
                failure = RetryLater(failure.retry_after, scope)
            if not isinstance(failure, RetryLater):
                log.warning("telegram: sending to %s failed (%s)", destination, type(exc).__name__)
            raise failure from None
        self._recent.sent(time.monotonic(), max(1, len(ids)))
        return ids

    async def _deliver_following(
        self, chat_id: int, message: OutgoingMessage, done: Progress
    ) -> list[str]:
        try:
            return await self._sender.deliver(chat_id, message, done)
        except ChatMigrated as exc:
            await self._chat_moved(chat_id, exc.new_chat_id)
            return await self._sender.deliver(exc.new_chat_id, message, done)

    def _chat_id(self, destination: Destination) -> int:
        try:
            chat_id = int(destination.id)
        except ValueError:
            raise PermanentFailure("not a Telegram chat id") from None
        return self._current_id(chat_id)

    def _current_id(self, chat_id: int) -> int:
        """Where a group lives now, if it became a supergroup."""
        return self._moved.get(chat_id, chat_id)

    async def _chat_moved(self, old: int, new: int) -> None:
        """Deliver to the new id from now on, and tell the features (once per move)."""
        if self._moved.get(old) == new:
            return
        self._moved[old] = new
        log.info("telegram: group %s became supergroup %s", old, new)
        if self._dispatcher is not None:
            event = ChatMoved(Platform.TELEGRAM, str(old), str(new))
            task = asyncio.create_task(self._dispatcher.chat_moved(event))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
