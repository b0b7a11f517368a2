"""The membership side of Telegram, through the real python-telegram-bot and the fake: the
bot asks for member and join-request updates, and the group-admin methods the membership
feature will use behave as Telegram's do."""

from __future__ import annotations

from pathlib import Path

from telegram import Bot, ChatMemberBanned, ChatMemberLeft, ChatMemberMember, Update

from bot.platforms.telegram.platform import api_urls
from tests.fakes.telegram_harness import fake_telegram, telegram_service, telegram_settings


async def test_the_bot_asks_for_member_and_join_request_updates(tmp_path: Path) -> None:
    async with fake_telegram() as fake, telegram_service(telegram_settings(tmp_path, fake)):
        await fake.wait_for(lambda: fake.polls)
    assert {"chat_member", "chat_join_request", "callback_query"} <= set(fake.allowed_updates)


async def test_join_requests_invites_and_removal() -> None:
    async with fake_telegram() as fake:
        base_url, file_url = api_urls(fake.base_url)
        group, peer, stranger = (
            fake.group("Peers", supergroup=True),
            fake.user("Pat"),
            fake.user("Stray"),
        )
        async with Bot(fake.token, base_url=base_url, base_file_url=file_url) as bot:
            link = await bot.create_chat_invite_link(group.id, member_limit=1)
            fake.request_join(peer, group)
            fake.request_join(stranger, group)
            await bot.approve_chat_join_request(group.id, peer.id)
            await bot.decline_chat_join_request(group.id, stranger.id)
            joined = await bot.get_chat_member(group.id, peer.id)
            await bot.ban_chat_member(group.id, peer.id)
            banned = await bot.get_chat_member(group.id, peer.id)
            await bot.unban_chat_member(group.id, peer.id, only_if_banned=True)
            left = await bot.get_chat_member(group.id, peer.id)
            admins = await bot.get_chat_administrators(group.id)
            updates = await bot.get_updates(
                timeout=0, allowed_updates=["chat_member", "chat_join_request"]
            )
    assert link.invite_link.startswith("https://t.me/+") and link.member_limit == 1
    assert isinstance(joined, ChatMemberMember)
    assert isinstance(banned, ChatMemberBanned) and isinstance(left, ChatMemberLeft)
    assert [a.user.id for a in admins] == [bot.id]
    kinds = [_kind(u) for u in updates]
    assert kinds == ["join_request", "join_request", "member", "kicked", "left"]


def _kind(update: Update) -> str:
    if update.chat_join_request is not None:
        return "join_request"
    assert update.chat_member is not None
    return str(update.chat_member.new_chat_member.status)
