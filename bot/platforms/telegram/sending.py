"""Neutral outgoing messages as Bot API calls, and Telegram's errors as the outbox's.

A message becomes one or more *parts*: text split at 4096 characters on markup boundaries
(HTML parse mode), a document whose caption holds the text when it fits in 1024 characters,
buttons as an inline keyboard on the last part. The parts already sent are remembered by the
outbox (``delivered_parts``), so a retry after a 429 halfway through a long message, or a
restart, does not send its start twice.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from bot.core import markup
from bot.outbox import (
    Button,
    Op,
    OutgoingMessage,
    PermanentFailure,
    Progress,
    RetryLater,
    TransientFailure,
    paced,
)
from bot.platforms.telegram.http import AiohttpRequest

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_OFF = _NO_PREVIEW.to_dict()  # as JSON, for AiohttpRequest.call
_HTML = ParseMode.HTML.value

# Reasons a message fails for good. They are stored and logged, so they never quote text.
NOT_STARTED = "they have not opened a private chat with the bot yet"
BLOCKED = "they blocked the bot"
DEACTIVATED = "their Telegram account was deleted"
NOT_IN_GROUP = "the bot is not in that group any more"
CHAT_NOT_FOUND = "chat not found"
CANNOT_DELETE = "Telegram no longer lets the bot delete that message"
REFUSED = "Telegram refused the message as malformed"

_FORBIDDEN = (
    ("blocked", BLOCKED),
    ("can't initiate", NOT_STARTED),
    ("deactivated", DEACTIVATED),
    ("kicked", NOT_IN_GROUP),
    ("not a member", NOT_IN_GROUP),
)
#: A person the bot cannot write to privately, whatever was sent.
_UNREACHABLE = (NOT_STARTED, BLOCKED, DEACTIVATED)
_EDIT_FALLBACK = ("message to edit not found", "message can't be edited", "no text in the message")


@dataclass(frozen=True, slots=True)
class _Part:
    """One message: ``text`` in HTML, and ``plain``, the same words to send without a parse
    mode when Telegram refuses the HTML (links keep their address, ``&`` stays ``&``)."""

    text: str | None
    keyboard: InlineKeyboardMarkup | None = None
    document: bool = False
    plain: str | None = None
    #: What ``text`` was rendered from, when ``plain`` is worked out from it only if it is
    #: needed (:meth:`fallback`): Telegram refusing our HTML is rare, and rendering every
    #: part twice was about a seventh of the planning, on every message.
    segments: list[markup.Segment] | None = None

    def fallback(self) -> str | None:
        """The words to send without a parse mode, if any."""
        if self.plain is None and self.segments is not None:
            return markup.join(self.segments, markup.render_plain)
        return self.plain


def keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """Choices as an inline keyboard: a press sends back ``pc:<token>``; links open."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.label, url=b.url)
                if b.url
                else InlineKeyboardButton(b.label, callback_data=b.custom_id)
                for b in row
            ]
            for row in rows
        ]
    )


def plan(message: OutgoingMessage) -> list[_Part]:
    """The messages a neutral message becomes, in order; the keyboard rides on the last."""
    chunks = markup.split_segments(message.text, markup.render_telegram_html, TEXT_LIMIT)
    html_of = markup.render_telegram_html
    texts = [_Part(markup.join(c, html_of), segments=c) for c in chunks]
    board = keyboard(message.buttons)
    if message.attachment is not None:
        if len(texts) <= 1 and all(len(t.text or "") <= CAPTION_LIMIT for t in texts):
            first = texts[0] if texts else _Part(None)
            return [_Part(first.text, board, document=True, segments=first.segments)]
        return [*texts, _Part(None, board, document=True)]
    if texts and board is not None:
        texts[-1] = _Part(texts[-1].text, board, segments=texts[-1].segments)
    return texts


def plan_relayed(message: OutgoingMessage) -> list[_Part]:
    """A relayed message's parts: HTML split within Telegram's limits after entities; a file
    takes the text as its caption when it fits."""
    from bot.platforms.telegram import relay_format  # it builds on this module's limits

    rich = message.relayed_text()
    texts = [_Part(r.html, plain=r.visible) for r in relay_format.rendered_parts(rich)]
    if message.attachment is not None:
        caption = relay_format.rendered_parts(rich, limit=relay_format.CAPTION_LIMIT)
        if len(caption) <= 1:
            if not caption:
                return [_Part(None, document=True)]
            return [_Part(caption[0].html, document=True, plain=caption[0].visible)]
        return [*texts, _Part(None, document=True)]
    return texts


class Sender:
    """Sends, edits and deletions straight to the request class (``AiohttpRequest.call``:
    only the new message's id is read from the answer); files through PTB's methods."""

    def __init__(self, bot: Bot, requests: AiohttpRequest) -> None:
        self._bot = bot
        self._requests = requests
        self._send_url = f"{bot.base_url}/sendMessage"
        self._edit_url = f"{bot.base_url}/editMessageText"
        self._delete_url = f"{bot.base_url}/deleteMessage"

    async def deliver(self, chat_id: int, message: OutgoingMessage, done: Progress) -> list[str]:
        """Send, edit or delete; ``done`` holds the parts sent by an earlier try (or before a
        restart) and grows as parts go out. Raises Telegram's own errors."""
        if message.op is Op.DELETE:
            for part in message.parts or (message.target_id,):
                await self._delete(chat_id, _message_id(part))
            return []
        if message.relayed and message.op is Op.EDIT:
            return await self._edit_parts(chat_id, message, done)
        parts = plan_relayed(message) if message.relayed else plan(message)
        done.expect([part.text or "" for part in parts])
        if message.op is Op.EDIT and not done and parts and not parts[0].document:
            first = parts[0]
            board = first.keyboard if len(parts) == 1 else None
            if await self._edit(chat_id, _message_id(message.target_id), first.text or "", board):
                done.sent(str(message.target_id))
        for index in range(len(done), len(parts)):
            reply_to = message.reply_to if index == 0 else None
            done.sent(await self._send(chat_id, parts[index], message, reply_to))
        return done.ids()

    async def _edit_parts(
        self, chat_id: int, message: OutgoingMessage, done: Progress
    ) -> list[str]:
        """A relayed message edited: each part in place, parts added when the new text needs
        more, and the ones no longer needed deleted. Parts done by an earlier try are not
        done again (an added part would show twice)."""
        old = list(message.parts) or [str(message.target_id)]
        parts = plan_relayed(message)
        done.expect([part.text or "" for part in parts])
        for index, part in enumerate(parts):
            if index < len(done):
                continue
            if index < len(old) and (
                part.document  # a file stays as it was
                or await self._edit(chat_id, _message_id(old[index]), part.text or "", None)
            ):
                done.sent(old[index])
                continue
            done.sent(await self._send(chat_id, part, message, None))
        ids = done.ids()
        for extra in old[len(ids) :]:
            await self._delete(chat_id, _message_id(extra))
        return ids

    async def _send(
        self, chat_id: int, part: _Part, message: OutgoingMessage, reply_to: str | None
    ) -> str:
        """The part sent; its message id."""
        reply = None
        if reply_to is not None and reply_to.isdigit():
            reply = ReplyParameters(int(reply_to), allow_sending_without_reply=True)
        try:
            return await self._send_as(chat_id, part, message, reply, plain=False)
        except BadRequest as exc:
            if "can't parse entities" not in exc.message.lower() or part.fallback() is None:
                raise
        # Our renderers escape everything, so this should not happen; if Telegram still cannot
        # read the formatting, the words matter more than the bold: the same words, plain.
        return await self._send_as(chat_id, part, message, reply, plain=True)

    async def _send_as(
        self,
        chat_id: int,
        part: _Part,
        message: OutgoingMessage,
        reply: ReplyParameters | None,
        *,
        plain: bool,
    ) -> str:
        text = part.fallback() if plain else part.text
        await paced()  # each part is a send Telegram counts: its own turn within the limits
        if part.document:
            assert message.attachment is not None
            from bot.platforms.telegram import relay_media  # it builds on this module

            # A file shows as what it is: a picture as a photo, a GIF, a voice note...
            sent = await relay_media.send(
                self._bot,
                chat_id,
                message.attachment,
                caption_html=text,
                plain=plain,
                reply=reply,
                keyboard=part.keyboard,
            )
            return str(sent.message_id)
        assert text is not None
        values: dict[str, Any] = {"chat_id": chat_id, "text": text, "link_preview_options": _OFF}
        if not plain:
            values["parse_mode"] = _HTML
        if part.keyboard is not None:
            values["reply_markup"] = part.keyboard.to_dict()
        if reply is not None:
            values["reply_parameters"] = reply.to_dict()
        result = await self._requests.call(self._send_url, values)
        return str(result["message_id"])

    async def _edit(
        self, chat_id: int, message_id: int, text: str, board: InlineKeyboardMarkup | None
    ) -> bool:
        """Edit in place; False when the message can no longer be edited (gone, too old, a
        file), so the caller sends the new text as a new message instead of losing it."""
        await paced()  # Telegram counts edits as sends
        values: dict[str, Any] = {
            "chat_id": chat_id,
            "message_id": message_id,
            "text": text,
            "parse_mode": _HTML,
            "link_preview_options": _OFF,
        }
        if board is not None:
            values["reply_markup"] = board.to_dict()
        try:
            await self._requests.call(self._edit_url, values)
        except BadRequest as exc:
            reason = exc.message.lower()
            if "not modified" in reason:
                return True
            if any(phrase in reason for phrase in _EDIT_FALLBACK):
                return False
            raise
        return True

    async def _delete(self, chat_id: int, message_id: int) -> None:
        try:
            await self._requests.call(
                self._delete_url, {"chat_id": chat_id, "message_id": message_id}
            )
        except BadRequest as exc:
            reason = exc.message.lower()
            if "not found" in reason:
                return  # already gone: what we wanted
            if "can't be deleted" in reason:
                raise PermanentFailure(CANNOT_DELETE) from None
            raise


def _message_id(target: str | None) -> int:
    if target is None or not target.lstrip("-").isdigit():
        raise PermanentFailure("no Telegram message to act on")
    return int(target)


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def translate(exc: TelegramError) -> Exception:
    """Telegram's error as what the outbox should do next. Never quotes the message."""
    if isinstance(exc, RetryAfter):
        return RetryLater(retry_seconds(exc))
    if isinstance(exc, Forbidden):
        reason = exc.message.lower()
        found = next((why for phrase, why in _FORBIDDEN if phrase in reason), None)
        return PermanentFailure(
            found or "Telegram does not let the bot post there", unreachable=found in _UNREACHABLE
        )
    if isinstance(exc, BadRequest):  # before NetworkError: BadRequest is a subclass of it
        if "chat not found" in exc.message.lower():
            return PermanentFailure(CHAT_NOT_FOUND)
        return PermanentFailure(REFUSED)
    if isinstance(exc, InvalidToken):
        return TransientFailure("Telegram rejected TELEGRAM_BOT_TOKEN")
    if isinstance(exc, NetworkError):  # timeouts, dropped connections, 5xx
        return TransientFailure(type(exc).__name__)
    return PermanentFailure(f"Telegram refused the message ({type(exc).__name__})")
