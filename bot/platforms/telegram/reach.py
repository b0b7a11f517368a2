"""When a personal answer cannot reach someone's private chat, say so in the group they asked in.

On Telegram a bot may only write to people who have opened a chat with it. Someone who runs a
command in a group gets personal answers privately (the messenger routes them there and marks
them ``redirected-from:<group>``); if that fails because they never started the bot, or blocked
it, the answer would vanish. Instead the group gets a short note that mentions them and carries
a button that opens the private chat. It knows nothing of which feature answered.
"""

from __future__ import annotations

import logging
import time

from telegram import Bot

from bot.core.context import Context
from bot.core.replies import Choice, Privacy, Reply
from bot.messenger import REDIRECTED_FROM
from bot.outbox import DeliveryReport, Destination
from bot.platforms.telegram.incoming import OPEN_PAYLOAD
from bot.platforms.telegram.sending import BLOCKED, NOT_STARTED

log = logging.getLogger(__name__)

ORIGIN = "telegram:open-private-chat"
QUIET_FOR = 600.0  # one note per person per group in ten minutes, however many answers failed


def deep_link(bot_username: str) -> str:
    return f"https://t.me/{bot_username}?start={OPEN_PAYLOAD}"


class PrivateChatPointer:
    def __init__(self, ctx: Context, bot: Bot) -> None:
        self._ctx = ctx
        self._bot = bot  # its username is known once connected
        self._noted: dict[tuple[str, str], float] = {}

    async def __call__(self, report: DeliveryReport) -> None:
        if report.delivered or report.error not in (NOT_STARTED, BLOCKED) or not report.origin:
            return
        space = Destination.parse(report.origin.removeprefix(REDIRECTED_FROM))
        user_id = report.destination.id
        now = time.monotonic()
        self._noted = {k: t for k, t in self._noted.items() if now - t < QUIET_FOR}
        if not user_id.isdigit() or (space.id, user_id) in self._noted:
            return
        self._noted[(space.id, user_id)] = now
        text = self._ctx.text("telegram.open_private_chat", user_id=user_id)
        button = Choice(self._ctx.text("telegram.open_private_chat_button"), url=self.link)
        reply = Reply.with_choices(text, [button], privacy=Privacy.SPACE)
        await self._ctx.messenger.to_destination(space, reply, origin=ORIGIN)
        log.info("telegram: pointed someone in %s to their private chat", space)

    @property
    def link(self) -> str:
        return deep_link(self._bot.username)
