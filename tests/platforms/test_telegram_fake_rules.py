"""The fake Telegram refuses what the real server refuses, with the real server's words.

Driven through the real python-telegram-bot ``Bot``; the error text checked is what the fake
answered on the wire (``Call.error``), since python-telegram-bot rewords it ("Bad Request: x y"
becomes ``BadRequest("X y")``, lowercasing the rest). Rules about age use the fake's settable
clock, never the machine's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import (
    Bot,
    BotCommand,
    ChatMemberBanned,
    ChatMemberLeft,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.platforms.telegram.platform import api_urls
from tests.fakes.telegram_harness import fake_telegram
from tests.fakes.telegram_server import FakeTelegram


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with fake_telegram() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    base_url, file_url = api_urls(fake.base_url)
    async with Bot(fake.token, base_url=base_url, base_file_url=file_url) as real_bot:
        yield real_bot


def _answered(fake: FakeTelegram) -> str | None:
    """The error text of the last call the fake answered."""
    return fake.calls[-1].error


async def _refused(fake: FakeTelegram, bot: Bot, chat_id: int, html: str) -> str | None:
    with pytest.raises(BadRequest):
        await bot.send_message(chat_id, html, parse_mode=ParseMode.HTML)
    return _answered(fake)


# -- HTML ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("Hi <b", "can't parse entities: Unclosed start tag at byte offset 3"),
        ("<b>bold", "can't parse entities: Can't find end tag corresponding to start tag \"b\""),
        (
            "<b><i>x</b></i>",
            'can\'t parse entities: Unmatched end tag at byte offset 7, expected "</i>",'
            ' found "</b>"',
        ),
        ("x</b>", "can't parse entities: Unexpected end tag at byte offset 1"),
        ("<div>x</div>", 'can\'t parse entities: Unsupported start tag "div" at byte offset 0'),
        ("1 < 2", 'can\'t parse entities: Unsupported start tag "" at byte offset 2'),
        ("é <br/>", 'can\'t parse entities: Unsupported start tag "br/" at byte offset 3'),
        (
            '<span class="x">s</span>',
            'can\'t parse entities: Tag "span" must have class "tg-spoiler" at byte offset 0',
        ),
        ('<a href="x', "can't parse entities: Unclosed start tag at byte offset 0"),
        (
            "<tg-emoji emoji-id=abc>x</tg-emoji>",
            "can't parse entities: Invalid custom emoji identifier specified",
        ),
        (
            "salt & pepper",
            "can't parse entities: Unescaped '&' at byte offset 5; write it as &amp;",
        ),
        ("a&nbsp;b", "can't parse entities: Unescaped '&' at byte offset 1; write it as &amp;"),
        ("2 > 1", "can't parse entities: Unescaped '>' at byte offset 2; write it as &gt;"),
        ("<b></b>", "message text is empty"),
        ("<i> \n </i>", "message text is empty"),
    ],
)
async def test_html_that_telegram_refuses_is_refused_with_its_words(
    fake: FakeTelegram, bot: Bot, html: str, error: str
) -> None:
    user = fake.user()
    fake.say(user, "/start")
    assert await _refused(fake, bot, user.id, html) == f"Bad Request: {error}"


async def test_html_is_decoded_and_its_entities_counted_in_utf16(
    fake: FakeTelegram, bot: Bot
) -> None:
    user = fake.user()
    fake.say(user, "/start")
    html = (
        "<b>héllo</b> 👋 <i>x</i> &lt;&gt;&amp;&quot;&#39;&#x41; "
        '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler> '
        '<a href="https://example.org/a?b=1&amp;c=2">link</a> '
        '<pre><code class="language-python">p</code></pre> <code>c</code>'
        "<blockquote expandable>q</blockquote><blockquote>r</blockquote>"
        "<STRONG>B</STRONG><u>u</u><del>d</del>"
    )
    sent = await bot.send_message(user.id, html, parse_mode=ParseMode.HTML)
    assert sent.text == "héllo 👋 x <>&\"'A st link p cqrBud"
    found = [(e.type, e.offset, e.length) for e in sent.entities]
    assert found == [
        ("bold", 0, 5),
        ("italic", 9, 1),  # 👋 is two UTF-16 code units
        ("spoiler", 18, 1),
        ("spoiler", 19, 1),
        ("text_link", 21, 4),
        ("pre", 26, 1),
        ("code", 28, 1),
        ("expandable_blockquote", 29, 1),
        ("blockquote", 30, 1),
        ("bold", 31, 1),
        ("underline", 32, 1),
        ("strikethrough", 33, 1),
    ]
    assert sent.entities[4].url == "https://example.org/a?b=1&c=2"
    assert sent.entities[5].language == "python"
    assert sent.entities[6].language is None


async def test_an_edit_carries_edit_date_from_the_fake_clock(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user()
    fake.say(user, "/start")
    sent = await bot.send_message(user.id, "<b>one</b>", parse_mode=ParseMode.HTML)
    assert sent.edit_date is None
    fake.clock.advance(90)
    edited = await bot.edit_message_text(
        "<i>two</i>", chat_id=user.id, message_id=sent.message_id, parse_mode=ParseMode.HTML
    )
    assert not isinstance(edited, bool) and edited.edit_date is not None
    assert (edited.edit_date - sent.date).total_seconds() == 90
    assert [e.type for e in edited.entities] == ["italic"]


async def test_an_edit_to_empty_html_is_refused(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user()
    fake.say(user, "/start")
    sent = await bot.send_message(user.id, "one")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.edit_message_text(
            "<b></b>", chat_id=user.id, message_id=sent.message_id, parse_mode=ParseMode.HTML
        )


# -- chats ---------------------------------------------------------------------------------


async def test_unban_in_a_basic_group_is_refused_and_a_ban_there_removes(
    fake: FakeTelegram, bot: Bot
) -> None:
    group, peer = fake.group("Basic"), fake.user("Pat")
    fake.join(peer, group)
    await bot.ban_chat_member(group.id, peer.id)
    after_ban = await bot.get_chat_member(group.id, peer.id)
    with pytest.raises(BadRequest):
        await bot.unban_chat_member(group.id, peer.id, only_if_banned=True)
    assert _answered(fake) == (
        "Bad Request: method is available for supergroup and channel chats only"
    )
    assert isinstance(after_ban, ChatMemberLeft)


async def test_a_ban_in_a_supergroup_keeps_them_banned_until_unbanned(
    fake: FakeTelegram, bot: Bot
) -> None:
    group, peer = fake.group("Super", supergroup=True), fake.user("Pat")
    fake.join(peer, group)
    await bot.ban_chat_member(group.id, peer.id)
    banned = await bot.get_chat_member(group.id, peer.id)
    assert await bot.unban_chat_member(group.id, peer.id, only_if_banned=True)
    assert isinstance(banned, ChatMemberBanned)
    assert isinstance(await bot.get_chat_member(group.id, peer.id), ChatMemberLeft)


async def test_messages_older_than_48_hours_cannot_be_deleted(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user()
    fake.say(user, "/start")
    old = await bot.send_message(user.id, "old")
    fake.clock.advance(48 * 3600 + 1)
    fresh = await bot.send_message(user.id, "fresh")
    with pytest.raises(BadRequest):
        await bot.delete_message(user.id, old.message_id)
    assert _answered(fake) == "Bad Request: message can't be deleted"
    assert await bot.delete_message(user.id, fresh.message_id)


async def test_another_persons_message_needs_the_right_to_delete(
    fake: FakeTelegram, bot: Bot
) -> None:
    group, user = fake.group("No rights"), fake.user()
    group.bot_admin = False
    theirs = fake.say(user, "hello", group)["message"]["message_id"]
    own = await bot.send_message(group.id, "mine")
    with pytest.raises(BadRequest, match="Message can't be deleted"):
        await bot.delete_message(group.id, theirs)
    assert await bot.delete_message(group.id, own.message_id)
    group.bot_admin = True
    assert await bot.delete_message(group.id, theirs)


@pytest.mark.parametrize(
    ("command", "description", "error"),
    [
        ("Help", "What you can do", "BOT_COMMAND_INVALID"),
        ("hélp", "What you can do", "BOT_COMMAND_INVALID"),
        ("a-b", "What you can do", "BOT_COMMAND_INVALID"),
        ("x" * 33, "What you can do", "command length must not exceed 32"),
        ("help", " ", "command description must be non-empty"),
        ("help", "x" * 257, "command description length must not exceed 256"),
    ],
)
async def test_set_my_commands_refuses_invalid_names_and_descriptions(
    fake: FakeTelegram, bot: Bot, command: str, description: str, error: str
) -> None:
    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand("ok", "Fine"), BotCommand(command, description)])
    assert _answered(fake) == f"Bad Request: {error}"


async def test_set_my_commands_keeps_valid_ones(bot: Bot) -> None:
    assert await bot.set_my_commands([BotCommand("self_care2", "x" * 256), BotCommand("a", "b")])
    assert [c.command for c in await bot.get_my_commands()] == ["self_care2", "a"]


async def test_a_button_press_older_than_15_minutes_cannot_be_answered(
    fake: FakeTelegram, bot: Bot
) -> None:
    user = fake.user()
    fake.say(user, "/start")
    board = InlineKeyboardMarkup([[InlineKeyboardButton("Tap", callback_data="t")]])
    sent = await bot.send_message(user.id, "buttons", reply_markup=board)
    message = fake.world.messages[(user.id, sent.message_id)]
    late = fake.press(user, message)
    fake.clock.advance(15 * 60 + 1)
    fresh = fake.press(user, message)
    with pytest.raises(BadRequest):
        await bot.answer_callback_query(late)
    assert _answered(fake) == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )
    assert await bot.answer_callback_query(fresh)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(fresh)  # a second answer to the same press


async def test_a_link_to_a_known_person_is_a_mention(fake: FakeTelegram, bot: Bot) -> None:
    user, other = fake.user("Sam"), fake.user("Ren")
    fake.say(user, "/start")
    html = f'<a href="tg://user?id={other.id}">Ren</a> and <a href="tg://user?id=1">nobody</a>'
    sent = await bot.send_message(user.id, html, parse_mode=ParseMode.HTML)
    assert sent.text == "Ren and nobody"
    [mention] = sent.entities
    assert mention.type == "text_mention" and mention.user is not None
    assert (mention.offset, mention.length, mention.user.id) == (0, 3, other.id)
