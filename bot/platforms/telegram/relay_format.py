"""Relayed text to and from Telegram: message entities → :class:`RichText` → HTML parts.

Reading goes through python-telegram-bot's own ``parse_entities`` (it slices Telegram's UTF-16
offsets correctly); each entity's position is then turned into a code-point index and checked
against the text PTB sliced. Writing renders HTML (Telegram's HTML parse mode) and splits it
so each part's *visible* text — what Telegram counts after parsing the tags — is at most 4,096
UTF-16 code units (1,024 for a caption). ``plain_parts`` is the fallback when Telegram still
refuses the markup: the same words, no tags, never dropped.

Nothing here knows about bridges or rooms: the relay engine calls these functions.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from telegram import Message, MessageEntity

from bot.core.model import AccountRef, Platform
from bot.core.richtext import (
    Close,
    MentionResolver,
    Open,
    RichText,
    Span,
    Style,
    events,
    split,
    usual_nesting,
)
from bot.platforms.telegram.sending import TEXT_LIMIT

CAPTION_LIMIT = 1024

_STYLES = {
    MessageEntity.BOLD: Style.BOLD,
    MessageEntity.ITALIC: Style.ITALIC,
    MessageEntity.UNDERLINE: Style.UNDERLINE,
    MessageEntity.STRIKETHROUGH: Style.STRIKE,
    MessageEntity.SPOILER: Style.SPOILER,
    MessageEntity.CODE: Style.CODE,
    MessageEntity.PRE: Style.PRE,
    MessageEntity.TEXT_LINK: Style.LINK,
    MessageEntity.URL: Style.LINK,
    MessageEntity.BLOCKQUOTE: Style.QUOTE,
    MessageEntity.EXPANDABLE_BLOCKQUOTE: Style.QUOTE,
    MessageEntity.TEXT_MENTION: Style.MENTION,
    MessageEntity.MENTION: Style.MENTION,
}
_TAGS = {
    Style.BOLD: "b",
    Style.ITALIC: "i",
    Style.UNDERLINE: "u",
    Style.STRIKE: "s",
    Style.SPOILER: "tg-spoiler",
    Style.CODE: "code",
    Style.QUOTE: "blockquote",
}
# Link targets Telegram accepts in <a href>; anything else is shown as plain text.
_SCHEMES = ("http://", "https://", "tg://", "mailto:")
# "@name" at a word start: Telegram turns it into a mention of whoever holds that username.
# A word joiner after the @ keeps relayed text from pinging anyone.
_AT_NAME = re.compile(r"(?<![\w@])@(?=\w)")
WORD_JOINER = "\u2060"
_LITERAL = (Style.CODE, Style.PRE, Style.LINK)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (characters beyond the BMP count twice)."""
    return len(text.encode("utf-16-le")) // 2


# -- reading ------------------------------------------------------------------------------------


def from_message(message: Message) -> RichText:
    """What someone wrote in a Telegram message (its text, or a media caption), formatted."""
    if message.text is not None:
        return from_entities(message.text, message.parse_entities())
    if message.caption is not None:
        return from_entities(message.caption, message.parse_caption_entities())
    return RichText("")


def from_entities(text: str, parsed: dict[MessageEntity, str]) -> RichText:
    """``text`` with the entities PTB parsed (entity → the text it covers) as spans."""
    starts = _code_points(text)
    spans: list[Span] = []
    for entity, covered in parsed.items():
        style = _STYLES.get(entity.type)
        if style is None:
            continue  # hashtags, commands, custom emoji...: the text is enough
        start = starts.get(entity.offset)
        end = starts.get(entity.offset + entity.length)
        if start is None or end is None or text[start:end] != covered or start == end:
            continue  # an entity that does not sit on the text is not trusted
        url = entity.url or (covered if entity.type == MessageEntity.URL else "")
        account = None
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            account = AccountRef(Platform.TELEGRAM, str(entity.user.id))
        spans.append(Span(style, start, end, url, entity.language or "", account))
    spans.sort(key=lambda s: (s.start, -s.end))
    return RichText(text, tuple(spans))


def _code_points(text: str) -> dict[int, int]:
    """UTF-16 offset → code-point index, for every boundary between characters."""
    out: dict[int, int] = {}
    units = 0
    for index, char in enumerate(text):
        out[units] = index
        units += 2 if ord(char) > 0xFFFF else 1
    out[units] = len(text)
    return out


# -- writing ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rendered:
    html: str
    visible: str  # the text Telegram shows (and counts) once it has parsed the tags


def render(rich: RichText, resolve: MentionResolver | None = None) -> Rendered:
    """One part as Telegram HTML. Mentions of people with a linked Telegram account become
    real mentions; anyone else is their name as plain text."""
    html_out: list[str] = []
    visible: list[str] = []
    literal = 0  # inside code or a link: shown exactly as written
    shown = {id(s): _shown(s, rich, resolve) for s in rich.spans}
    for event in events(rich, usual_nesting):
        if isinstance(event, Open):
            tag = _open_tag(event.span, shown[id(event.span)])
            html_out.append(tag)
            literal += event.span.style in _LITERAL
        elif isinstance(event, Close):
            html_out.append(_close_tag(event.span, shown[id(event.span)]))
            literal -= event.span.style in _LITERAL
        else:
            text = event if literal else _AT_NAME.sub("@" + WORD_JOINER, event)
            visible.append(text)
            html_out.append(html.escape(text, quote=False))
    return Rendered("".join(html_out), "".join(visible))


def _shown(span: Span, rich: RichText, resolve: MentionResolver | None) -> str:
    """For a link or mention: the href it renders with ("" = shown as plain text)."""
    if span.style is Style.LINK:
        covered = rich.text[span.start : span.end]
        if span.url == covered or not span.url.startswith(_SCHEMES):
            return ""  # a bare address Telegram links by itself, or one it would refuse
        return span.url
    if span.style is Style.MENTION and span.account is not None:
        target: AccountRef | None = span.account
        if span.account.platform is not Platform.TELEGRAM:
            target = resolve(span.account) if resolve is not None else None
        if target is not None and target.platform is Platform.TELEGRAM:
            return f"tg://user?id={target.user_id}"
    return ""


def _open_tag(span: Span, href: str) -> str:
    if span.style is Style.PRE:
        if span.language:
            return f'<pre><code class="language-{html.escape(span.language)}">'
        return "<pre>"
    if span.style in (Style.LINK, Style.MENTION):
        return f'<a href="{html.escape(href)}">' if href else ""
    return f"<{_TAGS[span.style]}>"


def _close_tag(span: Span, href: str) -> str:
    if span.style is Style.PRE:
        return "</code></pre>" if span.language else "</pre>"
    if span.style in (Style.LINK, Style.MENTION):
        return "</a>" if href else ""
    return f"</{_TAGS[span.style]}>"


def _mention_names(rich: RichText) -> RichText:
    """A person mentioned reads as their name, without an "@" that Telegram could take for a
    username (their link, when they have a linked account, is added in rendering)."""
    drop = [
        s.start
        for s in rich.spans
        if s.style is Style.MENTION
        and s.account is not None
        and rich.text[s.start : s.end].startswith("@")
    ]
    return _delete_chars(rich, drop)


def _delete_chars(rich: RichText, positions: list[int]) -> RichText:
    """``rich`` without the characters at ``positions``, its spans moved to match."""
    if not positions:
        return rich
    gone = sorted(set(positions))
    skip = set(gone)
    text = "".join(ch for i, ch in enumerate(rich.text) if i not in skip)

    def moved(at: int) -> int:
        return at - sum(1 for g in gone if g < at)

    spans = tuple(
        Span(s.style, moved(s.start), moved(s.end), s.url, s.language, s.account)
        for s in rich.spans
        if moved(s.end) > moved(s.start)
    )
    return RichText(text, spans)


def html_parts(
    rich: RichText, *, limit: int = TEXT_LIMIT, resolve: MentionResolver | None = None
) -> list[str]:
    """``rich`` as Telegram HTML messages, each within ``limit`` UTF-16 units of visible text
    (use :data:`CAPTION_LIMIT` for a caption), split at paragraph, line or word boundaries."""
    return [part.html for part in rendered_parts(rich, limit=limit, resolve=resolve)]


def rendered_parts(
    rich: RichText, *, limit: int = TEXT_LIMIT, resolve: MentionResolver | None = None
) -> list[Rendered]:
    """The parts of :func:`html_parts`, each with its visible text: what a part is sent as,
    without a parse mode, when Telegram refuses its HTML."""
    named = _mention_names(rich)

    def fits(part: RichText) -> bool:
        return utf16_len(render(part, resolve).visible) <= limit

    return [render(part, resolve) for part in split(named, fits, limit)]


def plain_parts(
    rich: RichText, *, limit: int = TEXT_LIMIT, resolve: MentionResolver | None = None
) -> list[str]:
    """The fallback when Telegram refuses the markup: the same words as plain text (send
    without a parse mode), split the same way."""
    named = _mention_names(rich).without_spans()

    def fits(part: RichText) -> bool:
        return utf16_len(render(part).visible) <= limit

    return [render(part).visible for part in split(named, fits, limit)]
