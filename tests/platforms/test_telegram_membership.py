"""Membership on Telegram through the real python-telegram-bot and the fake Bot API: joining by
deep link, join requests approved for members only, flags about accounts that are not members,
the audit, and pointing at a person by replying to them."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.core.model import AccountRef, Platform, Role
from bot.service import Service
from tests.fakes.telegram_harness import fake_telegram, telegram_service, telegram_settings
from tests.fakes.telegram_server import FakeTelegram
from tests.fakes.telegram_world import BOT_USERNAME, BotMessage, Chat, User

CODE = re.compile(r"\b([A-Z2-9]{5}-[A-Z2-9]{5})\b")
DEEP_LINK = re.compile(rf"https://t\.me/{BOT_USERNAME}\?start=(\w+)")


@asynccontextmanager
async def network(tmp_path: Path) -> AsyncIterator[tuple[FakeTelegram, Service, User, Chat]]:
    """A running service with one steward and one registered peer group."""
    async with fake_telegram() as fake:
        steward, group = fake.user("Steward"), fake.group("Night shift peers", supergroup=True)
        settings = telegram_settings(tmp_path, fake, stewards=f"telegram:{steward.id}")
        async with telegram_service(settings) as (svc, _):
            fake.say(steward, "/start")
            await fake.wait_messages(steward.id)
            fake.say(steward, "/space add", group)
            await fake.wait_for(lambda: any("peer space" in m.plain for m in mine(fake, steward)))
            yield fake, svc, steward, group


def telegram(user: User) -> AccountRef:
    return AccountRef(Platform.TELEGRAM, str(user.id))


def mine(fake: FakeTelegram, user: User) -> list[BotMessage]:
    return fake.messages_to(user.id)


async def said(fake: FakeTelegram, user: User, words: str) -> BotMessage:
    """The bot's message to ``user`` containing ``words`` (as sent, or as later edited)."""
    return await fake.wait_for(
        lambda: next((m for m in mine(fake, user) if words in m.plain), None)
    )


async def join(fake: FakeTelegram, steward: User, newcomer: User) -> BotMessage:
    """The steward invites; the newcomer follows the deep link and taps I agree."""
    fake.say(steward, "/invite")
    invite = await said(fake, steward, "/join")
    code = CODE.search(invite.plain)
    link = DEEP_LINK.search(invite.plain)
    assert code is not None and link is not None
    assert link.group(1) == code.group(1).replace("-", "")
    fake.say(newcomer, f"/start {link.group(1)}")  # what tapping the deep link sends
    agreements = await said(fake, newcomer, "Our community agreements")
    fake.press(newcomer, agreements, "I agree")
    await fake.wait_for(lambda: "You're a member now" in agreements.plain)
    return agreements


async def test_a_deep_link_joins_and_the_join_request_is_approved(tmp_path: Path) -> None:
    async with network(tmp_path) as (fake, svc, steward, group):
        nia = fake.user("Nia")
        welcome = await join(fake, steward, nia)
        [button] = [b for b in welcome.buttons if "url" in b]
        fake.follow(nia, button["url"])
        await fake.wait_for(lambda: group.members.get(nia.id) == "member")
        person = await svc.ctx.repo.people.by_account(telegram(nia))
    assert "Night shift peers (Telegram): tap the button to ask to join" in welcome.plain
    assert button["text"] == "Join Night shift peers"
    link = fake.world.invite_links[button["url"]]
    assert link["creates_join_request"] and link["expire_date"] and link["chat_id"] == group.id
    assert [c.params["user_id"] for c in fake.calls_of("approveChatJoinRequest")] == [nia.id]
    assert person is not None and person.is_member


async def test_someone_who_is_not_a_member_gets_no_way_in(tmp_path: Path) -> None:
    async with network(tmp_path) as (fake, _, _, group):
        stranger = fake.user("Stranger")
        fake.say(stranger, "/join K7QP2-XWM9A")
        refused = await said(fake, stranger, "I don't recognise that code")
        fake.request_join(stranger, group)
        await fake.wait_for(lambda: fake.calls_of("declineChatJoinRequest"))
    assert refused.buttons == []
    assert stranger.id not in group.members and not group.join_requests
    assert fake.calls_of("createChatInviteLink") == []
    assert fake.calls_of("approveChatJoinRequest") == []


async def test_an_unverified_account_posting_is_flagged_and_removed_with_a_tap(
    tmp_path: Path,
) -> None:
    async with network(tmp_path) as (fake, svc, steward, group):
        lurker = fake.user("Lurker")
        group.members[lurker.id] = "member"  # was in the group before it became a peer space
        fake.say(lurker, "my private story, never to be copied", group)
        flag = await said(fake, steward, "isn't a verified member")
        fake.say(lurker, "a second message", group)
        fake.press(steward, flag, "Remove from the space")
        await fake.wait_for(lambda: group.members.get(lurker.id) == "left")
        spaces = svc.ctx.repo.spaces
        verified = await spaces.is_verified_for_space(
            Platform.TELEGRAM, str(group.id), telegram(lurker)
        )
    flags = [m for m in mine(fake, steward) if "isn't a verified member" in m.plain]
    assert len(flags) == 1  # once, not once per message
    assert "Night shift peers (Telegram)" in flag.plain
    assert f'href="tg://user?id={lurker.id}"' in (flag.text or "")
    assert "private story" not in (flag.text or "")
    bans = [c.method for c in fake.calls if c.method in ("banChatMember", "unbanChatMember")]
    assert bans == ["banChatMember", "unbanChatMember"]
    assert not verified


async def test_the_audit_finds_a_public_group_and_fixes_what_it_can(tmp_path: Path) -> None:
    async with network(tmp_path) as (fake, _, steward, group):
        group.username = "nightshiftpeers"
        guest = fake.user("Guest")
        fake.join(guest, group)  # an admin added them by hand
        await said(fake, steward, "isn't a verified member")
        fake.say(steward, "/audit")
        audit = await said(fake, steward, "I checked 1 peer space")
        labels = [b["text"] for b in audit.buttons]
        fake.press(steward, audit, "Fix 2")
        await fake.wait_for(lambda: group.members.get(guest.id) == "left")
    assert "1. Night shift peers (Telegram) has a public link" in audit.plain
    assert "2. account" in audit.plain and "is in Night shift peers" in audit.plain
    assert labels == ["Fix 2"]  # a public username can only be changed in Telegram itself


async def test_a_steward_points_at_a_member_by_replying_to_them(tmp_path: Path) -> None:
    async with network(tmp_path) as (fake, svc, steward, group):
        ivy = fake.user("Ivy")
        await join(fake, steward, ivy)
        hello = fake.say(ivy, "hello everyone", group)
        fake.say(steward, "/role mentor", group, reply_to=hello)
        await said(fake, steward, "is now a mentor")
        person = await svc.ctx.repo.people.by_account(telegram(ivy))
    assert person is not None and person.has(Role.MENTOR)


async def test_a_peer_group_that_becomes_a_supergroup_stays_a_peer_space(tmp_path: Path) -> None:
    async with fake_telegram() as fake:
        steward, group = fake.user("Steward"), fake.group("Day peers")
        settings = telegram_settings(tmp_path, fake, stewards=f"telegram:{steward.id}")
        async with telegram_service(settings) as (svc, _):
            fake.say(steward, "/start")
            await fake.wait_messages(steward.id)
            fake.say(steward, "/space add", group)
            await said(fake, steward, "is now a peer space")
            supergroup = fake.upgrade(group, steward)
            for _ in range(200):  # the move reaches the features in the background
                if await svc.ctx.repo.spaces.get(Platform.TELEGRAM, str(supergroup.id)):
                    break
                await asyncio.sleep(0.05)
            spaces = await svc.ctx.repo.spaces.all()
    assert [(s.chat_id, s.place_id) for s in spaces] == [(str(supergroup.id), str(supergroup.id))]


async def test_removal_in_a_basic_group_is_reported_to_the_steward_as_done(
    tmp_path: Path,
) -> None:
    """The fault: the bot banned, then unbanned; Telegram refuses an unban in a basic group,
    so the steward was told the removal failed although the person was out."""
    async with fake_telegram() as fake:
        steward, group = fake.user("Steward"), fake.group("Day peers")  # a basic group
        settings = telegram_settings(tmp_path, fake, stewards=f"telegram:{steward.id}")
        async with telegram_service(settings):
            fake.say(steward, "/start")
            await fake.wait_messages(steward.id)
            fake.say(steward, "/space add", group)
            await said(fake, steward, "is now a peer space")
            lurker = fake.user("Lurker")
            group.members[lurker.id] = "member"
            fake.say(lurker, "hello", group)
            flag = await said(fake, steward, "isn't a verified member")
            fake.press(steward, flag, "Remove from the space")
            done = await said(fake, steward, "They're out of")
    assert group.members[lurker.id] == "left"
    assert "didn't work" not in done.plain
    assert not any("didn't work" in m.plain for m in mine(fake, steward))
