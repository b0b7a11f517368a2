"""Telegram entities → RichText → Telegram HTML parts: offsets, nesting, limits, mentions."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser

from telegram import Chat, Message, MessageEntity, User

from bot.core.model import AccountRef, Platform
from bot.core.richtext import RichText, Span, Style
from bot.platforms.telegram.relay_format import (
    CAPTION_LIMIT,
    WORD_JOINER,
    from_message,
    html_parts,
    plain_parts,
    render,
    utf16_len,
)

SAM = User(id=4242, first_name="Sam", is_bot=False)


def _message(text: str, *entities: MessageEntity, caption: bool = False) -> Message:
    chat = Chat(id=-100, type=Chat.GROUP)
    when = datetime(2026, 1, 1, tzinfo=UTC)
    if caption:
        return Message(1, when, chat, caption=text, caption_entities=entities)
    return Message(1, when, chat, text=text, entities=entities)


def _e(kind: str, offset: int, length: int, **extra: object) -> MessageEntity:
    return MessageEntity(kind, offset, length, **extra)  # type: ignore[arg-type]


def _styled(rich: RichText) -> list[tuple[Style, str]]:
    return [(s.style, rich.text[s.start : s.end]) for s in rich.spans]


class _Visible(HTMLParser):
    """What Telegram shows of an HTML message: the text between the tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""

    def handle_data(self, data: str) -> None:
        self.text += data


def visible(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return parser.text


# -- reading ------------------------------------------------------------------------------------


def test_astral_characters_before_an_entity_do_not_shift_it() -> None:
    # 😀 and 𝄞 are two UTF-16 units each: Telegram's offsets count them twice.
    text = "😀𝄞 bold then italic"
    msg = _message(text, _e("bold", 5, 4), _e("italic", 15, 6))
    assert _styled(from_message(msg)) == [(Style.BOLD, "bold"), (Style.ITALIC, "italic")]


def test_nested_entities_and_an_entity_at_the_very_end() -> None:
    text = "all bold, part italic"
    msg = _message(text, _e("bold", 0, 21), _e("italic", 10, 11), _e("underline", 15, 6))
    assert _styled(from_message(msg)) == [
        (Style.BOLD, text),
        (Style.ITALIC, "part italic"),
        (Style.UNDERLINE, "italic"),
    ]


def test_every_kind_of_formatting_is_read() -> None:
    text = "s u sp c code site https://a.example q more @sam Sam"
    msg = _message(
        text,
        _e("strikethrough", 0, 1),
        _e("underline", 2, 1),
        _e("spoiler", 4, 2),
        _e("code", 7, 1),
        _e("pre", 9, 4, language="python"),
        _e("text_link", 14, 4, url="https://site.example/"),
        _e("url", 19, 17),
        _e("blockquote", 37, 1),
        _e("expandable_blockquote", 39, 4),
        _e("mention", 44, 4),
        _e("text_mention", 49, 3, user=SAM),
        _e("hashtag", 0, 1),
    )
    rich = from_message(msg)
    assert _styled(rich) == [
        (Style.STRIKE, "s"),
        (Style.UNDERLINE, "u"),
        (Style.SPOILER, "sp"),
        (Style.CODE, "c"),
        (Style.PRE, "code"),
        (Style.LINK, "site"),
        (Style.LINK, "https://a.example"),
        (Style.QUOTE, "q"),
        (Style.QUOTE, "more"),
        (Style.MENTION, "@sam"),
        (Style.MENTION, "Sam"),
    ]
    by_text = {rich.text[s.start : s.end]: s for s in rich.spans}
    assert by_text["code"].language == "python"
    assert by_text["site"].url == "https://site.example/"
    assert by_text["https://a.example"].url == "https://a.example"
    assert by_text["Sam"].account == AccountRef(Platform.TELEGRAM, "4242")
    assert by_text["@sam"].account is None


def test_a_caption_is_read_like_text() -> None:
    msg = _message("look 👀 here", _e("italic", 8, 4), caption=True)
    assert _styled(from_message(msg)) == [(Style.ITALIC, "here")]


def test_an_entity_off_the_end_of_the_text_is_ignored_not_fatal() -> None:
    msg = _message("short", _e("bold", 3, 40))
    assert from_message(msg) == RichText("short")


# -- writing ------------------------------------------------------------------------------------


def test_html_nests_tags_and_escapes_text() -> None:
    rich = RichText(
        "a <b> & c\nprint(1)\nquoted",
        (
            Span(Style.BOLD, 0, 9),
            Span(Style.ITALIC, 2, 5),
            Span(Style.PRE, 10, 18, language="python"),
            Span(Style.QUOTE, 19, 25),
        ),
    )
    assert render(rich).html == (
        "<b>a <i>&lt;b&gt;</i> &amp; c</b>\n"
        '<pre><code class="language-python">print(1)</code></pre>\n'
        "<blockquote>quoted</blockquote>"
    )


def test_links_spoilers_and_nothing_inside_code() -> None:
    rich = RichText(
        "docs https://x.example secret `x`",
        (
            Span(Style.LINK, 0, 4, url="https://docs.example/?a=1&b=2"),
            Span(Style.LINK, 5, 22, url="https://x.example"),
            Span(Style.SPOILER, 23, 29),
            Span(Style.CODE, 30, 33),
            Span(Style.BOLD, 31, 32),
            Span(Style.LINK, 23, 29, url="javascript:alert(1)"),
        ),
    )
    assert render(rich).html == (
        '<a href="https://docs.example/?a=1&amp;b=2">docs</a> https://x.example '
        "<tg-spoiler>secret</tg-spoiler> <code>`x`</code>"
    )


def test_everyone_here_and_usernames_never_ping_on_telegram() -> None:
    out = render(RichText("@everyone @here ask @sam, mail a@b.org"))
    assert out.visible == (
        f"@{WORD_JOINER}everyone @{WORD_JOINER}here ask @{WORD_JOINER}sam, mail a@b.org"
    )


def test_addresses_and_code_keep_their_at_signs() -> None:
    url = "https://social.example/@peer_support"
    rich = RichText(
        f"{url} and @here ok",
        (Span(Style.LINK, 0, len(url), url=url), Span(Style.CODE, len(url) + 5, len(url) + 10)),
    )
    assert render(rich).visible == f"{url} and @here ok"


def test_a_linked_person_is_mentioned_and_anyone_else_is_their_name() -> None:
    linked = AccountRef(Platform.DISCORD, "111")
    other = AccountRef(Platform.DISCORD, "222")
    rich = RichText(
        "hi @Robin and @Alex",
        (Span(Style.MENTION, 3, 9, account=linked), Span(Style.MENTION, 14, 19, account=other)),
    )

    def resolve(who: AccountRef) -> AccountRef | None:
        return AccountRef(Platform.TELEGRAM, "777") if who == linked else None

    [html] = html_parts(rich, resolve=resolve)
    assert html == 'hi <a href="tg://user?id=777">Robin</a> and Alex'
    assert plain_parts(rich, resolve=resolve) == ["hi Robin and Alex"]


def test_a_long_message_splits_within_4096_utf16_units_keeping_formatting() -> None:
    line = "😀 emoji count twice " + "word " * 30
    text = "\n".join(line for _ in range(80))
    rich = RichText(text, (Span(Style.BOLD, 0, len(text)),))
    parts = html_parts(rich)
    assert len(parts) > 2
    for part in parts:
        assert utf16_len(visible(part)) <= 4096
        assert part.startswith("<b>") and part.endswith("</b>")
        assert "\n" not in (part[3], part[-5])
    assert " ".join(visible(p) for p in parts).split() == text.split()


def test_a_split_never_lands_inside_a_code_block_that_fits_a_part() -> None:
    intro = "intro " * 600  # 3,600 characters
    code = "\n".join(f"line {i}" for i in range(100))  # 790 characters
    rich = RichText(intro + "\n" + code, (Span(Style.PRE, len(intro) + 1, len(intro) + 1 + 790),))
    parts = html_parts(rich)
    assert len(parts) == 2
    assert parts[1] == f"<pre>{code}</pre>"


def test_captions_use_the_caption_limit() -> None:
    parts = html_parts(RichText("word " * 400), limit=CAPTION_LIMIT)
    assert len(parts) == 2
    assert all(utf16_len(visible(p)) <= CAPTION_LIMIT for p in parts)


def test_the_plain_fallback_keeps_every_word_and_no_markup() -> None:
    rich = RichText("<b>not a tag</b> & bold", (Span(Style.BOLD, 19, 23),))
    assert plain_parts(rich) == ["<b>not a tag</b> & bold"]
