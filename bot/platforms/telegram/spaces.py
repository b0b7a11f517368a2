"""Peer spaces on Telegram: a group is its own place, and access is being in it.

Why join requests: the link a verified member gets asks to join (``creates_join_request``), and
the bot approves only verified members when the request arrives. A link that leaks, or that a
removed member still holds, lets nobody in, so there is no window between a removal and the
link running out. Links also expire after a day. Removing someone is a ban followed at once by
an unban: they are out, and could be invited again later. A basic group (not a supergroup) has
no ban list: the ban alone takes them out, and Telegram refuses the unban there ("method is
available for supergroup and channel chats only"), which is no failure: they are out already.

Telegram cannot list a group's members, so the audit checks the accounts the bot has seen
there (it is told when anyone joins or posts, as an admin), and whether the group has a public
username. A public username cannot be removed by a bot: that finding is fixed by hand.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from telegram import Bot, ChatMember, ChatMemberRestricted
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.core import markup
from bot.core.spaces import (
    AccessOffer,
    Entry,
    Finding,
    Need,
    Problem,
    SpaceError,
    SpaceInfo,
    Verified,
)
from bot.platforms.telegram.sending import retry_seconds

log = logging.getLogger(__name__)

T = TypeVar("T")

LINK_LIFETIME = timedelta(days=1)
LINK_NAME = "Peer Circle member"
INSIDE = {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER}
_GONE = ("chat not found", "bot was kicked", "bot is not a member", "group chat was deactivated")
_NOT_A_USER = ("user not found", "participant_id_invalid", "user_id_invalid")
_ANSWERED = ("hide_requester_missing", "user_already_participant")
_NO_BAN_LIST = "supergroup and channel chats only"  # the unban, refused in a basic group


def inside(member: ChatMember) -> bool:
    """Whether this status means they can read the group."""
    if isinstance(member, ChatMemberRestricted):
        return member.is_member
    return member.status in INSIDE


def _translate(exc: TelegramError) -> SpaceError:
    """Telegram's error as plain words for a steward (never quoting anything anyone wrote)."""
    if isinstance(exc, RetryAfter):
        return SpaceError(
            "Telegram asked to slow down", transient=True, retry_after=retry_seconds(exc)
        )
    reason = exc.message.lower()
    if isinstance(exc, Forbidden) or any(gone in reason for gone in _GONE):
        return SpaceError("the bot is no longer in that group, or it was deleted")
    if "not enough rights" in reason or "chat_admin_required" in reason:
        return SpaceError(
            "the bot needs to be an admin there with the rights to invite and to ban users"
        )
    if isinstance(exc, BadRequest):
        return SpaceError("Telegram refused the request")
    if isinstance(exc, NetworkError):
        return SpaceError("Telegram could not be reached", transient=True)
    return SpaceError(f"Telegram refused the request ({type(exc).__name__})")


class TelegramSpaces:
    def __init__(self, bot: Bot, current_id: Callable[[int], int]) -> None:
        self._bot = bot
        self._current_id = current_id  # follows groups that became supergroups

    def _chat(self, space_id: str) -> int:
        try:
            return self._current_id(int(space_id))
        except ValueError:
            raise SpaceError("that is not a Telegram group") from None

    async def _call(self, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await call()
        except TelegramError as exc:
            raise _translate(exc) from None

    async def _member(self, chat_id: int, user_id: int) -> ChatMember | None:
        """Their membership, or None if Telegram does not know them in this group."""
        try:
            return await self._bot.get_chat_member(chat_id, user_id)
        except BadRequest as exc:
            if any(phrase in exc.message.lower() for phrase in _NOT_A_USER):
                return None
            raise _translate(exc) from None
        except TelegramError as exc:
            raise _translate(exc) from None

    async def describe(self, space_id: str) -> SpaceInfo:
        chat_id = self._chat(space_id)
        chat = await self._call(lambda: self._bot.get_chat(chat_id))
        if chat.type not in (chat.GROUP, chat.SUPERGROUP):
            raise SpaceError("only a group can be a peer space")
        return SpaceInfo(chat.title or "a Telegram group", str(chat_id))

    async def admit(self, space_id: str, user_id: str) -> AccessOffer:
        chat_id, user = self._chat(space_id), int(user_id)
        member = await self._member(chat_id, user)
        if member is not None and inside(member):
            return AccessOffer(Entry.GRANTED)
        expires = datetime.now(UTC) + LINK_LIFETIME
        link = await self._call(
            lambda: self._bot.create_chat_invite_link(
                chat_id, expire_date=expires, name=LINK_NAME, creates_join_request=True
            )
        )
        return AccessOffer(Entry.LINK, link.invite_link)

    async def remove(self, space_id: str, user_id: str) -> None:
        chat_id, user = self._chat(space_id), int(user_id)
        member = await self._member(chat_id, user)
        if member is None or not inside(member):
            return
        await self._call(lambda: self._bot.ban_chat_member(chat_id, user))
        try:
            await self._bot.unban_chat_member(chat_id, user, only_if_banned=True)
        except BadRequest as exc:
            if _NO_BAN_LIST not in exc.message.lower():
                raise _translate(exc) from None
        except TelegramError as exc:
            raise _translate(exc) from None

    async def answer_join_request(self, space_id: str, user_id: str, approve: bool) -> None:
        chat_id, user = self._chat(space_id), int(user_id)
        try:
            if approve:
                await self._bot.approve_chat_join_request(chat_id, user)
            else:
                await self._bot.decline_chat_join_request(chat_id, user)
        except BadRequest as exc:
            if not any(phrase in exc.message.lower() for phrase in _ANSWERED):
                raise _translate(exc) from None
        except TelegramError as exc:
            raise _translate(exc) from None

    async def relay_missing(self, space_id: str) -> list[Need]:
        """The bridge needs to see every message (an admin, or group privacy mode off) and to
        delete messages (its own copies, and originals on /delete): an admin with Delete
        Messages. An admin also always may post."""
        chat_id = self._chat(space_id)
        me = await self._member(chat_id, self._bot.id)
        if me is None or me.status in (ChatMember.LEFT, ChatMember.BANNED):
            raise SpaceError("the bot is not in that group")
        admin = me.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)
        missing = []
        if me.status == ChatMember.RESTRICTED and not getattr(me, "can_send_messages", True):
            missing.append(Need.SEND)
        if not admin and not self._bot.bot.can_read_all_group_messages:
            missing.append(Need.SEE_ALL)
        if not (admin and bool(getattr(me, "can_delete_messages", False))):
            missing.append(Need.DELETE)
        return missing

    async def inspect(
        self, space_id: str, verified: Verified, seen: frozenset[str]
    ) -> list[Finding]:
        chat_id = self._chat(space_id)
        try:
            chat = await self._call(lambda: self._bot.get_chat(chat_id))
            me = await self._member(chat_id, self._bot.id)
        except SpaceError as exc:
            if exc.transient:
                raise
            return [Finding(Problem.UNREACHABLE)]
        findings = []
        if chat.username:
            findings.append(Finding(Problem.PUBLIC))
        able = (
            me is not None
            and me.status == ChatMember.ADMINISTRATOR
            and bool(getattr(me, "can_invite_users", False))
            and bool(getattr(me, "can_restrict_members", False))
        )
        if not able:
            findings.append(Finding(Problem.BOT_LACKS_RIGHTS))
        for user_id in sorted(u for u in seen if not verified(u)):
            member = await self._member(chat_id, int(user_id))
            if member is not None and inside(member):
                findings.append(Finding(Problem.UNVERIFIED_PRESENT, user_id, fixable=True))
        return findings

    async def fix(self, space_id: str, finding: Finding) -> None:
        if finding.problem is Problem.UNVERIFIED_PRESENT and finding.user_id:
            await self.remove(space_id, finding.user_id)
            return
        raise SpaceError("that has to be changed in Telegram itself")

    def join_link(self, code: str) -> str | None:
        try:
            return f"https://t.me/{self._bot.username}?start={code}"
        except RuntimeError:  # not connected yet, so the bot's username is unknown
            return None

    def profile_link(self, user_id: str) -> str | None:
        return f"tg://user?id={user_id}" if user_id.isdigit() else None

    async def reach(self, user_id: str) -> str | None:
        """Their @username, read with getChat (Telegram gives one only if they set it)."""
        if not user_id.isdigit():
            return None
        try:
            chat = await self._bot.get_chat(int(user_id))
        except TelegramError as exc:
            log.info("telegram: could not read a member's username (%s)", type(exc).__name__)
            return None
        return markup.escape(f"@{chat.username}") if chat.username else None
