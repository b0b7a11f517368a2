"""The small markup subset replies are written in, and its renderers.

Supported: ``**bold**``, ``*italic*``, `` `code` ``, ``[label](https://link)``, and a moment in
time ``{{time:UNIX|fallback}}`` that Discord shows in the reader's own timezone and other
platforms show as the fallback the handler wrote, and a Discord user ``{{user:ID|fallback}}``
that Discord shows as a mention (a tap opens their profile, and no one is pinged) and other
platforms as the fallback. A backslash escapes the next character. Text
from people or content that must show literally goes through :func:`escape`.

Replies are parsed into segments once, then each adapter renders segments natively and splits
long messages on segment boundaries, so a split never breaks a tag.
"""

from __future__ import annotations

import html
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

_SPECIAL = set("\\*`[]{}")
_ESCAPED = str.maketrans({ch: "\\" + ch for ch in _SPECIAL})
#: Text in which no tag and no escape can begin (see ``_TOKEN``): every tag starts with one
#: of these characters.
_NO_TAG = re.compile(r"[^\\*`\[{]*")


class Kind(StrEnum):
    TEXT = "text"
    BOLD = "bold"
    ITALIC = "italic"
    CODE = "code"
    LINK = "link"
    TIME = "time"
    USER = "user"


@dataclass(frozen=True, slots=True)
class Segment:
    kind: Kind
    text: str
    target: str = ""  # link url, unix seconds for a time, or a Discord user's id


def escape(text: str) -> str:
    """Make any text show literally inside markup."""
    return text.translate(_ESCAPED)


#: The most of a person's own words a reply quotes back to them.
QUOTE_LIMIT = 60


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """A person's own words, quoted back safely: escaped, on one line, and cut short with an
    ellipsis past ``limit`` characters (a 5,000-character paste is not echoed whole)."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return escape(flat)


def time_tag(unix: int, fallback: str) -> str:
    """A moment shown natively where the platform can (Discord), else ``fallback``."""
    safe = fallback.replace("}", ")")
    return f"{{{{time:{unix}|{safe}}}}}"


def user_tag(user_id: str, fallback: str) -> str:
    """A Discord user shown as a mention on Discord, else ``fallback`` (escaped here)."""
    safe = fallback.replace("}", ")").replace("|", "/")
    return f"{{{{user:{int(user_id)}|{safe}}}}}"


_TOKEN = re.compile(
    r"\\(?P<esc>.)"
    r"|\*\*(?P<bold>(?:\\.|[^*\\])+?)\*\*"
    r"|\*(?P<italic>(?:\\.|[^*\\])+?)\*"
    r"|`(?P<code>[^`]+)`"
    r"|\[(?P<label>(?:\\.|[^\]\\])+)\]\((?P<url>https?://[^\s)]+|tg://[^\s)]+)\)"
    r"|\{\{time:(?P<unix>-?\d+)\|(?P<fallback>[^}]*)\}\}"
    r"|\{\{user:(?P<user>\d+)\|(?P<name>[^}]*)\}\}",
    re.DOTALL,
)
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)


def _plain(text: str) -> str:
    return _UNESCAPE.sub(r"\1", text)


def parse(text: str) -> list[Segment]:
    """Split markup into segments; anything that is not a complete tag is plain text."""
    out: list[Segment] = []
    buf: list[str] = []
    pos = 0

    def flush() -> None:
        if buf:
            out.append(Segment(Kind.TEXT, "".join(buf)))
            buf.clear()

    for m in _TOKEN.finditer(text):
        buf.append(text[pos : m.start()])
        pos = m.end()
        if m.group("esc") is not None:
            buf.append(m.group("esc"))
            continue
        flush()
        if m.group("bold") is not None:
            out.append(Segment(Kind.BOLD, _plain(m.group("bold"))))
        elif m.group("italic") is not None:
            out.append(Segment(Kind.ITALIC, _plain(m.group("italic"))))
        elif m.group("code") is not None:
            out.append(Segment(Kind.CODE, m.group("code")))
        elif m.group("label") is not None:
            out.append(Segment(Kind.LINK, _plain(m.group("label")), m.group("url")))
        elif m.group("user") is not None:
            out.append(Segment(Kind.USER, m.group("name"), m.group("user")))
        else:
            out.append(Segment(Kind.TIME, m.group("fallback"), m.group("unix")))
    buf.append(text[pos:])
    flush()
    return [s for s in out if s.text or s.kind in (Kind.TIME, Kind.USER)]


SegmentRenderer = Callable[[Segment], str]


def render_plain(seg: Segment) -> str:
    """Console and anything without formatting: links show their address."""
    if seg.kind is Kind.LINK:
        return seg.text if seg.text == seg.target else f"{seg.text} ({seg.target})"
    return seg.text


def render_telegram_html(seg: Segment) -> str:
    """Telegram's HTML parse mode."""
    t = html.escape(seg.text, quote=False)
    match seg.kind:
        case Kind.BOLD:
            return f"<b>{t}</b>"
        case Kind.ITALIC:
            return f"<i>{t}</i>"
        case Kind.CODE:
            return f"<code>{t}</code>"
        case Kind.LINK:
            return f'<a href="{html.escape(seg.target, quote=True)}">{t}</a>'
        case _:
            return t


_DISCORD_SPECIAL = re.compile(r"([\\*_`~|>\[\]()#-])")


#: What an address may hold past its host and be left unescaped: characters that start no
#: markdown (so not ``* _ | ` [ ] < > \``) and letters of any script, with ``_`` and ``~``
#: only inside it, and ``( )`` only in balanced pairs (``Grief_(disambiguation)``).
_URL_CHARS = r"(?:[A-Za-z0-9\-.~/?#&=%+@!$,;:'_]|[^\x00-\x7f\s])"
#: A link's address as Discord finds one in text: a scheme, a host, then the rest. Discord
#: reads it as a link before any markdown, so an escape inside it is not undone: it stays in
#: the address, and ``\_`` even turns into ``/_``, a broken link. Only what Discord will surely
#: read as part of the link is left unescaped: its host must be a host (``https://x[a](b)``
#: would otherwise pass a masked link through), and the words after it are escaped as words.
_DISCORD_URL = re.compile(
    r"https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]+)?"
    rf"(?:[/?#](?:{_URL_CHARS}|\({_URL_CHARS}*\))*"
    rf"(?:[A-Za-z0-9/=&#%+-]|[^\x00-\x7f\s]|\({_URL_CHARS}*\)))?"
)


def _discord_escape_words(text: str) -> str:
    # Escape markdown characters and break any @-mention so bridged text never pings anyone.
    return _DISCORD_SPECIAL.sub(r"\\\1", text).replace("@", "@\u200b")


def _discord_escape(text: str) -> str:
    """Text shown literally on Discord: markdown escaped, mentions broken, and link addresses
    left whole so they still open (the message is sent with no mentions allowed, so an ``@``
    left in an address pings nobody). A ``(`` just before an address and ``)`` just after it
    are left as they are too: Discord reads a link on from an escape's backslash
    (``https://x.org/a\\)`` opens ``https://x.org/a/``), and as ``[`` and ``]`` are always
    escaped, a bracket alone makes no markdown."""
    if "://" not in text:
        return _discord_escape_words(text)
    out = []
    at = 0
    for found in _DISCORD_URL.finditer(text):
        start, end = found.span()
        if start < at:
            continue  # inside the closing brackets already taken after the last address
        before = text[at:start]
        opening = before.endswith("(")
        out.append(_discord_escape_words(before[:-1] if opening else before))
        if opening:
            out.append("(")
        out.append(found.group())
        closing = end
        while closing < len(text) and text[closing] == ")":
            closing += 1
        out.append(text[end:closing])
        at = closing
    out.append(_discord_escape_words(text[at:]))
    return "".join(out)


def render_discord(seg: Segment) -> str:
    """Discord markdown, with ``<t:unix:f>`` for times so each reader sees their own zone."""
    match seg.kind:
        case Kind.BOLD:
            return f"**{_discord_escape(seg.text)}**"
        case Kind.ITALIC:
            return f"*{_discord_escape(seg.text)}*"
        case Kind.CODE:
            return f"`{seg.text.replace('`', 'ˋ')}`"
        case Kind.LINK:
            return f"[{_discord_escape(seg.text)}]({seg.target})"
        case Kind.TIME:
            return f"<t:{seg.target}:f>"
        case Kind.USER:
            return f"<@{seg.target}>"
        case _:
            return _discord_escape(seg.text)


def render(text: str, renderer: SegmentRenderer) -> str:
    return "".join(renderer(s) for s in parse(text))


def _cut(text: str, size: int) -> tuple[str, str] | None:
    """Cut ``text`` at the last line break (else space) within ``size`` characters."""
    if len(text) <= size:
        return text, ""
    for sep in ("\n", " "):
        at = text.rfind(sep, 0, size + 1)
        if at > 0:
            # The rest starts the next message: the break it was cut at is not part of it
            # (else it would count against that message's limit, and a line of exactly the
            # limit, such as a 2,000-character address, would be cut again).
            rest = text[at + 1 :] if sep == "\n" else text[at:]
            return text[:at], rest.lstrip(" ")
    return None


def _head_length(seg: Segment, size: int, renderer: SegmentRenderer) -> int:
    """How long the first ``size`` characters of ``seg`` render."""
    return len(renderer(Segment(seg.kind, seg.text[:size], seg.target)))


def split(text: str, renderer: SegmentRenderer, limit: int) -> list[str]:
    """Render and split into messages of at most ``limit`` characters, preferring line breaks
    and never cutting inside a tag."""
    return [join(chunk, renderer) for chunk in split_segments(text, renderer, limit)]


def join(chunk: list[Segment], renderer: SegmentRenderer) -> str:
    """One chunk of :func:`split_segments` as a message."""
    return "".join(renderer(s) for s in chunk).strip("\n")


def split_segments(text: str, renderer: SegmentRenderer, limit: int) -> list[list[Segment]]:
    """The segments of each message :func:`split` makes, so the same message can also be
    rendered another way (Telegram's plain fallback for a part it refused as HTML). Rendered
    with a renderer never longer than ``renderer`` (such as :func:`render_plain`, beside
    Telegram's HTML), each chunk still fits ``limit``. The one exception ends the split
    instead of hanging: a unit that cannot fit at all (one character whose tag alone is over
    ``limit``, or a link, time or mention that does not fit whole) is a chunk of its own."""
    if _NO_TAG.fullmatch(text):
        # No character a tag or an escape begins with (most short replies and prompts):
        # the text is one plain segment, which :func:`parse` would find, the rest of this
        # function would keep whole when it fits, and drop when it is only blank.
        whole = Segment(Kind.TEXT, text)
        piece = renderer(whole)
        if len(piece) <= limit:
            return [[whole]] if piece.strip() else []
    chunks: list[list[Segment]] = []
    current = ""
    segments: list[Segment] = []
    pending = deque(parse(text))

    def flush() -> None:
        nonlocal current
        if current.strip():
            chunks.append(list(segments))
        current = ""
        segments.clear()

    def add(seg: Segment, piece: str) -> None:
        nonlocal current
        current += piece
        segments.append(seg)

    while pending:
        seg = pending.popleft()
        piece = renderer(seg)
        if len(current) + len(piece) <= limit:
            add(seg, piece)
            continue
        if len(piece) <= limit and current:
            flush()
            pending.appendleft(seg)
            continue
        # The segment itself must be cut: estimate how much raw text fits in the room left.
        room = limit - len(current)
        ratio = len(piece) / max(len(seg.text), 1)
        size = max(int(room / ratio), 0)
        cut = _cut(seg.text, size) if size else None
        while cut is not None and len(renderer(Segment(seg.kind, cut[0], seg.target))) > room:
            size = size * 3 // 4
            cut = _cut(seg.text, size) if size else None
        if cut is None:
            if current:
                flush()
                pending.appendleft(seg)
                continue
            size = max(int(limit / ratio), 1)
            while size > 1 and _head_length(seg, size, renderer) > limit:
                size = size * 3 // 4
            if _head_length(seg, 1, renderer) > limit:
                # Not even one character fits (a limit smaller than a tag, a link whose address
                # alone is over the limit): the smallest unit goes in a part of its own, over
                # the limit, rather than the split never ending. A link, time or mention is
                # that unit whole: cutting it would only repeat its address in every part.
                size = len(seg.text) if seg.target else 1
            cut = seg.text[:size], seg.text[size:]
        head, tail = cut
        first = Segment(seg.kind, head, seg.target)
        add(first, renderer(first))
        flush()
        if tail:
            pending.appendleft(Segment(seg.kind, tail, seg.target))
    flush()
    return chunks
