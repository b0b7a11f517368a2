"""Commands, buttons, deep links, groups and supergroups on Telegram, through the real
python-telegram-bot and the fake Bot API."""

from __future__ import annotations

from pathlib import Path

import handlers
from bot.content.sources import TEXTS
from bot.core import markup
from bot.core.commands import Access, Command, Option, Router, Scope
from bot.core.context import Context, Request
from bot.core.events import ChatMoved
from bot.core.model import Platform
from bot.core.replies import Replies, Reply
from bot.outbox import Destination
from tests.fakes.telegram_harness import fake_telegram, telegram_service, telegram_settings
from tests.fakes.telegram_world import BOT_USERNAME


async def test_every_command_in_the_registry_is_answered(tmp_path: Path) -> None:
    names = [cmd.name for router in handlers.ROUTERS for cmd in router.commands]
    async with fake_telegram() as fake:
        # One steward per command, each in their own private chat, so answers arrive in
        # parallel instead of one per second.
        people = {name: fake.user(f"Steward {name}") for name in names}
        stewards = ",".join(f"telegram:{u.id}" for u in people.values())
        settings = telegram_settings(tmp_path, fake, stewards=stewards)
        async with telegram_service(settings) as (svc, _):
            texts = svc.ctx.content[TEXTS]
            for name, user in people.items():
                fake.say(user, f"/{name}")

            def all_answered() -> bool:
                return all(
                    any(m.plain.strip() for m in fake.messages_to(u.id)) for u in people.values()
                )

            await fake.wait_for(all_answered, timeout=30)
    broken = texts("core.error", code="").split("{")[0][:40]
    for name, user in people.items():
        answer = fake.messages_to(user.id)[0].plain
        assert not answer.startswith(f"I don't know /{name}"), name
        assert not answer.startswith(broken), f"/{name} failed: {answer}"


async def test_a_button_press_comes_back_answered(tmp_path: Path) -> None:
    async with fake_telegram() as fake:
        user = fake.user("Robin")
        async with telegram_service(telegram_settings(tmp_path, fake)):
            fake.say(user, "/crisis")
            [card] = await fake.wait_messages(user.id)
            assert "9-8-8" in card.plain
            assert all(b["callback_data"].startswith("pc:") for b in card.buttons)
            query = fake.press(user, card, "Indigenous-led")
            answer = (await fake.wait_messages(user.id, 2))[1]
            await fake.wait_for(lambda: fake.calls_of("answerCallbackQuery"))
    assert "Hope for Wellness" in answer.plain
    assert fake.calls_of("answerCallbackQuery")[0].params["callback_query_id"] == query


async def test_a_button_press_too_old_to_answer_still_does_what_it_says(tmp_path: Path) -> None:
    """Telegram refuses to answer a press older than about 15 minutes (the bot was away);
    the person still gets what the button is for, and the service carries on."""
    async with fake_telegram() as fake:
        user = fake.user("Robin")
        async with telegram_service(telegram_settings(tmp_path, fake)):
            fake.say(user, "/crisis")
            [card] = await fake.wait_messages(user.id)
            fake.press(user, card, "Indigenous-led")
            fake.clock.advance(16 * 60)  # before the bot can fetch the press
            answer = (await fake.wait_messages(user.id, 2))[1]
            await fake.wait_for(lambda: fake.calls_of("answerCallbackQuery"))
            fake.say(user, "/crisis")
            await fake.wait_messages(user.id, 3)
    assert "Hope for Wellness" in answer.plain
    assert [c.status for c in fake.calls_of("answerCallbackQuery")] == [400]


async def test_the_command_menu_is_set_per_scope_without_steward_tools(tmp_path: Path) -> None:
    extra = Router("menutest")

    async def noop(ctx: Context, req: Request) -> Replies:
        return Reply("ok")

    extra.command(Command("onlyhere", "Private only", noop, scope=Scope.PRIVATE))
    extra.command(Command("inspace", "Space only", noop, scope=Scope.SPACE))
    extra.command(Command("secret", "Steward tool", noop, access=Access.STEWARD))
    routers = (*handlers.ROUTERS, extra)
    async with fake_telegram() as fake:
        settings = telegram_settings(tmp_path, fake)
        async with telegram_service(settings, routers=routers) as (svc, _):
            registry = svc.ctx.registry
    calls = fake.calls_of("setMyCommands")
    menus = {c.params["scope"]["type"]: c.params["commands"] for c in calls}
    private = [c["command"] for c in menus["all_private_chats"]]
    groups = [c["command"] for c in menus["all_group_chats"]]
    assert "onlyhere" in private and "onlyhere" not in groups
    assert "inspace" in groups and "inspace" not in private
    assert "secret" not in private + groups
    assert "crisis" in private and "crisis" in groups
    visible = [c for c in registry.commands.values() if c.access is not Access.STEWARD]
    assert set(private) == {c.name for c in visible if c.scope is not Scope.SPACE}


async def test_commands_for_another_bot_in_a_group_are_left_alone(tmp_path: Path) -> None:
    async with fake_telegram() as fake:
        user, group = fake.user("Kai"), fake.group()
        async with telegram_service(telegram_settings(tmp_path, fake)):
            fake.say(user, "/crisis@SomeOtherBot", group)
            fake.say(user, f"/crisis@{BOT_USERNAME}", group)
            await fake.wait_messages(group.id)
            fake.say(user, "/crisis", group)
            await fake.wait_messages(group.id, 2)
    assert len(fake.messages_to(group.id)) == 2


async def test_a_deep_link_payload_arrives_as_the_start_argument(tmp_path: Path) -> None:
    echo = Router("start")

    async def start(ctx: Context, req: Request) -> Replies:
        return Reply(f"code={req.args.get('code')}")

    echo.command(
        Command("start", "Start", start, options=(Option("code", "c"),), access=Access.ANYONE)
    )
    routers = [r for r in handlers.ROUTERS if r.name != "start"] + [echo]
    async with fake_telegram() as fake:
        ana, bo = fake.user("Ana"), fake.user("Bo")
        async with telegram_service(telegram_settings(tmp_path, fake), routers=routers):
            fake.say(ana, "/start K7QP2XWM")
            fake.say(bo, "/start from_group")  # the bot's own "open a chat" link
            [to_ana] = await fake.wait_messages(ana.id)
            [to_bo] = await fake.wait_messages(bo.id)
    assert to_ana.plain == "code=K7QP2XWM"
    assert to_bo.plain == "code=None"


async def test_plain_text_in_a_private_chat_points_to_help(tmp_path: Path) -> None:
    async with fake_telegram() as fake:
        user = fake.user("Lee")
        async with telegram_service(telegram_settings(tmp_path, fake)) as (svc, _):
            fake.say(user, "hello, is anyone there?")
            [hint] = await fake.wait_messages(user.id)
            expected = svc.ctx.text("crisis.not_command")
    assert hint.plain == expected


async def test_a_personal_answer_to_a_group_command_goes_to_the_private_chat(
    tmp_path: Path,
) -> None:
    async with fake_telegram() as fake:
        user, group = fake.user("Jo"), fake.group()
        async with telegram_service(telegram_settings(tmp_path, fake)):
            fake.say(user, "hi")  # Jo has opened a private chat with the bot
            await fake.wait_messages(user.id)
            fake.say(user, "/help", group)
            private = await fake.wait_messages(user.id, 2)
    assert "/crisis" in private[1].plain
    assert fake.messages_to(group.id) == []


async def test_someone_who_never_opened_a_private_chat_is_pointed_there_in_the_group(
    tmp_path: Path,
) -> None:
    async with fake_telegram() as fake:
        user, group = fake.user("Mo"), fake.group()
        async with telegram_service(telegram_settings(tmp_path, fake)) as (svc, _):
            fake.say(user, "/help", group)
            [note] = await fake.wait_messages(group.id)
            failed = await svc.ctx.repo.outbox.failed()
            # Following the button opens the chat; /start then answers privately.
            [button] = note.buttons
            payload = button["url"].split("?start=")[1]
            fake.say(user, f"/start {payload}")
            [welcome] = await fake.wait_messages(user.id)
            expected = svc.ctx.text("start.welcome", network=svc.ctx.settings.network_name)
    assert button["url"] == f"https://t.me/{BOT_USERNAME}?start=from_group"
    assert f'href="tg://user?id={user.id}"' in (note.text or "")
    assert "opened a chat with me" in note.plain
    assert [f["destination"] for f in failed] == [f"telegram:user:{user.id}"]
    assert welcome.plain == markup.render(expected, markup.render_plain).strip()


def move_watcher() -> tuple[Router, list[ChatMoved]]:
    """A feature that only records the ChatMoved events it is told about."""
    moves: list[ChatMoved] = []
    watcher = Router("movetest")

    @watcher.on_chat_moved
    async def moved(ctx: Context, event: ChatMoved) -> None:
        moves.append(event)

    return watcher, moves


async def test_a_group_upgraded_to_a_supergroup_keeps_working(tmp_path: Path) -> None:
    watcher, moves = move_watcher()
    async with fake_telegram() as fake:
        user, group = fake.user("Ari"), fake.group("Night shift peers")
        routers = (*handlers.ROUTERS, watcher)
        settings = telegram_settings(tmp_path, fake)
        async with telegram_service(settings, routers=routers) as (svc, _):
            supergroup = fake.upgrade(group, user)
            await fake.wait_for(lambda: moves)
            # Something still addressed to the old group id reaches the supergroup.
            old = Destination(Platform.TELEGRAM, "chat", str(group.id))
            await svc.ctx.messenger.to_destination(old, Reply("Group check-in at noon."))
            fake.say(user, "/crisis", supergroup)
            arrived = await fake.wait_messages(supergroup.id, 2)
    assert moves == [ChatMoved(Platform.TELEGRAM, str(group.id), str(supergroup.id))]
    texts = [m.plain for m in arrived]
    assert "Group check-in at noon." in texts and any("9-8-8" in t for t in texts)
    assert fake.messages_to(group.id) == []


async def test_an_upgrade_the_bot_missed_is_learnt_from_the_refused_send(tmp_path: Path) -> None:
    watcher, moves = move_watcher()
    async with fake_telegram() as fake:
        user, group = fake.user("Ari"), fake.group()
        routers = (*handlers.ROUTERS, watcher)
        settings = telegram_settings(tmp_path, fake)
        async with telegram_service(settings, routers=routers) as (svc, _):
            supergroup = fake.upgrade(group, user, announce=False)
            old = Destination(Platform.TELEGRAM, "chat", str(group.id))
            for text in ("First.", "Second."):
                await svc.ctx.messenger.to_destination(old, Reply(text))
            arrived = await fake.wait_messages(supergroup.id, 2)
            await fake.wait_for(lambda: moves)
    assert [m.plain for m in arrived] == ["First.", "Second."]
    assert moves == [ChatMoved(Platform.TELEGRAM, str(group.id), str(supergroup.id))]
    refused = [c for c in fake.calls_of("sendMessage") if c.status == 400]
    assert len(refused) == 1  # after the first refusal it goes straight to the new id
