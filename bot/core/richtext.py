"""Formatted text people wrote, in a platform-neutral form, for relaying it elsewhere.

The bridge and debrief rooms carry what a person wrote from one platform to another. Each
adapter parses its platform's own formatting (Telegram's message entities, Discord's markdown)
into a :class:`RichText` and renders a :class:`RichText` back into its own formatting, splitting
it by its own limits. Nothing here knows any platform; offsets are Python string indices (code
points), and adapters convert to what their platform counts (Telegram: UTF-16 code units).

Replies the bot itself writes use the smaller markup subset in :mod:`bot.core.markup`; this is
only for relayed text, and it is never stored.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from bot.core.model import AccountRef


class Style(StrEnum):
    BOLD = "bold"
    ITALIC = "italic"
    UNDERLINE = "underline"
    STRIKE = "strike"
    SPOILER = "spoiler"
    CODE = "code"  # inline code
    PRE = "pre"  # a code block; ``Span.language`` may name its language
    LINK = "link"  # ``Span.url`` is where it points
    QUOTE = "quote"  # a block quote
    MENTION = "mention"  # ``Span.account`` is who is mentioned, when the platform says so


@dataclass(frozen=True, slots=True)
class Span:
    """``text[start:end]`` carries ``style``. Spans may nest; they never cross each other."""

    style: Style
    start: int
    end: int
    url: str = ""
    language: str = ""
    account: AccountRef | None = None


@dataclass(frozen=True, slots=True)
class RichText:
    text: str
    spans: tuple[Span, ...] = field(default=())

    @classmethod
    def plain(cls, text: str) -> RichText:
        return cls(text)

    def __len__(self) -> int:
        return len(self.text)

    def __add__(self, other: RichText) -> RichText:
        """Both texts one after the other (e.g. a name header before what someone wrote)."""
        shift = len(self.text)
        moved = tuple(replace(s, start=s.start + shift, end=s.end + shift) for s in other.spans)
        return RichText(self.text + other.text, self.spans + moved)

    def slice(self, start: int, end: int) -> RichText:
        """``text[start:end]`` with every span clipped to it: a span cut by either edge is
        closed at the edge, so each part of a split message carries its share of it."""
        spans = tuple(
            replace(s, start=max(s.start, start) - start, end=min(s.end, end) - start)
            for s in self.spans
            if s.start < end and s.end > start and min(s.end, end) > max(s.start, start)
        )
        return RichText(self.text[start:end], spans)

    def without_spans(self) -> RichText:
        """The same words with no formatting: the fallback when a platform refuses markup."""
        return RichText(self.text)


# -- splitting by a platform's limit -----------------------------------------------------------

# Cut points, best first. Outside code blocks: a paragraph break, a line break, a space.
# Inside a code block (only when no cut outside one fits): a line break, a space, anywhere.
_PARAGRAPH, _LINE, _WORD, _CODE_LINE, _CODE_WORD = range(5)
# A cut that leaves a part shorter than this share of what fits is passed over for a worse
# kind of cut further on, so parts stay reasonably full.
_FULL_ENOUGH = 0.5
# Characters that belong to the one before them: a cut never falls just before one.
_JOINERS = {"\u200d", "\ufe0e", "\ufe0f", "\u20e3"}


@dataclass(frozen=True, slots=True)
class _Cut:
    kind: int
    end: int  # where the part before the cut ends
    resume: int  # where the next part begins


def split(
    rich: RichText, fits: Callable[[RichText], bool], longest: int | None = None
) -> list[RichText]:
    """Cut ``rich`` into parts that each ``fits`` (a platform's limit, measured on what it
    will render), at paragraph, line or word boundaries, and inside a code block only when
    there is no other way. Spans cut by a split are closed and reopened in the next part.
    Whitespace at a cut is dropped (indentation inside a code block is kept); parts that
    would be only whitespace are left out. ``longest``, when given, is the most characters a
    part can hold: the search for where a part ends looks no further, which keeps splitting
    a long message quick (a smaller value only makes parts shorter, never wrong)."""
    text = rich.text
    code = [(s.start, s.end) for s in rich.spans if s.style is Style.PRE]
    parts: list[RichText] = []
    start = 0
    last = len(text.rstrip())
    # At least one character a part: a limit under one still ends (a part of its own each).
    reach = max(longest, 1) if longest is not None else len(text)
    while start < last:
        rest = rich.slice(start, last)
        if last - start <= reach and fits(rest):
            parts.append(rest)
            break
        most = _longest_fit(rich, start, min(last, start + reach), fits)
        cut = _best_cut(text, start, most, code)
        parts.append(rich.slice(start, cut.end))
        start = cut.resume
    return [p for p in parts if p.text.strip()]


def _longest_fit(rich: RichText, start: int, stop: int, fits: Callable[[RichText], bool]) -> int:
    """The furthest end (exclusive, at most ``stop``) with ``rich[start:end]`` fitting; at
    least one character past ``start``, so a split always moves on."""
    if fits(rich.slice(start, stop)):
        return stop
    low, high = start + 1, stop - 1
    while low < high:
        mid = (low + high + 1) // 2
        if fits(rich.slice(start, mid)):
            low = mid
        else:
            high = mid - 1
    return low


def _cuts(text: str, start: int, most: int, code: list[tuple[int, int]]) -> list[_Cut]:
    """Every cut at a run of whitespace whose part (before the run) ends by ``most``."""
    found: list[_Cut] = []
    at = start + 1
    while at <= most and at < len(text):
        if not text[at].isspace():
            at += 1
            continue
        end = at
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            break
        gap = text[end:at]
        in_code = any(a < end and at < b for a, b in code)
        if in_code:
            lines = gap.count("\n")
            resume = end + gap.rfind("\n") + 1 if lines else at
            found.append(_Cut(_CODE_LINE if lines else _CODE_WORD, end, resume))
        else:
            lines = gap.count("\n")
            kind = _PARAGRAPH if lines >= 2 else _LINE if lines else _WORD
            found.append(_Cut(kind, end, at))
    return found


def _best_cut(text: str, start: int, most: int, code: list[tuple[int, int]]) -> _Cut:
    """The best place to cut so the part ends by ``most``: see :func:`split`."""
    cuts = _cuts(text, start, most, code)
    enough = start + (most - start) * _FULL_ENOUGH
    for kinds in ((_PARAGRAPH,), (_LINE,), (_WORD,), (_PARAGRAPH, _LINE, _WORD)):
        usable = [c for c in cuts if c.kind in kinds and (len(kinds) > 1 or c.end >= enough)]
        if usable:
            return max(usable, key=lambda c: c.end)
    for kind in (_CODE_LINE, _CODE_WORD):
        usable = [c for c in cuts if c.kind == kind and c.end >= enough]
        if usable:
            return max(usable, key=lambda c: c.end)
    at = most
    while at > start + 1 and not _can_cut_before(text[at]):
        at -= 1
    return _Cut(_CODE_WORD + 1, at, at)


def _can_cut_before(ch: str) -> bool:
    """False for a character that belongs to the one before it (a combining accent, a joiner
    or variation selector inside an emoji, a skin tone)."""
    return not (unicodedata.combining(ch) or ch in _JOINERS or 0x1F3FB <= ord(ch) <= 0x1F3FF)


# -- walking spans as nested tags ---------------------------------------------------------------

MentionResolver = Callable[[AccountRef], "AccountRef | None"]
"""Given who was mentioned on the source platform, their linked account on the target
platform (``None``: not linked, so their name is shown as plain text). The relay engine
supplies it from the accounts people linked with ``/link``."""


@dataclass(frozen=True, slots=True)
class Open:
    span: Span


@dataclass(frozen=True, slots=True)
class Close:
    span: Span


Event = Open | Close | str


def events(rich: RichText, allowed: Callable[[tuple[Span, ...], Span], bool]) -> list[Event]:
    """``rich`` as a flat run of opening tags, text and closing tags, properly nested for
    tag-based formats: spans open outermost first, and a span that would cross another is
    closed and reopened around it. ``allowed(outer, span)`` drops spans a platform does not
    accept inside ``outer`` (nothing inside code, no link inside a link)."""
    spans = [s for s in rich.spans if 0 <= s.start < s.end <= len(rich.text)]
    keys = {id(s): (s.start, -s.end, i) for i, s in enumerate(spans)}
    bounds = sorted({0, len(rich.text)} | {s.start for s in spans} | {s.end for s in spans})
    starting: dict[int, list[Span]] = {}
    for span in spans:
        starting.setdefault(span.start, []).append(span)
    out: list[Event] = []
    stack: list[Span] = []
    active: list[Span] = []  # the spans covering the current run, outermost first
    for left, right in itertools.pairwise(bounds):
        active = [s for s in active if s.end > left]
        if left in starting:
            active = sorted(active + starting[left], key=lambda s: keys[id(s)])
        wanted: list[Span] = []
        for span in active:
            if allowed(tuple(wanted), span):
                wanted.append(span)
        keep = 0
        while keep < min(len(stack), len(wanted)) and stack[keep] is wanted[keep]:
            keep += 1
        while len(stack) > keep:
            out.append(Close(stack.pop()))
        for span in wanted[keep:]:
            stack.append(span)
            out.append(Open(span))
        out.append(rich.text[left:right])
    while stack:
        out.append(Close(stack.pop()))
    return out


_NO_NESTING = {Style.CODE, Style.PRE}
_LINKS = {Style.LINK, Style.MENTION}


def usual_nesting(outer: tuple[Span, ...], span: Span) -> bool:
    """What both platforms accept: nothing inside code, no link inside a link, no quote
    inside a quote."""
    styles = {s.style for s in outer}
    if styles & _NO_NESTING:
        return False
    if span.style in _LINKS and styles & _LINKS:
        return False
    return not (span.style is Style.QUOTE and Style.QUOTE in styles)
