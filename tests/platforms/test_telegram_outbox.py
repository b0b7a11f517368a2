"""The outbox delivering through the Telegram adapter while the fake Bot API misbehaves:
429s, 5xx, slow answers, blocked people, restarts. Nothing is lost and order is kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.core.model import Platform
from bot.core.replies import Attachment, Choice, Reply
from bot.outbox import Button, Destination, Op, OutgoingMessage, PermanentFailure
from bot.platforms.telegram.sending import BLOCKED, CANNOT_DELETE
from bot.service import Service
from bot.storage.database import Database
from bot.storage.outbox import NewItem, OutboxRepository
from tests.fakes.telegram_harness import fake_telegram, telegram_service, telegram_settings
from tests.fakes.telegram_server import Call


def group_dest(chat_id: int) -> Destination:
    return Destination(Platform.TELEGRAM, "chat", str(chat_id))


async def send_all(svc: Service, dest: Destination, texts: list[str]) -> list[int]:
    return [await svc.ctx.messenger.to_destination(dest, Reply(t)) for t in texts]


def first_success(calls: list[Call], chat_id: int) -> float:
    return min(
        c.at
        for c in calls
        if c.params.get("chat_id") == chat_id and c.status == 200 and c.method == "sendMessage"
    )


async def test_a_429_delays_only_its_own_destination(tmp_path: Path) -> None:
    async with fake_telegram() as fake:
        slow, other = fake.group("Slow"), fake.group("Other")
        fake.fail("sendMessage", 429, retry_after=1, chat_id=slow.id)
        async with telegram_service(telegram_settings(tmp_path, fake)) as (svc, _):
            await send_all(svc, group_dest(slow.id), ["a1", "a2", "a3"])
            await send_all(svc, group_dest(other.id), ["b1", "b2"])
            slow_got = await fake.wait_messages(slow.id, 3)
            other_got = await fake.wait_messages(other.id, 2)
            assert await svc.ctx.outbox.drain(timeout=5)
            failed = await svc.ctx.repo.outbox.failed()
    assert [m.plain for m in slow_got] == ["a1", "a2", "a3"]
    assert [m.plain for m in other_got] == ["b1", "b2"]
    to_slow = [c for c in fake.calls_of("sendMessage") if c.params["chat_id"] == slow.id]
    assert to_slow[0].status == 429
    # The other group was served while the slow one waited out its retry_after.
    last_other = max(c.at for c in fake.calls_of("sendMessage") if c.params["chat_id"] == other.id)
    assert last_other < first_success(fake.calls, slow.id)
    assert failed == []


async def test_server_errors_are_retried_in_order(tmp_path: Path) -> None:
    async with fake_telegram() as fake:
        group = fake.group()
        fake.fail("sendMessage", 500, chat_id=group.id)
        fake.fail("sendMessage", 502, chat_id=group.id)
        async with telegram_service(telegram_settings(tmp_path, fake)) as (svc, _):
            await send_all(svc, group_dest(group.id), ["one", "two", "three"])
            got = await fake.wait_messages(group.id, 3)
    assert [m.plain for m in got] == ["one", "two", "three"]
    assert fake.injected == 2


async def test_a_request_that_times_out_is_sent_again(tmp_path: Path) -> None:
    async with fake_telegram() as fake:
        group = fake.group()
        fake.delay("sendMessage", 1.5)
        settings = telegram_settings(tmp_path, fake)
        async with telegram_service(settings, read_timeout=0.5) as (svc, _):
            await send_all(svc, group_dest(group.id), ["still here"])
            await fake.wait_for(lambda: len(fake.messages_to(group.id)) >= 2)
            assert await svc.ctx.outbox.drain(timeout=5)
    # At least once: the slow first try landed late, and the retry after the timeout too.
    assert {m.plain for m in fake.messages_to(group.id)} == {"still here"}


async def test_messages_queued_at_shutdown_go_out_after_a_restart(tmp_path: Path) -> None:
    async with fake_telegram() as fake:
        group = fake.group()
        settings = telegram_settings(tmp_path, fake)
        fake.fail("sendMessage", 500, chat_id=group.id, times=1000)
        async with telegram_service(settings) as (svc, _):
            await send_all(svc, group_dest(group.id), ["first", "second", "third"])
            await fake.wait_for(lambda: fake.injected >= 1)
        fake.clear_failures()
        assert fake.messages_to(group.id) == []
        async with telegram_service(settings):
            got = await fake.wait_messages(group.id, 3)
    assert [m.plain for m in got] == ["first", "second", "third"]


async def test_buttons_keep_working_after_a_restart(tmp_path: Path) -> None:
    async with fake_telegram() as fake:
        user = fake.user("Dee")
        settings = telegram_settings(tmp_path, fake)
        async with telegram_service(settings):
            fake.say(user, "/crisis")
            [card] = await fake.wait_messages(user.id)
        async with telegram_service(settings):
            fake.press(user, card, "Substance use & overdose")
            answer = (await fake.wait_messages(user.id, 2))[1]
    assert "expired" not in answer.plain
    assert "overdose" in answer.plain.lower()


async def test_a_blocked_person_is_marked_failed_with_the_reason(tmp_path: Path) -> None:
    async with fake_telegram() as fake:
        user = fake.user("Sol")
        fake.say(user, "hi")  # opened the chat once...
        fake.block(user)  # ...then blocked the bot
        async with telegram_service(telegram_settings(tmp_path, fake)) as (svc, _):
            dest = Destination(Platform.TELEGRAM, "user", str(user.id))
            outbox_id = await svc.ctx.messenger.to_destination(dest, Reply("A gentle prompt."))
            [report] = await svc.ctx.outbox.settled([outbox_id], timeout=10)
            failed = await svc.ctx.repo.outbox.failed()
    assert not report.delivered and report.error == BLOCKED
    assert [(f["destination"], f["error"]) for f in failed] == [(str(dest), BLOCKED)]


async def test_long_text_is_split_with_buttons_on_the_last_part(tmp_path: Path) -> None:
    paragraph = "Breathe in for four, hold for four, out for four. " * 30
    text = "\n\n".join([paragraph] * 4)  # about 6,000 characters
    async with fake_telegram() as fake:
        group = fake.group()
        async with telegram_service(telegram_settings(tmp_path, fake)) as (svc, _):
            reply = Reply.with_choices(text, [Choice("More", "help.show")])
            await svc.ctx.messenger.to_destination(group_dest(group.id), reply)
            parts = await fake.wait_messages(group.id, 2)
    assert all(len(p.plain) <= 4096 for p in parts)
    assert [bool(p.buttons) for p in parts] == [False, True]
    assert " ".join(" ".join(p.plain for p in parts).split()) == " ".join(text.split())


async def test_a_file_goes_as_a_document_with_its_caption_or_after_long_text(
    tmp_path: Path,
) -> None:
    ics = Attachment("training.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    async with fake_telegram() as fake:
        group = fake.group()
        async with telegram_service(telegram_settings(tmp_path, fake)) as (svc, _):
            dest = group_dest(group.id)
            await svc.ctx.outbox.enqueue(dest, OutgoingMessage("Your calendar file.", (), ics))
            long_text = "Details of the session. " * 60  # over 1024: too long for a caption
            buttons = ((Button("Open", url="https://example.org/t"),),)
            await svc.ctx.outbox.enqueue(dest, OutgoingMessage(long_text, buttons, ics))
            sent = await fake.wait_messages(group.id, 3)
    short, text_part, document = sent
    assert short.plain == "Your calendar file." and short.document is not None
    assert short.document_data.startswith(b"BEGIN:VCALENDAR")
    assert text_part.document is None and text_part.plain.startswith("Details")
    assert document.document is not None and document.plain == ""
    assert document.buttons == [{"text": "Open", "url": "https://example.org/t"}]


async def test_edits_and_deletes(tmp_path: Path) -> None:
    async with fake_telegram() as fake:
        group = fake.group()
        async with telegram_service(telegram_settings(tmp_path, fake)) as (svc, _):
            dest = group_dest(group.id)
            outbox = svc.ctx.outbox
            first = await outbox.enqueue(dest, OutgoingMessage("Draft"))
            [sent] = await outbox.settled([first], timeout=10)
            target = sent.message_ids[0]
            edits = [OutgoingMessage("Final", op=Op.EDIT, target_id=target)] * 2
            ids = await outbox.enqueue_many([NewItem(dest, m) for m in edits])
            reports = await outbox.settled(ids, timeout=10)
            message = fake.world.messages[(group.id, int(target))]
            assert message.plain == "Final"
            gone = await outbox.enqueue(dest, OutgoingMessage("", op=Op.DELETE, target_id=target))
            [deleted] = await outbox.settled([gone], timeout=10)
    # The second edit changed nothing: Telegram says "not modified", which is success.
    assert [r.delivered for r in reports] == [True, True]
    assert [c.status for c in fake.calls_of("editMessageText")] == [200, 400]
    assert deleted.delivered and (group.id, int(target)) not in fake.world.messages


async def test_pressing_a_button_that_replaces_its_message_edits_it(tmp_path: Path) -> None:
    async with fake_telegram() as fake:
        user = fake.user("Noor")
        settings = telegram_settings(tmp_path, fake, stewards=f"telegram:{user.id}")
        async with telegram_service(settings):
            fake.say(user, "/settings")
            [message] = await fake.wait_messages(user.id)
            fake.press(user, message, "Quiet hours")
            await fake.wait_for(lambda: fake.calls_of("editMessageText"))
    [edit] = fake.calls_of("editMessageText")
    assert edit.params["message_id"] == message.message_id and edit.status == 200
    assert len(fake.messages_to(user.id)) == 1  # changed in place, not sent again
    assert any(b["text"] == "22:00–07:00" for b in message.buttons)


async def test_deleting_a_message_older_than_48_hours_fails_once_with_a_plain_reason(
    tmp_path: Path,
) -> None:
    async with fake_telegram() as fake:
        group = fake.group()
        dest = group_dest(group.id)
        async with telegram_service(telegram_settings(tmp_path, fake)) as (svc, platform):
            await send_all(svc, dest, ["old news"])
            [old] = await fake.wait_messages(group.id)
            fake.clock.advance(48 * 3600 + 60)
            await send_all(svc, dest, ["fresh"])
            fresh_id = str((await fake.wait_messages(group.id, 2))[1].message_id)
            await platform.deliver(dest, OutgoingMessage("", op=Op.DELETE, target_id=fresh_id))
            with pytest.raises(PermanentFailure) as refused:
                delete = OutgoingMessage("", op=Op.DELETE, target_id=str(old.message_id))
                await platform.deliver(dest, delete)
    assert str(refused.value) == CANNOT_DELETE
    assert [c.status for c in fake.calls_of("deleteMessage")] == [200, 400]


def crash_copy(live: Path, into: Path) -> Path:
    """The database as a ``kill -9`` at this instant would leave it: the files copied with no
    clean stop (the WAL first, so a checkpoint running meanwhile cannot tear the copy)."""
    into.mkdir()
    for suffix in ("-wal", ""):
        source = live.with_name(live.name + suffix)
        if source.exists():
            shutil.copyfile(source, into / (live.name + suffix))
    return into / live.name


async def test_a_crash_right_after_a_delivery_does_not_send_it_again(tmp_path: Path) -> None:
    """Regression (issue 12's benchmark): delivered rows were deleted every 0.2 s, so a
    ``kill -9`` resent everything delivered in the last 0.2 s. Once the outbox reports a
    message delivered, a crash at that instant must leave nothing queued to send again."""
    async with fake_telegram() as fake:
        person = fake.user()
        fake.world.started.add(person.id)
        settings = telegram_settings(tmp_path / "live", fake)
        dest = Destination(Platform.TELEGRAM, "user", str(person.id))
        async with telegram_service(settings) as (svc, _):
            ids = await send_all(svc, dest, ["made it through the night shift"])
            ids += await send_all(svc, group_dest(fake.group().id), ["see you all Thursday"])
            reports = await svc.ctx.outbox.settled(ids, timeout=30)
            crashed = crash_copy(settings.database_path, tmp_path / "after-crash")
            assert [r.delivered for r in reports] == [True, True]
            db = await Database.open(crashed)
            try:
                resent_after_restart = await OutboxRepository(db).queued()
            finally:
                await db.close()
    assert resent_after_restart == []
    assert [m.plain for m in fake.messages_to(person.id)] == ["made it through the night shift"]
