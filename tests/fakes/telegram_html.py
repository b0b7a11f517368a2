"""Telegram's ``parse_mode=HTML``, as the real server parses it.

Written from the rules of tdlib's ``parse_html`` (td/telegram/MessageEntity.cpp, read at commit
022d602, July 2026), not copied from it: the text is read byte by byte as UTF-8; only the tags
Telegram knows are accepted, with the attributes it reads; only ``&lt; &gt; &amp; &quot;`` and
numeric references are decoded (the ``;`` is optional); every error is Telegram's own wording
with the byte offset it names. The result is the visible text and its ``entities`` with UTF-16
offsets, as a sent message carries them.

One rule is stricter than tdlib: the Bot API documentation says every ``<``, ``>`` and ``&``
that is not part of a tag or an entity *must* be escaped. tdlib lets a lone ``>`` or ``&``
through, but an unescaped ``&`` in relayed text can be decoded by surprise ("&#65" becomes "A",
"&lt" becomes "<"), so the fake holds the bot to the documented contract and refuses both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler", "tg-emoji",
     "tg-time", "span", "pre", "code", "blockquote"}
)  # fmt: skip
_SPACES = frozenset(b" \t\r\n\v\0")
_NAMED = {b"lt": ord("<"), b"gt": ord(">"), b"amp": ord("&"), b"quot": ord('"')}
_SIMPLE = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "u": "underline", "ins": "underline", "tg-spoiler": "spoiler",
}  # fmt: skip


class HtmlError(ValueError):
    """Markup Telegram refuses; ``str()`` is the text after "can't parse entities: "."""


@dataclass
class Parsed:
    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Open:
    tag: str
    argument: str
    date: int
    utf16: int  # where the entity starts, in UTF-16 code units of the visible text
    out_pos: int  # where it starts in the visible text's bytes


class _Reader:
    """The input as bytes, with tdlib's convention that reading past the end gives NUL."""

    def __init__(self, source: str) -> None:
        self.data = source.encode("utf-8")

    def __getitem__(self, i: int) -> int:
        return self.data[i] if i < len(self.data) else 0

    def entity(self, pos: int) -> tuple[int, int]:
        """Decode the character reference at ``pos`` (an ``&``): (code point or 0, next pos)."""
        end = pos + 1
        code = 0
        if self[end] == ord("#"):
            end += 1
            digits, base = (b"0123456789abcdefABCDEF", 16) if self[end] == ord("x") else (
                b"0123456789", 10)  # fmt: skip
            if base == 16:
                end += 1
            while self[end] and self[end] in digits:
                code = code * base + int(chr(self[end]), base)
                end += 1
            if code == 0 or code >= 0x10FFFF or end - pos >= 10:
                return 0, pos
        else:
            while chr(self[end]).isascii() and chr(self[end]).isalpha():
                end += 1
            code = _NAMED.get(self.data[pos + 1 : end], 0)
            if not code:
                return 0, pos
        return code, end + 1 if self[end] == ord(";") else end


def _utf16_units(code: int) -> int:
    return 2 if code > 0xFFFF else 1


def parse_html(source: str) -> Parsed:
    """Parse like Telegram; raise :class:`HtmlError` with its wording on what it refuses."""
    r = _Reader(source)
    out = bytearray()
    entities: list[dict[str, Any]] = []
    stack: list[_Open] = []
    utf16 = 0
    i = 0
    n = len(r.data)
    while i < n:
        c = r[i]
        if c == ord("&"):
            code, after = r.entity(i)
            if code:
                if 0xD800 <= code <= 0xDFFF:
                    raise HtmlError(
                        "Text contains invalid Unicode characters after decoding HTML entities,"
                        " check for unmatched surrogate code units"
                    )
                out += chr(code).encode("utf-8")
                utf16 += _utf16_units(code)
                i = after
                continue
            raise HtmlError(f"Unescaped '&' at byte offset {i}; write it as &amp;")
        if c == ord(">"):
            raise HtmlError(f"Unescaped '>' at byte offset {i}; write it as &gt;")
        if c != ord("<"):
            if c & 0xC0 != 0x80:  # the first byte of a character
                utf16 += 2 if c >= 0xF0 else 1
            out.append(c)
            i += 1
            continue
        begin = i
        i += 1
        if r[i] != ord("/"):
            i = _start_tag(r, begin, i, stack, utf16, len(out))
        else:
            i = _end_tag(r, begin, i, stack, entities, utf16, out)
        i += 1  # past the '>'
    if stack:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return Parsed(out.decode("utf-8"), entities)


def _start_tag(r: _Reader, begin: int, i: int, stack: list[_Open], utf16: int, pos: int) -> int:
    while r[i] not in _SPACES and r[i] != ord(">"):
        i += 1
    if r[i] == 0:
        raise HtmlError(f"Unclosed start tag at byte offset {begin}")
    tag = r.data[begin + 1 : i].decode("utf-8", "replace").lower()
    if tag not in TAGS:
        raise HtmlError(f'Unsupported start tag "{tag}" at byte offset {begin}')
    argument = ""
    date = 0
    while r[i] != ord(">"):
        while r[i] and r[i] in _SPACES:
            i += 1
        if r[i] == ord(">"):
            break
        name_begin = i
        while r[i] not in _SPACES and r[i] not in b"=>/\"'":
            i += 1
        name = r.data[name_begin:i].decode("utf-8", "replace")
        if not name:
            raise HtmlError(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
        while r[i] and r[i] in _SPACES:
            i += 1
        if r[i] != ord("="):
            if r[i] == 0:
                raise HtmlError(f'Unclosed start tag "{tag}" at byte offset {begin}')
            if tag == "blockquote" and name == "expandable":
                argument = "1"
            continue
        i += 1
        while r[i] and r[i] in _SPACES:
            i += 1
        if r[i] == 0:
            raise HtmlError(f'Unclosed start tag "{tag}" at byte offset {begin}')
        value, i = _attribute_value(r, i)
        if r[i] == 0:
            raise HtmlError(f"Unclosed start tag at byte offset {begin}")
        argument, date = _argument(tag, name, value, argument, date)
    if tag == "span" and argument != "spoiler":
        raise HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
    stack.append(_Open(tag, argument, date, utf16, pos))
    return i


def _attribute_value(r: _Reader, i: int) -> tuple[str, int]:
    quote = r[i]
    if quote not in b"'\"":  # a name token: letters, digits, '.' and '-', case-insensitive
        token_begin = i
        while chr(r[i]).isascii() and (chr(r[i]).isalnum() or r[i] in b".-") and r[i]:
            i += 1
        if r[i] not in _SPACES and r[i] != ord(">"):
            raise HtmlError(f"Unexpected end of name token at byte offset {token_begin}")
        return r.data[token_begin:i].decode("utf-8").lower(), i
    i += 1
    value = bytearray()
    while r[i] != quote and r[i] != 0:
        if r[i] == ord("&"):
            code, after = r.entity(i)
            if code:
                value += chr(code).encode("utf-8", "surrogatepass")
                i = after
                continue
        value.append(r[i])
        i += 1
    if r[i] == quote:
        i += 1
    return value.decode("utf-8", "replace"), i


def _argument(tag: str, name: str, value: str, argument: str, date: int) -> tuple[str, int]:
    if tag == "a" and name == "href":
        return value, date
    if tag == "code" and name == "class" and value.startswith("language-"):
        return value.removeprefix("language-"), date
    if tag == "span" and name == "class" and value.startswith("tg-"):
        return value.removeprefix("tg-"), date
    if tag == "tg-emoji" and name == "emoji-id":
        return value, date
    if tag == "blockquote" and name == "expandable":
        return "1", date
    if tag == "tg-time" and name == "unix":
        return argument, int(value) if value.isdigit() else 0
    if tag == "tg-time" and name == "format":
        return value, date
    return argument, date


def _end_tag(
    r: _Reader,
    begin: int,
    i: int,
    stack: list[_Open],
    entities: list[dict[str, Any]],
    utf16: int,
    out: bytearray,
) -> int:
    if not stack:
        raise HtmlError(f"Unexpected end tag at byte offset {begin}")
    while r[i] not in _SPACES and r[i] != ord(">"):
        i += 1
    name = r.data[begin + 2 : i].decode("utf-8", "replace").lower()
    while r[i] in _SPACES and r[i] != 0:
        i += 1
    if r[i] != ord(">"):
        raise HtmlError(f"Unclosed end tag at byte offset {begin}")
    top = stack.pop()
    if name and name != top.tag:
        raise HtmlError(
            f'Unmatched end tag at byte offset {begin}, expected "</{top.tag}>", found "</{name}>"'
        )
    if utf16 > top.utf16:
        entity = _entity(top, utf16 - top.utf16, entities, out)
        if entity is not None:
            entities.append(entity)
    return i


def _entity(
    top: _Open, length: int, entities: list[dict[str, Any]], out: bytearray
) -> dict[str, Any] | None:
    """The entity a closed tag makes (None: no entity); may merge ``pre`` and ``code``."""
    base: dict[str, Any] = {"offset": top.utf16, "length": length}
    last = entities[-1] if entities else None
    same = last is not None and (last["offset"], last["length"]) == (top.utf16, length)
    if top.tag in _SIMPLE or top.tag == "span":
        return base | {"type": _SIMPLE.get(top.tag, "spoiler")}
    if top.tag == "tg-emoji":
        if not top.argument.isdigit() or int(top.argument) == 0:
            raise HtmlError("Invalid custom emoji identifier specified")
        return base | {"type": "custom_emoji", "custom_emoji_id": top.argument}
    if top.tag == "tg-time":
        if top.date <= 0:
            return None
        extra = {"date_time_format": top.argument} if top.argument else {}
        return base | {"type": "date_time", "unix_time": top.date} | extra
    if top.tag == "a":
        url = top.argument or out[top.out_pos :].decode("utf-8", "replace")
        url = url.strip()
        if not url or " " in url:
            return None
        return base | {"type": "text_link", "url": url}
    if top.tag == "pre":
        if same and last is not None and last["type"] == "code" and last.get("language"):
            last["type"] = "pre"
            return None
        return base | {"type": "pre"}
    if top.tag == "code":
        if same and last is not None and last["type"] == "pre" and top.argument:
            last["language"] = top.argument
            return None
        return base | {"type": "code", "language": top.argument}
    kind = "expandable_blockquote" if top.argument else "blockquote"
    return base | {"type": kind}
