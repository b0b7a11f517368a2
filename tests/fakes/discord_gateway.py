"""The fake Discord gateway: a websocket that speaks enough of gateway v10 for discord.py 2.7.

HELLO, heartbeat and ACK, IDENTIFY → READY + GUILD_CREATE, REQUEST_GUILD_MEMBERS →
GUILD_MEMBERS_CHUNK, RESUME with replay of what was missed, and dispatches. Frames are plain
JSON text (discord.py asks for ``compress=zlib-stream`` in the URL, but only inflates binary
frames, so text frames need no compression). Tests can drop the connection softly (close code
4000, which discord.py resumes after) or hard (the TCP transport is cut), or invalidate the
session so the client identifies again. Message events reach the bot only from channels it can
view.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from tests.fakes.discord_model import JSON
from tests.fakes.discord_permissions import can_view

if TYPE_CHECKING:
    from tests.fakes.discord_server import FakeDiscord

DISPATCH, HEARTBEAT, IDENTIFY, RESUME, RECONNECT, REQUEST_MEMBERS = 0, 1, 2, 6, 7, 8
INVALID_SESSION, HELLO, HEARTBEAT_ACK = 9, 10, 11
MEMBERS_INTENT = 1 << 1


@dataclass
class Session:
    id: str
    seq: int = 0
    history: list[tuple[int, str, JSON]] = field(default_factory=list)


@dataclass
class Connection:
    ws: web.WebSocketResponse
    request: web.Request
    session: Session | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(self, payload: JSON) -> None:
        async with self.lock:
            if not self.ws.closed:
                with contextlib.suppress(ConnectionResetError):  # cut: kept for RESUME
                    await self.ws.send_str(json.dumps(payload))


class Gateway:
    def __init__(self, fake: FakeDiscord, heartbeat_interval_ms: int = 1000) -> None:
        self.fake = fake
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.sessions: dict[str, Session] = {}
        self.live: list[Connection] = []
        self.queries: list[dict[str, str]] = []
        self.identifies: list[JSON] = []
        self.resumes = 0
        self.heartbeats = 0
        self.members_intent_allowed = True  # False: as if not enabled in the developer portal

    # -- what tests call -------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return any(c.session is not None and not c.ws.closed for c in self.live)

    async def dispatch(self, event: str, data: JSON) -> None:
        """Send an event to the bot's session; if it is disconnected, keep it for RESUME.
        Message events from a channel the bot cannot view never reach it, as on Discord."""
        world = self.fake.world
        channel = str(data.get("channel_id", ""))
        if event.startswith("MESSAGE_") and not can_view(world.guild, world.bot.id, channel):
            return
        for session in self.sessions.values():
            session.seq += 1
            session.history.append((session.seq, event, data))
            for conn in self.live:
                if conn.session is session:
                    await conn.send({"op": DISPATCH, "t": event, "s": session.seq, "d": data})

    async def drop(self, *, hard: bool = False) -> None:
        """Cut every live connection: a close frame with 4000, or a hard cut of the socket."""
        for conn in list(self.live):
            if hard:
                transport = conn.request.transport
                if transport is not None:
                    transport.abort()
            else:
                await conn.ws.close(code=4000, message=b"dropped by the test")
        self.fake.changed()

    async def invalidate(self) -> None:
        """Tell the client its session is gone: it must IDENTIFY again."""
        for conn in list(self.live):
            await conn.send({"op": INVALID_SESSION, "d": False})
        self.sessions.clear()

    async def close(self) -> None:
        for conn in list(self.live):
            await conn.ws.close(code=1001)

    # -- the websocket ---------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        self.queries.append(dict(request.query))
        conn = Connection(ws, request)
        self.live.append(conn)
        try:
            await conn.send({"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                await self._receive(conn, json.loads(msg.data))
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.live.remove(conn)
            self.fake.changed()
        return ws

    async def _receive(self, conn: Connection, msg: JSON) -> None:
        op, data = msg.get("op"), msg.get("d")
        if op == HEARTBEAT:
            self.heartbeats += 1
            await conn.send({"op": HEARTBEAT_ACK})
        elif op == IDENTIFY:
            await self._identify(conn, data)
        elif op == RESUME:
            await self._resume(conn, data)
        elif op == REQUEST_MEMBERS:
            await self._members_chunk(conn, data)
        self.fake.changed()

    async def _identify(self, conn: Connection, data: JSON) -> None:
        if data.get("token") != self.fake.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        if not self.members_intent_allowed and int(data.get("intents", 0)) & MEMBERS_INTENT:
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        self.identifies.append({k: v for k, v in data.items() if k != "token"})
        session = Session(secrets.token_hex(8))
        self.sessions = {session.id: session}
        conn.session = session
        world = self.fake.world
        ready = {
            "v": 10,
            "user": world.bot.payload(),
            "guilds": [{"id": world.guild.id, "unavailable": True}],
            "session_id": session.id,
            "resume_gateway_url": self.fake.gateway_url,
            "application": {"id": world.app_id, "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        await self._send_dispatch(conn, "READY", ready)
        await self._send_dispatch(conn, "GUILD_CREATE", world.guild.payload())

    async def _resume(self, conn: Connection, data: JSON) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if data.get("token") != self.fake.token or session is None:
            await conn.send({"op": INVALID_SESSION, "d": False})
            return
        self.resumes += 1
        conn.session = session
        after = int(data.get("seq") or 0)
        for seq, event, payload in session.history:
            if seq > after:
                await conn.send({"op": DISPATCH, "t": event, "s": seq, "d": payload})
        await self._send_dispatch(conn, "RESUMED", {})

    async def _members_chunk(self, conn: Connection, data: JSON) -> None:
        guild = self.fake.world.guild
        if str(data.get("guild_id")) != guild.id:
            return
        chunk: dict[str, Any] = {
            "guild_id": guild.id,
            "members": [m.payload() for m in guild.members.values()],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self._send_dispatch(conn, "GUILD_MEMBERS_CHUNK", chunk)

    async def _send_dispatch(self, conn: Connection, event: str, data: JSON) -> None:
        assert conn.session is not None
        conn.session.seq += 1
        conn.session.history.append((conn.session.seq, event, data))
        with contextlib.suppress(ConnectionResetError):
            await conn.send({"op": DISPATCH, "t": event, "s": conn.session.seq, "d": data})
