"""A fake Telegram Bot API server that the real python-telegram-bot talks to over HTTP.

It speaks the Bot API wire format (form or multipart requests, ``{"ok": ..., "result": ...}``
answers with Telegram's status codes and wording), long-polls ``getUpdates``, records every
call, and can misbehave on purpose: answer 429 with ``retry_after``, 5xx, answer late, or
enforce Telegram's sending limits (``telegram_limits``: 30/s per bot, 1/s per private chat,
20/min per group, edits counted) by answering 429 above them. Tests act as people through it:
send a message or command in a private chat or group, press an inline button, join or leave,
ask to join, upgrade a group.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web

from tests.fakes import telegram_media
from tests.fakes.telegram_limits import FloodControl
from tests.fakes.telegram_methods import METHODS, SENDING, Files, Params
from tests.fakes.telegram_wire import (
    Call,
    Rule,
    conform,
    decode,
    error_answer,
    injected,
)
from tests.fakes.telegram_world import TOKEN, ApiError, BotMessage, Chat, Clock, User, World

T = TypeVar("T")

_QUIET = {"getupdates"}  # not recorded: they would drown the calls tests look at
_DEFAULT_HIDDEN = {"chat_member", "message_reaction", "message_reaction_count"}


class FakeTelegram:
    def __init__(self, *, token: str = TOKEN, poll_cap: float = 0.5) -> None:
        self.token = token
        self.poll_cap = poll_cap  # longest a getUpdates waits, whatever the bot asks
        self.world = World()
        self.calls: list[Call] = []
        self.enforce_limits = False
        self.injected = 0  # errors answered because a test asked for them
        self.on_request: Callable[[Call], None] | None = None
        self.allowed_updates: list[str] = []
        self.polls = 0
        self.port = 0
        self._rules: list[Rule] = []
        self.limits = FloodControl()  # Telegram's sending limits, when enforce_limits is on
        self._confirmed = 0
        self._new_update = asyncio.Event()
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    # -- life cycle -------------------------------------------------------------------------

    async def start(self, port: int = 0) -> FakeTelegram:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        telegram_media.add_routes(app, self)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port or self.port, reuse_address=True)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            self._new_update.set()
            await self._runner.cleanup()
            self._runner = None

    @property
    def clock(self) -> Clock:
        """The server's settable time: ``fake.clock.advance(49 * 3600)`` ages every message."""
        return self.world.clock

    @property
    def base_url(self) -> str:
        """The value for TELEGRAM_API_BASE_URL."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def limit_hits(self) -> int:
        """429s answered because a sending limit was exceeded (or still held)."""
        return self.limits.hits

    # -- misbehaving on purpose -------------------------------------------------------------

    def fail(
        self,
        method: str,
        status: int,
        *,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
        description: str | None = None,
        after: int = 0,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (to ``chat_id``) with this status
        (and ``description``, e.g. "Bad Request: BOT_COMMAND_INVALID"), once ``after``
        calls were let through (a long message's later parts)."""
        rule = Rule(method.lower(), times, status, retry_after, chat_id=chat_id, after=after)
        rule.description = description
        self._rules.append(rule)

    def delay(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` only after ``seconds``."""
        self._rules.append(Rule(method.lower(), times, delay=seconds))

    def cut_short(self, method: str, *, times: int = 1) -> None:
        """Do the next ``times`` calls of ``method``, then answer each 200 with its JSON cut
        short (an answer broken on its way: unreadable, yet holding the message's text)."""
        self._rules.append(Rule(method.lower(), times, cut_short=True))

    def clear_failures(self) -> None:
        self._rules.clear()

    # -- acting as people -------------------------------------------------------------------

    def user(self, first_name: str = "Sam", username: str | None = None) -> User:
        return self.world.add_user(first_name, username)

    def group(self, title: str = "Peer space", *, supergroup: bool = False) -> Chat:
        return self.world.add_group(title, supergroup=supergroup)

    def say(
        self,
        user: User,
        text: str,
        chat: Chat | None = None,
        *,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """``user`` sends ``text`` (a command if it starts with /) in their private chat with
        the bot, or in ``chat``; ``reply_to`` is an update ``say`` returned, to answer it."""
        replied = None if reply_to is None else reply_to["message"]
        return self._pushed(self.world.user_message(user, text, chat, replied))

    def press(self, user: User, message: BotMessage, label: str | None = None) -> str:
        """Press the inline button labelled ``label`` (else the first) on a bot message."""
        for button in message.buttons:
            if "callback_data" in button and (label is None or button["text"] == label):
                update = self._pushed(self.world.callback(user, message, button["callback_data"]))
                return str(update["callback_query"]["id"])
        raise AssertionError(f"no button {label!r}; buttons: {message.buttons}")

    def join(self, user: User, chat: Chat) -> None:
        self._pushed(self.world.member_change(chat, user, "member"))

    def leave(self, user: User, chat: Chat) -> None:
        self._pushed(self.world.member_change(chat, user, "left"))

    def follow(self, user: User, url: str) -> None:
        """``user`` taps an invite link: a join request if the link asks for one, else in."""
        link = self.world.invite_links.get(url)
        assert link is not None, f"{url} is not an invite link the bot made"
        chat = self.world.chats[link["chat_id"]]
        if link["creates_join_request"]:
            self.request_join(user, chat)
        else:
            self.join(user, chat)

    def request_join(self, user: User, chat: Chat) -> None:
        self._pushed(self.world.join_request(chat, user))

    def upgrade(self, chat: Chat, by: User, *, announce: bool = True) -> Chat:
        """Upgrade a group to a supergroup; returns the new chat. ``announce=False``: the bot
        never sees the service messages, and learns of it when a send is refused."""
        new = self.world.upgrade(chat, by, announce)
        self._new_update.set()
        return new

    def block(self, user: User) -> None:
        self.world.blocked.add(user.id)

    def _pushed(self, update: dict[str, Any]) -> dict[str, Any]:
        self._new_update.set()
        return update

    # -- looking at what the bot did --------------------------------------------------------

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def messages_to(self, chat_id: int) -> list[BotMessage]:
        """What the bot sent to a chat (send calls that succeeded), oldest first."""
        return [
            c.message
            for c in self.calls
            if c.message is not None
            and c.status == 200
            and c.method.lower() in SENDING
            and c.params.get("chat_id") == chat_id
        ]

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 10.0) -> T:
        """Wait until ``predicate()`` is truthy; return it. Re-checked after every recorded
        call, and every 50 ms for state the bot changes without calling (its own database)."""
        try:
            async with asyncio.timeout(timeout):
                while not (found := predicate()):
                    async with self._changed:
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self._changed.wait(), 0.05)
                return found
        except TimeoutError:
            seen = ", ".join(f"{c.method}:{c.params.get('chat_id')}:{c.status}" for c in self.calls)
            raise AssertionError(f"timed out; calls so far: {seen}") from None

    async def wait_messages(
        self, chat_id: int, count: int = 1, timeout: float = 10.0
    ) -> list[BotMessage]:
        def enough() -> list[BotMessage] | None:
            found = self.messages_to(chat_id)
            return found if len(found) >= count else None

        found = await self.wait_for(enough, timeout)
        assert found is not None
        return found

    # -- HTTP -------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        key = name.lower()
        if request.match_info["token"] != self.token:
            return error_answer(ApiError(401, "Unauthorized"))
        params, files = await decode(request)
        await conform(request, name, files)
        call = Call(name, params, files, time.monotonic(), 200)
        peer = request.transport.get_extra_info("peername") if request.transport else None
        call.peer = int(peer[1]) if peer else 0
        try:
            result = await self._answer(key, params, files, call)
        except ApiError as exc:
            call.status = exc.code
            call.error = exc.description
            response = error_answer(exc)
        else:
            response = web.json_response({"ok": True, "result": result})
            if call.cut_short:
                response = web.Response(
                    body=response.body[:-2],
                    content_type="application/json",  # type: ignore[index]
                )
        # Written here, not after returning, so the call knows when its answer left: a
        # benchmark tells a request still in flight at a kill from one answered before it.
        with contextlib.suppress(OSError):
            await response.prepare(request)
            await response.write_eof()
            call.answered = time.monotonic()
        if key not in _QUIET:
            await self._record(call)
        return response

    async def _answer(self, key: str, params: Params, files: Files, call: Call) -> Any:
        rule = self._take_rule(key, params)
        if rule is not None:
            if rule.delay:
                await asyncio.sleep(rule.delay)
            if rule.status is not None:
                self.injected += 1
                raise injected(rule)
            call.cut_short = rule.cut_short
        if key == "getupdates":
            return await self._get_updates(params)
        method = METHODS.get(key)
        if method is None:
            raise ApiError(404, "Not Found: method not found")
        if self.enforce_limits:
            self.limits.check(key, params.get("chat_id"), call.at)
        result = method(self.world, params, files)
        if isinstance(result, dict) and "message_id" in result:
            call.message = self.world.messages.get((result["chat"]["id"], result["message_id"]))
        return result

    def _take_rule(self, key: str, params: Params) -> Rule | None:
        for rule in self._rules:
            if rule.method == key and rule.chat_id in (None, params.get("chat_id")):
                if rule.after > 0:
                    rule.after -= 1
                    return None
                rule.times -= 1
                if rule.times <= 0:
                    self._rules.remove(rule)
                return rule
        return None

    async def _record(self, call: Call) -> None:
        self.calls.append(call)
        if self.on_request is not None:
            self.on_request(call)
        async with self._changed:
            self._changed.notify_all()

    async def _get_updates(self, params: Params) -> list[dict[str, Any]]:
        self.polls += 1
        if params.get("allowed_updates") is not None:
            self.allowed_updates = list(params["allowed_updates"])
        offset = params.get("offset") or 0
        if offset:
            self._confirmed = max(self._confirmed, offset)
        updates = self.world.updates
        updates[:] = [u for u in updates if u["update_id"] >= self._confirmed]
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), self.poll_cap)
        while True:
            ready = [u for u in updates if self._visible(u)][: int(params.get("limit") or 100)]
            left = deadline - time.monotonic()
            if ready or left <= 0 or self._runner is None:
                return ready
            self._new_update.clear()
            try:
                async with asyncio.timeout(left):
                    await self._new_update.wait()
            except TimeoutError:
                pass

    def _visible(self, update: dict[str, Any]) -> bool:
        kind = next(k for k in update if k != "update_id")
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in _DEFAULT_HIDDEN
