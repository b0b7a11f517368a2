"""Files in the fake Discord: attachments uploaded with messages and webhook posts (multipart,
``files[n]``), refused like Discord refuses them, and attachments people post, served from a
CDN path so the bot downloads them through discord.py.

Discord refuses a file over the guild's upload limit (10 MiB, 50 MiB at boost tier 2,
100 MiB at tier 3) with HTTP 413 and ``{"code": 40005, "message": "Request entity too
large"}``. Accepted files are kept (name and bytes) in :func:`uploads`, so tests check what
arrived.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

from tests.fakes.discord_http import error
from tests.fakes.discord_model import JSON, Channel, User, now_iso, snowflake

if TYPE_CHECKING:
    from tests.fakes.discord_server import FakeDiscord

MIB = 1024 * 1024
TIER_LIMITS = {0: 10 * MIB, 1: 10 * MIB, 2: 50 * MIB, 3: 100 * MIB}
VOICE_MESSAGE = 1 << 13  # message flag


@dataclass
class Uploaded:
    path: str  # the request path, e.g. /channels/123/messages or /webhooks/1/abc
    name: str
    data: bytes


@dataclass
class Files:
    uploads: list[Uploaded] = field(default_factory=list)
    cdn: dict[str, bytes] = field(default_factory=dict)  # path under /attachments or /stickers
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


def files_of(fake: FakeDiscord) -> Files:
    """The files this fake holds (kept on the fake itself, so each test starts empty)."""
    found: Files = vars(fake).setdefault("relay_files", Files())
    return found


def uploads(fake: FakeDiscord) -> list[Uploaded]:
    return files_of(fake).uploads


def upload_limit(fake: FakeDiscord) -> int:
    return TIER_LIMITS[fake.world.guild.premium_tier]


async def refuse_too_large(fake: FakeDiscord, request: web.Request) -> web.Response | None:
    """Check a multipart request's files against the upload limit: Discord's 413 / 40005 if
    one is over it, else ``None`` (and the files are kept for the test to read)."""
    if not request.content_type.startswith("multipart/"):
        return None
    form = await request.post()  # aiohttp keeps it: the route reads the same form again
    sent: list[Uploaded] = []
    for key, value in form.items():
        if key.startswith("files[") and isinstance(value, web.FileField):
            data = value.file.read()
            value.file.seek(0)
            if len(data) > upload_limit(fake):
                return error(413, 40005, "Request entity too large")
            sent.append(Uploaded(request.path, value.filename, data))
    files_of(fake).uploads.extend(sent)
    return None


def add_routes(app: web.Application, fake: FakeDiscord) -> None:
    """The CDN: ``/attachments/<channel>/<id>/<name>`` and ``/stickers/<id>.<ext>``."""

    async def serve(request: web.Request) -> web.Response:
        data = files_of(fake).cdn.get(request.path)
        if data is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=data, content_type="application/octet-stream")

    app.router.add_get("/attachments/{path:.+}", serve)
    app.router.add_get("/stickers/{path:.+}", serve)


def cdn_root(fake: FakeDiscord) -> str:
    """What ``discord.Asset.BASE`` is on the fake (sticker images are served under it)."""
    return f"http://127.0.0.1:{fake.port}"


def add_sticker(fake: FakeDiscord, name: str, data: bytes, format_type: int = 1) -> JSON:
    """A sticker (1 PNG, 2 APNG, 3 Lottie, 4 GIF) as a message's ``sticker_items`` entry."""
    sticker_id = snowflake()
    ext = {1: "png", 2: "png", 3: "json", 4: "gif"}[format_type]
    files_of(fake).cdn[f"/stickers/{sticker_id}.{ext}"] = data
    return {"id": sticker_id, "name": name, "format_type": format_type}


def message_payload(
    fake: FakeDiscord,
    user: User,
    channel: Channel,
    content: str = "",
    files: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
    *,
    claimed_sizes: dict[str, int] | None = None,
    voice: bool = False,
    stickers: list[JSON] = (),  # type: ignore[assignment]
) -> JSON:
    """A person's message with attachments ``(name, bytes, content type)``, as Discord sends
    it on the gateway and in REST answers. ``claimed_sizes``: a size Discord reports for a
    file (to test limits without that many bytes); ``voice``: a voice message."""
    message_id = snowflake()
    attachments = []
    for name, data, content_type in files:
        attachment_id = str(next(files_of(fake).ids))
        path = f"/attachments/{channel.id}/{attachment_id}/{name}"
        files_of(fake).cdn[path] = data
        url = f"http://127.0.0.1:{fake.port}{path}"
        item: JSON = {
            "id": attachment_id,
            "filename": name,
            "size": (claimed_sizes or {}).get(name, len(data)),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }
        if voice:
            item |= {"duration_secs": 2.5, "waveform": "AAAA"}
        attachments.append(item)
    payload: JSON = {
        "id": message_id,
        "channel_id": channel.id,
        "author": user.payload(),
        "content": content,
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": attachments,
        "embeds": [],
        "pinned": False,
        "type": 0,
        "flags": VOICE_MESSAGE if voice else 0,
        "components": [],
        "sticker_items": list(stickers),
    }
    if channel.guild_id is not None:
        payload["guild_id"] = channel.guild_id
    return payload


async def post_with_files(fake: FakeDiscord, payload: JSON) -> None:
    """Deliver a :func:`message_payload` to the bot as Discord does (MESSAGE_CREATE)."""
    member = fake.world.guild.members.get(payload["author"]["id"])
    if member is not None and "guild_id" in payload:
        payload = payload | {"member": {k: v for k, v in member.payload().items() if k != "user"}}
    await fake.gateway.dispatch("MESSAGE_CREATE", payload)
