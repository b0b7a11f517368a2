"""The Discord adapter: a discord.py client the service's event loop drives, slash commands
from the registry, answers on the interaction, and delivery for the outbox.

Start-up: log in, sync the slash commands, connect to the gateway. A bad token stops start-up
with one plain line (a :class:`SettingsError`). A network that is down is retried in the
background with exponential backoff, so the rest of the service (and other platforms) runs
meanwhile; messages for Discord wait in the outbox. Once connected, discord.py itself
reconnects and resumes a dropped gateway connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

import aiohttp
import discord
from discord import app_commands

from bot.config import Settings
from bot.core.dispatch import Dispatcher
from bot.core.errors import SettingsError, describe_without_text
from bot.core.events import MessageEvent, MessagePosted
from bot.core.model import Platform
from bot.outbox import Destination, Limit, OutgoingMessage
from bot.platforms.discord import slash
from bot.platforms.discord.client import PcButton, PeerClient, intents, point_at
from bot.platforms.discord.delivery import Sender
from bot.platforms.discord.interactions import Interactions
from bot.platforms.discord.relaying import DiscordRelay
from bot.platforms.discord.render import MAX_TEXT, NO_MENTIONS
from bot.platforms.discord.spaces import DiscordSpaces
from bot.relay.ports import RelayPort

log = logging.getLogger(__name__)

BAD_TOKEN = (
    "DISCORD_BOT_TOKEN: Discord did not accept this token. Copy it again from the developer"
    " portal (your application, Bot page, Reset Token), then start again."
)
NO_MEMBERS_INTENT = (
    "DISCORD_BOT_TOKEN: this bot needs the Server Members and Message Content intents. Turn"
    " them on in the developer portal (your application, Bot page, Privileged Gateway"
    " Intents), then start again."
)
UNREACHABLE = (
    OSError,
    aiohttp.ClientError,
    TimeoutError,
    discord.HTTPException,
    discord.RateLimited,
)


@dataclass(frozen=True, slots=True)
class Timing:
    """How long to wait for what. The defaults suit Discord; tests shorten them."""

    defer_after: float = 2.0  # say "thinking…" if an answer takes longer (Discord allows 3 s)
    request_timeout: float = 25.0  # one outbox delivery, all its chunks (the outbox allows 30)
    retry_first: float = 2.0  # first wait before trying again when Discord is unreachable
    retry_cap: float = 300.0
    startup_wait: float = 10.0  # how long start() waits for the gateway before carrying on
    guild_ready_timeout: float = 2.0
    max_ratelimit_timeout: float = 30.0  # longer 429s go back to the outbox (discord.py's min)
    stop_grace: float = 3.0  # let answers in progress finish when stopping


class DiscordPlatform:
    platform = Platform.DISCORD
    max_text = MAX_TEXT
    global_limit: Limit | None = Limit(50, 1.0)

    def __init__(self, settings: Settings, *, timing: Timing | None = None) -> None:
        if settings.discord_bot_token is None:
            raise SettingsError("DISCORD_BOT_TOKEN: set it to run on Discord.")
        self._settings = settings
        self._token = settings.discord_bot_token.get_secret_value()
        self.timing = timing or Timing()
        self._sender = Sender(self.timing.request_timeout)
        self._dispatcher: Dispatcher | None = None
        self._interactions: Interactions | None = None
        self._runner: asyncio.Task[None] | None = None
        self._started: asyncio.Future[None] | None = None
        guild = settings.discord_command_guild
        self._guild = discord.Object(id=guild) if guild else None
        self.spaces = DiscordSpaces(lambda: self._sender.client, settings.discord_peer_role)
        self.relay: RelayPort | None = DiscordRelay(lambda: self._sender.client)
        self._background: set[asyncio.Task[object]] = set()

    # -- the outbox's side -----------------------------------------------------------------

    def limit_for(self, destination: Destination) -> Limit | None:
        return Limit(5, 5.0)  # per channel, DMs included

    async def deliver(self, destination: Destination, message: OutgoingMessage) -> list[str]:
        return await self._sender.deliver(destination, message)

    @property
    def client(self) -> PeerClient | None:
        """The logged-in client, or None while connecting."""
        return self._sender.client

    # -- life cycle -------------------------------------------------------------------------

    async def start(self, dispatcher: Dispatcher) -> None:
        """Return once connected, once the first attempt found Discord unreachable, or after
        ``startup_wait`` (a slow network must not hold up other platforms); keep trying in the
        background. Raise SettingsError for a token Discord refuses."""
        self._dispatcher = dispatcher
        self._interactions = Interactions(dispatcher, self.timing.defer_after)
        point_at(self._settings)
        self._started = asyncio.get_running_loop().create_future()
        self._runner = asyncio.create_task(self._run(), name="discord")
        try:
            await asyncio.wait_for(asyncio.shield(self._started), self.timing.startup_wait)
        except TimeoutError:
            self._started_ok()  # from now on, problems are logged rather than raised
            log.warning("discord: still connecting; carrying on while it keeps trying")

    async def stop(self) -> None:
        if self._interactions is not None:
            await self._interactions.finish(self.timing.stop_grace)
        if self._sender.client is not None:
            await self._sender.client.close()
        for task in list(self._background):
            task.cancel()
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        log.info("discord: stopped")

    def _started_ok(self) -> None:
        if self._started is not None and not self._started.done():
            self._started.set_result(None)

    def _fatal(self, line: str) -> None:
        """A problem only the person running the bot can fix: at start-up it stops start-up;
        later it stops Discord (other platforms keep running) and says why in the log."""
        if self._started is not None and not self._started.done():
            self._started.set_exception(SettingsError(line))
        else:
            log.error("discord stopped: %s", line)

    async def _run(self) -> None:
        try:
            await self._connect()
        except Exception as exc:
            log.error("discord: stopped after an unexpected error\n%s", describe_without_text(exc))
            if self._started is not None and not self._started.done():
                self._started.set_exception(exc)

    async def _connect(self) -> None:
        client = await self._log_in()
        if client is None:
            return
        self._sender.client = client
        self._sender.logged_in.set()
        connecting = asyncio.create_task(client.connect(reconnect=True), name="discord-gateway")
        connected = asyncio.create_task(client.connected.wait())
        await asyncio.wait(
            {connecting, connected},
            timeout=self.timing.startup_wait,
            return_when=asyncio.FIRST_COMPLETED,
        )
        connected.cancel()
        if not connecting.done():
            self._started_ok()  # connected, or still trying: either way, carry on
        try:
            await connecting
        except discord.PrivilegedIntentsRequired:
            self._fatal(NO_MEMBERS_INTENT)
        except discord.ConnectionClosed as exc:
            self._fatal(BAD_TOKEN if exc.code == 4004 else f"the gateway closed ({exc.code})")
        except Exception as exc:
            self._fatal(f"the gateway connection failed ({type(exc).__name__})")
            log.error("discord: gateway failure\n%s", describe_without_text(exc))
        finally:
            await client.close()
        self._started_ok()

    async def _log_in(self) -> PeerClient | None:
        """Log in and sync commands, retrying with backoff while Discord is unreachable. Each
        attempt uses a fresh client: a failed login leaves discord.py's HTTP session closed."""
        delay = self.timing.retry_first
        while True:
            client = self._new_client()
            try:
                await client.login(self._token)
                await self._sync(client)
            except discord.LoginFailure:
                await client.close()
                self._fatal(BAD_TOKEN)
                return None
            except UNREACHABLE as exc:
                await client.close()
                log.warning(
                    "discord: cannot reach Discord (%s); trying again in %.1fs",
                    type(exc).__name__,
                    delay,
                )
                self._started_ok()
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.timing.retry_cap)
                continue
            except BaseException:
                await client.close()
                raise
            return client

    def _new_client(self) -> PeerClient:
        assert self._interactions is not None and self._dispatcher is not None
        answers = self._interactions
        client = PeerClient(
            answers.button,
            intents=intents(),
            max_messages=None,  # keep no copy of what people write
            allowed_mentions=NO_MENTIONS,
            max_ratelimit_timeout=self.timing.max_ratelimit_timeout,
            http_trace=self._sender.trace,
            guild_ready_timeout=self.timing.guild_ready_timeout,
            enable_debug_events=True,  # gateway frames are the watchdog's sign of life
        )
        client.add_dynamic_items(PcButton)
        client.on_space_event = self._dispatcher.space_event
        client.on_message_event = self._message_event
        client.on_ready_again = self._catch_up
        client.tree = app_commands.CommandTree(client)
        client.tree.error(answers.tree_error)
        for command in slash.build(self._dispatcher.ctx.registry, answers.command, answers.suggest):
            client.tree.add_command(command, guild=self._guild)
        return client

    async def _message_event(self, event: MessageEvent) -> None:
        """A message people posted, edited or deleted: to the dispatcher (the relay first); a
        plain direct message nobody relayed is answered there like on other platforms."""
        assert self._dispatcher is not None
        prepared = await self._dispatcher.message(event)
        if prepared and isinstance(event, MessagePosted):
            ctx = self._dispatcher.ctx
            person = await ctx.repo.people.by_account(event.actor.account)
            await ctx.messenger.reply(
                event.conversation,
                event.actor,
                prepared,
                person_id=person.id if person else None,
            )

    async def _catch_up(self) -> None:
        """After a fresh connection, relay what was posted while away (in the background, so
        the gateway keeps being read meanwhile)."""
        assert self._dispatcher is not None
        relay = self._dispatcher.ctx.relay
        if relay is None:
            return
        task = asyncio.create_task(relay.catch_up(Platform.DISCORD), name="discord-catch-up")
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _sync(self, client: PeerClient) -> None:
        assert client.tree is not None
        try:
            synced = await client.tree.sync(guild=self._guild)
            where = f"to server {self._guild.id}" if self._guild else "globally"
            log.info("discord: logged in; %d command(s) synced %s", len(synced), where)
        except (app_commands.CommandSyncFailure, discord.Forbidden) as exc:
            # Our command definitions or the invite are wrong: say so, but keep running so
            # the commands Discord already has and the outbox still work.
            log.error(
                "discord: Discord refused the slash commands (%s %s); if Forbidden, invite"
                " the bot again with the applications.commands scope",
                type(exc).__name__,
                getattr(exc, "code", ""),
            )
