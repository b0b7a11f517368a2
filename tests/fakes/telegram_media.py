"""Media in the fake Bot API: sending photos, files, voice notes, videos, GIFs and stickers,
``getFile`` and the file download path ``/file/bot<token>/<path>``, with Telegram's real
limits and wording:

- a bot downloads at most 20 MB: ``getFile`` answers 400 "Bad Request: file is too big";
- a photo is at most 10 MB: 400 "Bad Request: PHOTO_SAVE_FILE_INVALID";
- a photo's width and height add up to at most 10,000, and its ratio is at most 20:
  400 "Bad Request: PHOTO_INVALID_DIMENSIONS" (measured with Pillow);
- bytes that are not an image at all: 400 "Bad Request: IMAGE_PROCESS_FAILED";
- any upload is at most 50 MB: 413 "Request Entity Too Large".

People send media through :func:`user_sends`; the bytes the bot uploaded are in
:func:`uploads`. Each send method checks its own field, then answers through the fake's own
``sendDocument`` (chat checks, caption parsing and limits stay in one place) and reshapes the
answer as Telegram does (``photo`` sizes, ``voice``, ``video``, ``animation``, ``sticker``).
"""

from __future__ import annotations

import io
import itertools
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from aiohttp import web
from PIL import Image

from tests.fakes.telegram_methods import METHODS, SENDING, Files, Params
from tests.fakes.telegram_world import ApiError, User, World, bad_request

if TYPE_CHECKING:
    from tests.fakes.telegram_server import FakeTelegram

MB = 1000 * 1000  # Telegram's limits are decimal megabytes (as python-telegram-bot's constants)
DOWNLOAD_LIMIT = 20 * MB
PHOTO_LIMIT = 10 * MB
UPLOAD_LIMIT = 50 * MB


@dataclass
class StoredFile:
    file_id: str
    unique_id: str
    path: str
    data: bytes
    size: int  # what Telegram reports (tests may claim a size bigger than the bytes)


@dataclass
class Upload:
    """A file the bot sent: to which chat, by which method, under which name."""

    chat_id: int
    method: str
    name: str
    data: bytes
    caption: str


class MediaStore:
    def __init__(self) -> None:
        self.files: dict[str, StoredFile] = {}
        self.by_path: dict[str, StoredFile] = {}
        self.uploads: list[Upload] = []
        self._paths = itertools.count(1)

    def add(self, data: bytes, folder: str, name: str, size: int | None = None) -> StoredFile:
        n = next(self._paths)
        stored = StoredFile(
            secrets.token_hex(12), secrets.token_hex(4), f"{folder}/file_{n}_{name}", data,
            len(data) if size is None else size,
        )  # fmt: skip
        self.files[stored.file_id] = stored
        self.by_path[stored.path] = stored
        return stored


_STORES: WeakKeyDictionary[World, MediaStore] = WeakKeyDictionary()


def store(world: World) -> MediaStore:
    found = _STORES.get(world)
    if found is None:
        found = _STORES[world] = MediaStore()
    return found


def uploads(fake: FakeTelegram) -> list[Upload]:
    return store(fake.world).uploads


# -- the bot sending ------------------------------------------------------------------------


def _photo_sizes(stored: StoredFile) -> list[dict[str, Any]]:
    base = {"file_id": stored.file_id, "file_unique_id": stored.unique_id}
    thumb = {"file_id": stored.file_id + "t", "file_unique_id": stored.unique_id + "t"}
    return [thumb | {"width": 90, "height": 90, "file_size": 1}, base | {
        "width": 800, "height": 600, "file_size": stored.size}]  # fmt: skip


def _shaped(field: str, stored: StoredFile, name: str) -> Any:
    base = {"file_id": stored.file_id, "file_unique_id": stored.unique_id, "file_size": stored.size}
    if field == "photo":
        return _photo_sizes(stored)
    if field == "voice":
        return base | {"duration": 1, "mime_type": "audio/ogg"}
    if field in ("video", "animation"):
        return base | {"width": 320, "height": 240, "duration": 1, "file_name": name}
    if field == "sticker":
        return base | {"type": "regular", "width": 512, "height": 512, "is_animated": False,
                       "is_video": False}  # fmt: skip
    return base | {"file_name": name}


def _sender(field: str, limit: int, too_big: str) -> Any:
    def send(world: World, params: Params, files: Files) -> Any:
        if field not in files:
            if isinstance(params.get(field), str):
                raise bad_request("wrong file identifier/HTTP URL specified")
            raise bad_request(f"there is no {field} in the request")
        name, data = files[field]
        if len(data) > UPLOAD_LIMIT:
            raise ApiError(413, "Request Entity Too Large")
        if len(data) > limit:
            raise bad_request(too_big)
        if field == "photo":
            size = _image_size(data)
            if size is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            if not _photo_dimensions_ok(*size):
                raise bad_request("PHOTO_INVALID_DIMENSIONS")
        if field == "sticker" and params.get("caption"):
            params = {k: v for k, v in params.items() if k not in ("caption", "parse_mode")}
        answer = dict(_SEND_DOCUMENT(world, params, {"document": (name, data)}))
        answer.pop("document", None)
        stored = store(world).add(data, f"{field}s", name or field)
        answer[field] = _shaped(field, stored, name)
        if field == "animation":
            answer["document"] = _shaped("document", stored, name)
        caption = params.get("caption") or ""
        store(world).uploads.append(Upload(params["chat_id"], field, name, data, caption))
        return answer

    return send


_SEND_DOCUMENT = METHODS["senddocument"]
PHOTO_SIDES = 10_000
PHOTO_RATIO = 20


def picture(extra: bytes = b"", size: tuple[int, int] = (4, 3)) -> bytes:
    """A real PNG that Telegram takes as a photo, with ``extra`` bytes after its end (image
    readers ignore them), so a test can follow a marker through a relayed picture."""
    out = io.BytesIO()
    Image.new("RGB", size, (40, 60, 90)).save(out, format="PNG")
    return out.getvalue() + extra


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of an uploaded photo, or None when it is not an image Telegram can
    process (it answers IMAGE_PROCESS_FAILED then)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return width, height


def _photo_dimensions_ok(width: int, height: int) -> bool:
    """The Bot API's rule for sendPhoto: width + height at most 10,000, ratio at most 20."""
    return width + height <= PHOTO_SIDES and max(width, height) <= PHOTO_RATIO * min(width, height)


def get_file(world: World, params: Params, files: Files) -> Any:
    stored = store(world).files.get(str(params.get("file_id")))
    if stored is None:
        raise bad_request("invalid file_id")
    if stored.size > DOWNLOAD_LIMIT:
        raise bad_request("file is too big")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.unique_id,
        "file_size": stored.size,
        "file_path": stored.path,
    }


MEDIA_METHODS = {
    "sendphoto": _sender("photo", PHOTO_LIMIT, "PHOTO_SAVE_FILE_INVALID"),
    "senddocument": _sender("document", UPLOAD_LIMIT, ""),
    "sendvoice": _sender("voice", UPLOAD_LIMIT, ""),
    "sendvideo": _sender("video", UPLOAD_LIMIT, ""),
    "sendanimation": _sender("animation", UPLOAD_LIMIT, ""),
    "sendsticker": _sender("sticker", UPLOAD_LIMIT, ""),
    "getfile": get_file,
}
METHODS.update(MEDIA_METHODS)
SENDING.update(k for k in MEDIA_METHODS if k.startswith("send"))


def add_routes(app: web.Application, fake: FakeTelegram) -> None:
    """``GET /file/bot<token>/<file_path>``: the bytes of a file ``getFile`` described."""

    async def download(request: web.Request) -> web.Response:
        if request.match_info["token"] != fake.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        stored = store(fake.world).by_path.get(request.match_info["path"])
        if stored is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(body=stored.data, content_type="application/octet-stream")

    app.router.add_get("/file/bot{token}/{path:.+}", download)


# -- people sending -------------------------------------------------------------------------


def user_sends(
    fake: FakeTelegram,
    user: User,
    kind: str,
    data: bytes,
    *,
    chat_id: int | None = None,
    name: str = "file.bin",
    caption: str | None = None,
    caption_entities: list[dict[str, Any]] | None = None,
    claimed_size: int | None = None,
    sticker: str = "static",  # "static" | "animated" | "video"
    emoji: str = "🙂",
    thumbnail: bool = True,
) -> dict[str, Any]:
    """``user`` sends a photo, document, voice, video, animation or sticker (in their private
    chat with the bot, or in the group ``chat_id``). ``claimed_size``: the size Telegram
    reports, to test limits without sending that many bytes."""
    world = fake.world
    where = user.id if chat_id is None else chat_id
    stored = store(world).add(data, f"{kind}s", name, claimed_size)
    body: dict[str, Any] = {
        "message_id": world.next_message_id(where),
        "date": int(time.time()),
        "chat": world.chat_json(where),
        "from": user.json(),
    }
    if kind == "sticker":
        shaped = _shaped("sticker", stored, name) | {"emoji": emoji}
        shaped["is_animated"] = sticker == "animated"
        shaped["is_video"] = sticker == "video"
        if sticker != "static" and thumbnail:
            frame = store(world).add(b"first-frame:" + data[:16], "thumbnails", "frame.webp")
            shaped["thumbnail"] = _photo_sizes(frame)[1]
        elif sticker != "static":
            shaped.pop("file_size")
        body["sticker"] = shaped
    else:
        body[kind] = _shaped(kind, stored, name)
        if kind == "animation":
            body["document"] = _shaped("document", stored, name)
    if caption is not None:
        body["caption"] = caption
        if caption_entities:
            body["caption_entities"] = caption_entities
    if chat_id is None:
        world.started.add(user.id)
    update = world.push("message", body)
    fake._new_update.set()
    return update


def user_says(
    fake: FakeTelegram,
    user: User,
    text: str,
    entities: list[dict[str, Any]],
    *,
    chat_id: int | None = None,
) -> dict[str, Any]:
    """``user`` sends formatted text: ``entities`` as Telegram sends them (UTF-16 offsets)."""
    world = fake.world
    where = user.id if chat_id is None else chat_id
    body = {
        "message_id": world.next_message_id(where),
        "date": int(time.time()),
        "chat": world.chat_json(where),
        "from": user.json(),
        "text": text,
        "entities": entities,
    }
    update = world.push("message", body)
    fake._new_update.set()
    return update
