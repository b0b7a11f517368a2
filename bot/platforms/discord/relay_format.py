"""Relayed text to and from Discord: markdown → :class:`RichText` → markdown parts.

Reading uses ``discord-markdown-py``, a parser that follows Discord's own markdown rules and
keeps every character's position (its lossless tree), so what people see is what crosses:
bold, italic, underline, strikethrough, spoilers, code, code blocks with their language,
quotes (``>`` and ``>>>``), links, and mentions. Writing renders markdown whose plain text is
escaped with discord.py's own ``escape_markdown`` and ``escape_mentions``, split into parts
of at most 2,000 characters.

Mentions are made safe here: ``@everyone``, ``@here`` and role mentions are read as inert
text and never rendered as pings; a person is a mention only when the relay engine's resolver
finds their linked account on the target side, otherwise their name in plain text.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import discord
import discord_markdown
from discord.utils import escape_markdown, escape_mentions

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
from bot.platforms.discord.render import MAX_TEXT

# -- reading ------------------------------------------------------------------------------------

_MODIFIERS = {
    "bold": Style.BOLD,
    "italic": Style.ITALIC,
    "underline": Style.UNDERLINE,
    "strikethrough": Style.STRIKE,
    "spoiler": Style.SPOILER,
}
# Tokens that are markup, not what the reader sees.
_MARKUP_TOKENS = {
    "delimiter",
    "escape",
    "code_fence",
    "code_delimiter",
    "language",
    "quote_prefix",
    "small_marker",
    "heading_marker",
    "link_open",
    "link_close",
    "destination_open",
    "destination_close",
}


@dataclass(frozen=True, slots=True)
class MentionNames:
    """Names for the ids a message mentions (Discord sends them with the message)."""

    users: dict[int, str] = field(default_factory=dict)
    roles: dict[int, str] = field(default_factory=dict)
    channels: dict[int, str] = field(default_factory=dict)


def names_of(message: discord.Message) -> MentionNames:
    """The names Discord resolved for a message's mentions (members by display name)."""
    channels = {c.id: c.name for c in message.channel_mentions}
    guild = message.guild
    if guild is not None:
        for raw in message.raw_channel_mentions:
            found = guild.get_channel(raw)
            if found is not None:
                channels.setdefault(raw, found.name)
    return MentionNames(
        users={u.id: u.display_name for u in message.mentions},
        roles={r.id: r.name for r in message.role_mentions},
        channels=channels,
    )


def from_message(message: discord.Message) -> RichText:
    """What someone wrote in a Discord message, formatted."""
    return from_markdown(message.content, names_of(message))


def from_markdown(content: str, names: MentionNames | None = None) -> RichText:
    """Discord markdown as :class:`RichText`. Text the parser cannot place is kept as it was
    typed, so nothing anyone wrote is lost."""
    reader = _Reader(names or MentionNames())
    try:
        tree = discord_markdown.parse_lossless(content)
    except Exception:  # the parser gives up on pathological input: keep the words
        return RichText(content)
    reader.node(tree)
    return reader.result()


class _Reader:
    def __init__(self, names: MentionNames) -> None:
        self.names = names
        self.parts: list[str] = []
        self.size = 0
        self.spans: list[Span] = []

    def result(self) -> RichText:
        spans = sorted(self.spans, key=lambda s: (s.start, -s.end))
        return RichText("".join(self.parts), tuple(spans))

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def span(self, style: Style, start: int, **extra: Any) -> None:
        end = self.size - self._trailing_newlines()  # a span ends with its line, not the break
        end = max(end, start)
        if end > start:
            self.spans.append(Span(style, start, end, **extra))

    def _trailing_newlines(self) -> int:
        count = 0
        for part in reversed(self.parts):
            stripped = part.rstrip("\n")
            count += len(part) - len(stripped)
            if stripped:
                break
        return count

    def children(self, node: dict[str, Any], skip_space: bool = False) -> None:
        for child in node.get("children", []):
            if child.get("type") == "token":
                kind = child["kind"]["type"]
                if kind in _MARKUP_TOKENS or (skip_space and kind == "whitespace"):
                    continue
                self.add(child["text"])
            else:
                self.node(child)

    def node(self, node: dict[str, Any]) -> None:
        kind = node["kind"]["type"]
        value = node["kind"].get("value")
        start = self.size
        if kind == "modifier" and value["kind"] in _MODIFIERS:
            self.children(node)
            self.span(_MODIFIERS[value["kind"]], start)
        elif kind == "code":
            self.children(node)
            self.span(Style.CODE, start)
        elif kind == "code_block":
            content = str(value.get("content") or "")
            self.add(content.removesuffix("\n"))
            self.span(Style.PRE, start, language=str(value.get("language") or ""))
        elif kind == "quote":
            self.children(node)
            self.span(Style.QUOTE, start)
        elif kind == "heading":
            self.children(node, skip_space=True)
            self.span(Style.BOLD, start)
        elif kind == "small":
            self.children(node, skip_space=True)
        elif kind == "link":
            self.link(node, value, start)
        elif kind == "mention":
            self.mention(node, value, start)
        elif kind == "emoji" and value.get("type") == "custom":
            self.add(f":{value['value']['name']}:")
        elif kind == "timestamp":
            moment = datetime.fromtimestamp(int(value["value"]), UTC)
            self.add(moment.strftime("%Y-%m-%d %H:%M UTC"))
        else:
            self.children(node)

    def link(self, node: dict[str, Any], value: dict[str, Any], start: int) -> None:
        if value.get("kind") != "masked":
            url = "".join(c["text"] for c in _tokens(node) if c["kind"]["type"] == "url")
            self.add(url)
            self.span(Style.LINK, start, url=url)
            return
        url = ""
        in_target = False
        for child in node.get("children", []):
            if child.get("type") == "token":
                kind = child["kind"]["type"]
                if kind == "destination_open":
                    in_target = True
                elif kind == "destination_close":
                    in_target = False
                elif in_target and kind == "url":
                    url += child["text"]
                elif not in_target and kind not in _MARKUP_TOKENS:
                    self.add(child["text"])
            elif not in_target:
                self.node(child)
        self.span(Style.LINK, start, url=url or str(value.get("url") or ""))

    def mention(self, node: dict[str, Any], value: dict[str, Any], start: int) -> None:
        kind = value.get("type")
        ident = value.get("value")
        if kind == "user" and isinstance(ident, int):
            self.add("@" + self.names.users.get(ident, "someone"))
            account = AccountRef(Platform.DISCORD, str(ident))
            self.span(Style.MENTION, start, account=account)
        elif kind == "role" and isinstance(ident, int):
            self.add("@" + self.names.roles.get(ident, "role"))  # inert text, never a ping
        elif kind == "channel" and isinstance(ident, int):
            self.add("#" + self.names.channels.get(ident, "channel"))
        else:  # @everyone, @here, commands...: as typed, made inert when rendered
            self.children(node)


def _tokens(node: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for child in node.get("children", []):
        if child.get("type") == "token":
            yield child
        else:
            yield from _tokens(child)


# -- writing ------------------------------------------------------------------------------------

_MARKS = {
    Style.BOLD: "**",
    Style.ITALIC: "*",
    Style.UNDERLINE: "__",
    Style.STRIKE: "~~",
    Style.SPOILER: "||",
}
_INLINE = set(_MARKS) | {Style.LINK, Style.CODE}
_SAFE_URL = ("http://", "https://")
ZERO_WIDTH = "\u200b"  # between backticks, so code cannot close its own fence
# discord.py escapes an indented "-" as "\  -", which shows the backslash; move it.
_ESCAPED_INDENT = re.compile(r"\\(\s+)-")


# Characters discord.py's escapes act on; text with none of them needs no escaping.
_SPECIAL = frozenset("_\\~|*`>#-[@")


def escape(text: str, at_line_start: bool) -> str:
    """Plain text made literal for Discord: no markdown, no pings (discord.py's helpers)."""
    if _SPECIAL.isdisjoint(text):
        return text
    # discord.py anchors some escapes at the start; mid-line text gets a stand-in before it.
    escaped = escape_markdown(text) if at_line_start else escape_markdown("x" + text)[1:]
    escaped = _ESCAPED_INDENT.sub(r"\1\\-", escaped)
    return escape_mentions(escaped)


def _uncrossed(spans: Sequence[Span]) -> list[Span]:
    """Inline spans cut where another span crosses them, so every span nests: a delimiter
    is then never closed and reopened mid-run (where ``* x*`` would not read as italic)."""
    by_start = sorted(spans, key=lambda s: s.start)
    starts = [s.start for s in by_start]
    by_end = sorted(spans, key=lambda s: s.end)
    ends = [s.end for s in by_end]
    out: list[Span] = []
    for span in spans:
        if span.style not in _MARKS:
            out.append(span)
            continue
        cuts = set()
        for other in by_start[bisect_right(starts, span.start) : bisect_left(starts, span.end)]:
            if other.end > span.end:  # starts inside, ends after
                cuts.add(other.start)
        for other in by_end[bisect_right(ends, span.start) : bisect_left(ends, span.end)]:
            if other.start < span.start:  # starts before, ends inside
                cuts.add(other.end)
        edges = [span.start, *sorted(cuts), span.end]
        out += [replace(span, start=a, end=b) for a, b in itertools.pairwise(edges)]
    return out


def _trimmed(rich: RichText) -> RichText:
    """Inline spans that nest, without whitespace at their edges: Discord ignores ``* x *``."""
    text = rich.text
    spans: list[Span] = []
    for span in _uncrossed(rich.spans):
        start, end = span.start, span.end
        if span.style in _MARKS:
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
        if end > start:
            spans.append(Span(span.style, start, end, span.url, span.language, span.account))
    return RichText(text, tuple(spans))


def _nesting(outer: tuple[Span, ...], span: Span) -> bool:
    # A quote is a whole-line prefix: it is not opened inside inline formatting.
    if span.style is Style.QUOTE and any(s.style in _INLINE for s in outer):
        return False
    if span.style in _MARKS and any(s.style is span.style for s in outer):
        return False  # bold inside bold is just bold (and ** inside ** would end it)
    return usual_nesting(outer, span)


def _wordy(char: str) -> bool:
    return char.isalnum() or char == "_"


def _mention(span: Span, resolve: MentionResolver | None) -> str | None:
    """``<@id>`` for someone with a Discord account to mention, else ``None``."""
    if span.account is None:
        return None
    target: AccountRef | None = span.account
    if span.account.platform is not Platform.DISCORD:
        target = resolve(span.account) if resolve is not None else None
    if target is None or target.platform is not Platform.DISCORD:
        return None
    return f"<@{target.user_id}>"


def _code(text: str) -> str:
    if "`" not in text:
        return f"`{text}`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    body = text.replace("``", ZERO_WIDTH.join("``"))
    return f"``{pad}{body}{pad}``"


class _Writer:
    def __init__(self, rich: RichText, resolve: MentionResolver | None) -> None:
        self.rich = rich
        self.resolve = resolve
        self.out: list[str] = []
        self.quotes = 0
        self.code: Span | None = None
        self.code_text_parts: list[str] = []
        self.skip: Span | None = None  # a mention rendered whole; its text is not repeated
        self.closed = False  # the last thing written was a closing delimiter
        self.mention_starts = {
            s.start for s in rich.spans if s.style is Style.MENTION and s.account is not None
        }

    @property
    def line_start(self) -> bool:
        written = "".join(self.out[-3:])
        return not written or written.endswith("\n") or written.endswith("> ")

    def newline_text(self, text: str) -> None:
        """Write text, starting each line inside a quote with the quote marker."""
        lines = text.split("\n")
        for i, line in enumerate(lines):
            if i:
                self.out.append("\n")
                if self.quotes:
                    self.out.append("> ")
            if line:
                escaped = escape(line, self.line_start)
                last = self.out[-1][-1:] if self.out and self.out[-1] else ""
                if self.closed and last == "_" and _wordy(escaped[0]):
                    self.out.append(ZERO_WIDTH)  # "__" right before a letter reads as text
                self.out.append(escaped)
            self.closed = False

    def open(self, span: Span) -> None:
        style = span.style
        if style is Style.QUOTE:
            if not self.line_start:
                self.out.append("\n")
            self.quotes += 1
            self.out.append("> ")
        elif style in (Style.CODE, Style.PRE):
            self.code = span
            self.code_text_parts = []
        elif style is Style.MENTION:
            mention = _mention(span, self.resolve)
            if mention is not None:
                self.out.append(mention)
                self.skip = span
        elif style is Style.LINK:
            if self._masked(span):
                self.out.append("[")
        else:
            self.mark(_MARKS[style], opening=True)

    def mark(self, delimiter: str, opening: bool) -> None:
        """Write a delimiter so Discord cannot read it together with what touches it: a zero
        width space between a closing and an opening run of the same character (``~~`` then
        ``~~``), and between a letter and an opening ``__`` (Discord ignores ``__`` inside a
        word; a closing ``__`` before a letter is handled when the text comes)."""
        last = self.out[-1][-1:] if self.out and self.out[-1] else ""
        if (
            opening
            and last
            and ((self.closed and last == delimiter[0]) or (delimiter[0] == "_" and _wordy(last)))
        ):
            self.out.append(ZERO_WIDTH)
        self.out.append(delimiter)
        self.closed = not opening

    def close(self, span: Span) -> None:
        style = span.style
        if style is Style.QUOTE:
            self.quotes -= 1
            end = span.end
            if end < len(self.rich.text) and self.rich.text[end] != "\n":
                self.out.append("\n")
        elif style in (Style.CODE, Style.PRE):
            self.code = None
            self.code_text(span, "".join(self.code_text_parts))
        elif style is Style.MENTION:
            self.skip = None
        elif style is Style.LINK:
            if self._masked(span):
                url = span.url.replace(" ", "%20").replace(")", "%29").replace(">", "%3E")
                self.out.append(f"](<{url}>)")
        elif style in _MARKS:
            self.mark(_MARKS[style], opening=False)

    def _masked(self, span: Span) -> bool:
        covered = self.rich.text[span.start : span.end]
        return span.url != covered and span.url.startswith(_SAFE_URL)

    def text(self, text: str, start: int) -> None:
        if self.skip is not None:
            return
        if self.code is not None:
            self.code_text_parts.append(text)
            return
        if start in self.mention_starts and text.startswith("@"):
            text = text[1:]  # an unlinked person reads as their name, no "@"
        self.newline_text(text)

    def code_text(self, span: Span, text: str) -> None:
        if span.style is Style.CODE:
            self.out.append(_code(text))
            return
        body = text.replace("```", ZERO_WIDTH.join("```"))
        if not self.line_start:
            self.out.append("\n")
        self.out.append(f"```{span.language}\n{body}\n```")
        if self.quotes:  # a code block inside a quote: every line carries the marker
            last = self.out.pop()
            self.out.append(last.replace("\n", "\n> "))


def render(rich: RichText, resolve: MentionResolver | None = None) -> str:
    """One part as Discord markdown."""
    trimmed = _trimmed(rich)
    writer = _Writer(trimmed, resolve)
    at = 0
    for event in events(trimmed, _nesting):
        if isinstance(event, Open):
            writer.open(event.span)
        elif isinstance(event, Close):
            writer.close(event.span)
        else:
            writer.text(event, at)
            at += len(event)
    return "".join(writer.out)


def markdown_parts(
    rich: RichText, *, limit: int = MAX_TEXT, resolve: MentionResolver | None = None
) -> list[str]:
    """``rich`` as Discord messages of at most ``limit`` characters each, split at
    paragraph, line or word boundaries (inside a code block only when unavoidable)."""

    def fits(part: RichText) -> bool:
        return len(render(part, resolve)) <= limit

    # Markup and escapes only add characters (a resolved mention may be a little shorter than
    # the name it shows; such a part just ends a little early).
    return [_checked(part, resolve) for part in split(rich, fits, limit)]


def _checked(part: RichText, resolve: MentionResolver | None) -> str:
    """``part`` rendered, read back with Discord's rules to make sure every word shows as
    written; if some delimiter would still show or swallow text, the part goes without its
    inline styles, and failing that as plain words (each no longer than the first try)."""
    words = part.text.split()
    for attempt in (part, _without_marks(part), _names_only(part, resolve)):
        out = render(attempt, resolve)
        if from_markdown(out).text.replace(ZERO_WIDTH, "").split() == words:
            return out
    return out


def _without_marks(rich: RichText) -> RichText:
    return RichText(rich.text, tuple(s for s in rich.spans if s.style not in _MARKS))


def plain_parts(
    rich: RichText, *, limit: int = MAX_TEXT, resolve: MentionResolver | None = None
) -> list[str]:
    """The fallback when Discord refuses a message (50035): the words with no formatting,
    still escaped so nothing in them turns into markup or a ping."""
    named = _names_only(rich, resolve)
    return markdown_parts(named, limit=limit, resolve=resolve)


def _names_only(rich: RichText, resolve: MentionResolver | None) -> RichText:
    keep = tuple(s for s in rich.spans if s.style is Style.MENTION and _mention(s, resolve))
    return RichText(rich.text, keep)


def plain_fallback(markdown: str, *, limit: int = MAX_TEXT) -> list[str]:
    """A part Discord refused (50035), as plain words: read back and rendered without any
    formatting, so it is sent again instead of dropped."""
    return plain_parts(from_markdown(markdown), limit=limit) or [markdown[:limit]]
