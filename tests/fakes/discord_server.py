"""A fake Discord (REST + gateway websocket) on 127.0.0.1 that the real discord.py talks to.

The world it holds (one guild with roles, channels and members, DMs, messages, synced
commands) lives in ``discord_world`` and ``discord_model``; bot REST routes in
``discord_rest``; interaction callbacks and webhooks in ``discord_interactions``; the websocket
in ``discord_gateway``; recording and fault injection in ``discord_http``. Running the service
against it: ``discord_harness``.

Tests act as people (``slash``, ``autocomplete``, ``press``, ``join``, ``leave``), read what
the bot did (``calls``, ``world.messages``, each interaction's answers), and break things
(``fail`` for 429 / 5xx / 403 / slow answers, ``gateway.drop``). Time, for the rules that
depend on it (an interaction's 3 seconds and 15 minutes), is ``clock``: settable, still unless
a test moves it.

Like Discord, the fake refuses what the bot may not do (``discord_permissions``) and bodies
Discord would not accept (``discord_validation``), and every answer carries Discord's
``X-RateLimit-*`` headers (with a bucket per route).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from bot.clock import SettableClock
from tests.conformance.recorder import check_discord
from tests.fakes import discord_interactions as interactions
from tests.fakes import discord_relay, discord_uploads
from tests.fakes.discord_gateway import Gateway
from tests.fakes.discord_http import Call, Fault, error, needs_auth, parse_body
from tests.fakes.discord_interactions import (
    AUTOCOMPLETE,
    COMMAND,
    COMPONENT,
    FakeInteraction,
    command_options,
    interaction_payload,
    new_interaction,
    resolved_users,
)
from tests.fakes.discord_model import (
    BODY,
    FAKE,
    FILES,
    JSON,
    Channel,
    Member,
    Message,
    Overwrite,
    Role,
    User,
    snowflake,
)
from tests.fakes.discord_rest import routes
from tests.fakes.discord_world import World, default_guild

API = "/api/v10"
TOKEN = "MTAxMDAwMDAwMDAwMDAwMDAw.fake.discord-test-token-abcdefghijklmnop"


@dataclass
class FakeDiscord:
    token: str = TOKEN
    interaction_deadline: float = 3.0  # seconds to a first answer
    token_lifetime: float = 15 * 60.0  # seconds an interaction's followups and edits work
    heartbeat_interval_ms: int = 1000
    calls: list[Call] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    interactions: dict[str, FakeInteraction] = field(default_factory=dict)
    clock: SettableClock = field(
        default_factory=lambda: SettableClock(datetime(2026, 1, 5, 12, tzinfo=UTC))
    )
    #: How long a nonce sent with ``enforce_nonce`` names its message ("the past few minutes"
    #: in Discord's words; the exact figure is not documented), on ``clock``.
    nonce_window: timedelta = timedelta(minutes=2)
    nonces: dict[str, tuple[str, datetime]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.bot = User(snowflake(), "peer-circle", bot=True)
        self.owner = User(snowflake(), "owner")
        self.world = World(snowflake(), self.bot, default_guild(self.bot, self.owner, []))
        for u in (self.bot, self.owner):
            self.world.users[u.id] = u
        self.gateway = Gateway(self, self.heartbeat_interval_ms)
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- life cycle ------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self, port: int = 0) -> None:
        app = web.Application(middlewares=[self._middleware], client_max_size=110 * 1024 * 1024)
        app[FAKE] = self
        for route in routes:
            assert isinstance(route, web.RouteDef)
            app.router.add_route(route.method, API + route.path, route.handler)
        discord_relay.add_routes(app, API)  # before: it shares /webhooks/{id}/{token}
        interactions.add_routes(app, API)
        discord_uploads.add_routes(app, self)
        app.router.add_get("/gateway", self.gateway.handle)
        self._runner = web.AppRunner(
            app, handle_signals=False, shutdown_timeout=0.5, access_log=None
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port or self.port)
        await site.start()
        if not self.port:
            server = site._server
            assert server is not None
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @classmethod
    @asynccontextmanager
    async def running(cls, **options: Any) -> AsyncIterator[FakeDiscord]:
        fake = cls(**options)
        await fake.start()
        try:
            yield fake
        finally:
            await fake.stop()

    # -- waiting on what the bot does -------------------------------------------------------

    def elapsed(self, since: datetime) -> float:
        """Seconds from ``since`` to now, by the fake's clock."""
        return (self.clock.now() - since).total_seconds()

    def changed(self) -> None:
        """Wake everyone waiting in :meth:`until`."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def until(self, check: Callable[[], object], timeout: float = 5.0) -> None:
        """Wait until ``check()`` is true: re-checked whenever the fake sees something, and
        every 50 ms for conditions on the bot's side (its outbox, its logs)."""
        async with asyncio.timeout(timeout):
            while not check():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), 0.05)

    # -- recording and faults ---------------------------------------------------------------

    def fail(
        self, method: str, path: str, status: int | None, *, times: int = 1, **details: Any
    ) -> Fault:
        """Answer ``method path`` (a regex on the path after /api/v10) with ``status``;
        ``status=None`` with ``delay=`` only answers late."""
        fault = Fault(method.upper(), re.compile(path), status, times, **details)
        self.faults.append(fault)
        return fault

    def calls_to(self, method: str, path: str) -> list[Call]:
        pattern = re.compile(path)
        return [c for c in self.calls if c.method == method and pattern.fullmatch(c.path)]

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        path = request.path.removeprefix(API)
        body, files = await parse_body(request)
        request[BODY] = body
        request[FILES] = files
        call = Call(request.method, path, body, files)
        if request.path.startswith(API):
            self.calls.append(call)
            check_discord(request.method, path, request.query, body)
        fault = next(
            (
                f
                for f in self.faults
                if f.hits < f.times and f.method == request.method and f.path.fullmatch(path)
            ),
            None,
        )
        if fault is not None and fault.after > 0:
            fault.after -= 1
            fault = None
        response: web.StreamResponse
        too_large = await discord_uploads.refuse_too_large(self, request)
        if fault is not None:
            fault.hits += 1
            if fault.delay:
                await asyncio.sleep(fault.delay)
        if fault is not None and fault.held is not None:
            response = await handler(request)  # carried out; its answer waits
            await fault.held.wait()
        elif fault is not None and fault.status is not None:
            response = fault.response()
        elif too_large is not None:
            response = too_large
        elif needs_auth(path) and request.headers.get("Authorization") != f"Bot {self.token}":
            response = error(401, 0, "401: Unauthorized")
        else:
            response = await handler(request)
        if request.path.startswith(API):
            _rate_limit_headers(request, response)
        call.status = response.status
        self.changed()
        return response

    # -- the world ------------------------------------------------------------------------

    def add_user(self, name: str, *, member: bool = True, blocks_dms: bool = False) -> User:
        user = User(snowflake(), name, blocks_dms=blocks_dms)
        self.world.users[user.id] = user
        if member:
            self.world.guild.members[user.id] = Member(user)
        return user

    def channel(self, name: str) -> Channel:
        return self.world.guild.channel_named(name)

    @property
    def bot_role(self) -> Role:
        """The role Discord made for the bot when it was invited."""
        return next(r for r in self.world.guild.roles.values() if r.bot_id == self.bot.id)

    async def set_overwrite(
        self, channel: Channel, target: str, *, allow: int = 0, deny: int = 0, member: bool = False
    ) -> None:
        """Someone who may edits ``channel``'s permissions for a role (or a ``member``) in
        Discord itself; nothing allowed or denied removes the overwrite."""
        if allow or deny:
            channel.overwrites[target] = Overwrite(target, int(member), allow, deny)
        else:
            channel.overwrites.pop(target, None)
        await self.gateway.dispatch("CHANNEL_UPDATE", channel.payload())

    def create_message(
        self, channel: Channel, data: JSON, files: list[str], *, flags: int = 0
    ) -> Message:
        message = Message(snowflake(), channel.id, self.bot, flags=flags)
        self.edit_message(message, data, files)
        message.edits = 0
        self.world.messages[message.id] = message
        if data.get("nonce") is not None:
            message.nonce = str(data["nonce"])
        return message

    def earlier_with_nonce(self, data: JSON) -> Message | None:
        """Create Message with ``enforce_nonce``: "if another message was created by the same
        author with the same nonce" in the past few minutes, "that message will be returned
        and no new message will be created". Only the bot creates messages through REST here,
        so the author is always the same."""
        if not data.get("enforce_nonce") or data.get("nonce") is None:
            return None
        found = self.nonces.get(str(data["nonce"]))
        if found is None or self.clock.now() - found[1] >= self.nonce_window:
            return None
        return self.world.messages.get(found[0])

    def remember_nonce(self, message: Message) -> None:
        """Every message made with a nonce, enforced or not: the docs' check is for "another
        message created by the same author with the same nonce", however it was sent."""
        if message.nonce is not None:
            self.nonces[message.nonce] = (message.id, self.clock.now())

    def edit_message(self, message: Message, data: JSON, files: list[str]) -> None:
        if "content" in data:
            message.content = data["content"] or ""
        if "components" in data:
            message.components = data["components"] or []
        if "attachments" in data or files:
            message.attachments = files
        message.edits += 1

    def messages_in(self, channel: Channel) -> list[Message]:
        return [
            m
            for m in self.world.messages.values()
            if m.channel_id == channel.id and not m.deleted and m.interaction_id is None
        ]

    def dm_messages(self, user: User) -> list[Message]:
        channel = self.world.dms.get(user.id)
        return [] if channel is None else self.messages_in(channel)

    # -- people doing things --------------------------------------------------------------

    def command(self, name: str) -> JSON:
        for commands in self.world.commands.values():
            for command in commands:
                if command["name"] == name:
                    return command
        raise AssertionError(f"/{name} was not registered with Discord")

    def _interaction(
        self,
        kind: int,
        user: User,
        channel: Channel,
        age: float,
        source: Message | None = None,
    ) -> FakeInteraction:
        """A new interaction, created ``age`` seconds ago by the fake's clock."""
        created = self.clock.now() - timedelta(seconds=age)
        return new_interaction(kind, user, channel, created, source)

    def unseen_interaction(self, user: User) -> FakeInteraction:
        """A slash command in ``user``'s DM that Discord holds but never sent to the bot, for
        tests that answer it by hand."""
        ix = self._interaction(COMMAND, user, self.world.dm_for(user), 0.0)
        self.interactions[ix.id] = ix
        return ix

    async def _start(self, ix: FakeInteraction, data: JSON, wait: bool) -> FakeInteraction:
        self.interactions[ix.id] = ix
        await self.gateway.dispatch("INTERACTION_CREATE", interaction_payload(self, ix, data))
        if wait:
            try:
                await self.until(lambda: ix.answered, timeout=5)
            except TimeoutError:
                what = data.get("name") or data.get("custom_id")
                raise AssertionError(f"interaction {what} was not answered in time") from None
        return ix

    def _where(self, user: User, channel: Channel | None, dm: bool) -> Channel:
        if dm:
            return self.world.dm_for(user)
        return channel or self.channel("general")

    async def slash(
        self,
        user: User,
        name: str,
        *,
        options: dict[str, Any] | None = None,
        subcommand: str | None = None,
        channel: Channel | None = None,
        dm: bool = False,
        wait: bool = True,
        age: float = 0.0,
    ) -> FakeInteraction:
        """``user`` runs ``/name [subcommand] options…`` in a guild channel or their DM.
        ``age``: how long the interaction has already waited when the bot gets it."""
        definition = self.command(name)
        data: JSON = {
            "id": definition["id"],
            "name": name,
            "type": 1,
            "options": command_options(definition, options or {}, subcommand, None),
        }
        if "guild_id" in definition:
            data["guild_id"] = definition["guild_id"]
        resolved = resolved_users(self, data["options"])
        if resolved:
            data["resolved"] = resolved
        ix = self._interaction(COMMAND, user, self._where(user, channel, dm), age)
        return await self._start(ix, data, wait)

    async def autocomplete(
        self,
        user: User,
        name: str,
        option: str,
        partial: str,
        *,
        subcommand: str | None = None,
        dm: bool = False,
    ) -> list[JSON]:
        definition = self.command(name)
        opts = command_options(definition, {option: partial}, subcommand, option)
        data: JSON = {"id": definition["id"], "name": name, "type": 1, "options": opts}
        ix = self._interaction(AUTOCOMPLETE, user, self._where(user, None, dm), 0.0)
        await self._start(ix, data, True)
        return ix.choices or []

    async def press(
        self, user: User, message: Message, label: str, *, wait: bool = True, age: float = 0.0
    ) -> FakeInteraction:
        """``user`` presses the button labelled ``label`` on ``message``."""
        button = next((b for b in message.buttons() if b.get("label") == label), None)
        assert button is not None, f"no button {label!r} on that message"
        assert "custom_id" in button, f"{label!r} is a link button"
        channel = self.world.channel(message.channel_id)
        assert channel is not None
        ix = self._interaction(COMPONENT, user, channel, age, message)
        data = {"custom_id": button["custom_id"], "component_type": 2}
        return await self._start(ix, data, wait)

    async def join(self, user: User) -> None:
        member = self.world.guild.members.setdefault(user.id, Member(user))
        payload = {"guild_id": self.world.guild.id, **member.payload()}
        await self.gateway.dispatch("GUILD_MEMBER_ADD", payload)

    async def post(self, user: User, channel: Channel) -> Message:
        """``user`` posts in ``channel``. The bot has no message content intent, so the gateway
        sends the event with empty content, as Discord does."""
        message = Message(snowflake(), channel.id, user)
        payload = message.payload(channel.guild_id)
        member = self.world.guild.members.get(user.id)
        if member is not None:
            payload["member"] = {k: v for k, v in member.payload().items() if k != "user"}
        await self.gateway.dispatch("MESSAGE_CREATE", payload)
        return message

    async def leave(self, user: User) -> None:
        self.world.guild.members.pop(user.id, None)
        payload = {"guild_id": self.world.guild.id, "user": user.payload()}
        await self.gateway.dispatch("GUILD_MEMBER_REMOVE", payload)


def _rate_limit_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Discord's rate-limit headers on every answer (a fault's own 429 headers win): a bucket
    per route, and a limit never reached, so discord.py has no reason to wait."""
    route = request.match_info.route.resource
    template = route.canonical if route is not None else request.path
    bucket = hashlib.sha1(f"{request.method} {template}".encode()).hexdigest()[:32]
    headers = {
        "X-RateLimit-Bucket": bucket,
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "4",
        "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
        "X-RateLimit-Reset-After": "1.000",
    }
    for name, value in headers.items():
        response.headers.setdefault(name, value)
