"""Neutral messages rendered for Discord: markdown chunks of at most 2000 characters,
buttons as components (on the last chunk), a file as a ``discord.File``."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import discord

from bot.core import markup
from bot.core.replies import Attachment, ButtonStyle
from bot.outbox import Button, OutgoingMessage, Progress
from bot.platforms.discord.client import PcButton

log = logging.getLogger(__name__)

MAX_TEXT = 2000
MAX_ROWS = 5
MAX_PER_ROW = 5
MAX_LABEL = 80
NO_MENTIONS = discord.AllowedMentions.none()

_STYLES = {
    ButtonStyle.PRIMARY: discord.ButtonStyle.primary,
    ButtonStyle.SECONDARY: discord.ButtonStyle.secondary,
    ButtonStyle.SUCCESS: discord.ButtonStyle.success,
    ButtonStyle.DANGER: discord.ButtonStyle.danger,
}


@dataclass(frozen=True, slots=True)
class Rendered:
    """``chunks`` holds at least one entry; ``None`` when there is only a file or buttons."""

    chunks: list[str | None]
    view: discord.ui.View | None
    attachment: Attachment | None

    def file(self) -> discord.File | None:
        if self.attachment is None:
            return None
        return discord.File(io.BytesIO(self.attachment.data), filename=self.attachment.filename)


def render(
    text: str, buttons: Sequence[Sequence[Button]], attachment: Attachment | None
) -> Rendered:
    chunks: list[str | None] = list(markup.split(text, markup.render_discord, MAX_TEXT))
    return Rendered(chunks or [None], view(buttons), attachment)


def view(rows: Sequence[Sequence[Button]]) -> discord.ui.View | None:
    """Buttons as a view with no timeout. Token buttons are :class:`PcButton`s, so the view
    holds no state: presses are routed by custom id, now and after a restart."""
    if not rows:
        return None
    built = discord.ui.View(timeout=None)
    kept = [row[:MAX_PER_ROW] for row in rows[:MAX_ROWS]]
    dropped = sum(len(r) for r in rows) - sum(len(r) for r in kept)
    if dropped:
        log.warning("discord: %d button(s) did not fit Discord's 5x5 layout", dropped)
    for number, row in enumerate(kept):
        for button in row:
            label = button.label[:MAX_LABEL] or "…"
            item: discord.ui.Item[Any]
            if button.url:
                item = discord.ui.Button(label=label, url=button.url, row=number)
            else:
                assert button.token is not None
                item = PcButton(button.token, label, _STYLES[button.style], row=number)
            built.add_item(item)
    return built


def nonce(message: OutgoingMessage, done: Progress, part: int, text: str | None) -> str | None:
    """The same for every attempt at sending this part of this message with this text, after
    a restart too: discord.py sends it with ``enforce_nonce``, so Discord returns the message
    it already created for it (within a few minutes) instead of showing it twice, when an
    answer was lost to a timeout or a crash. A delivery that started over from its first part
    (its split changed) has new ones (``Progress.key``): the old would return the old text.
    The part's own text is in it too, so whatever the rounds say (a start-over redone with
    yet another split), Discord only ever hands back a message made for the very same text.
    Sent to Discord only, which has the text anyway; nothing of it is kept here. None lets
    discord.py pick one (a message from outside the outbox)."""
    key = done.key(message.dedup_key)
    if key is None:
        return None
    seed = f"{key}:{part}:{text or ''}".encode()
    return f"{hashlib.sha256(seed).hexdigest()[:20]}.{part}"  # 20 + 1 + a few digits: within 25
