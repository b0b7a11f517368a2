"""Splitting a long message always ends, whatever the limit: a unit that cannot fit (a tag
longer than the limit, a link whose address alone is over it) goes in a part of its own.

Many random texts at small limits, each split watched by counting the renderer's (or the
fit test's) calls: a split that would loop for ever trips the count instead of hanging the
test run, and no figure here depends on the machine's speed."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import pytest

from bot.core import markup
from bot.core.richtext import RichText, Span, Style, split
from bot.platforms.discord import relay_format as discord_format
from bot.platforms.discord.relay_format import markdown_parts
from bot.platforms.telegram import relay_format as telegram_format
from bot.platforms.telegram.relay_format import html_parts

#: Far more calls than any of these small splits needs; a loop that never ends exceeds it.
CALLS = 200_000
PIECES = (
    "a",
    "b",
    "é",
    "🙂",
    " ",
    "\n",
    "&",
    "<",
    "@",
    "*",
    "_",
    "**bo ld**",
    "*it*",
    "`co de`",
    "[la bel](https://example.org/a/b)",
    "{{time:1764000000|1 Dec 10:00}}",
    "{{user:123456789|Sam}}",
    "\\*",
)


class Runaway(AssertionError):
    """The split went on far past any length it could need."""


def _counted(renderer: markup.SegmentRenderer) -> markup.SegmentRenderer:
    calls = 0

    def render(seg: markup.Segment) -> str:
        nonlocal calls
        calls += 1
        if calls > CALLS:
            raise Runaway("the split never ended")
        return renderer(seg)

    return render


def _random_markup(rng: random.Random) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 12)))


def _words(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize(
    "renderer", [markup.render_discord, markup.render_telegram_html, markup.render_plain]
)
def test_a_markup_split_ends_at_any_limit_and_loses_nothing(
    renderer: markup.SegmentRenderer,
) -> None:
    rng = random.Random(14)
    for _ in range(600):
        text = _random_markup(rng)
        limit = rng.randint(-1, 12)
        chunks = markup.split_segments(text, _counted(renderer), limit)
        whole = markup.parse(text)
        # Nothing lost: every character and every link, time and mention, in order.
        assert _words("".join(s.text for c in chunks for s in c)) == _words(
            "".join(s.text for s in whole)
        ), (text, limit)
        targets = [s.target for c in chunks for s in c if s.target]
        assert sorted(set(targets)) == sorted({s.target for s in whole if s.target})
        for chunk in chunks:
            if len(markup.join(chunk, renderer)) > limit:
                # Only the smallest unit is ever over the limit, and then alone.
                assert len(chunk) == 1, (text, limit, chunk)
                (seg,) = chunk
                assert len(seg.text) <= 1 or seg.target, (text, limit, chunk)


def test_a_link_longer_than_the_platform_limit_is_one_part_not_a_hang() -> None:
    address = "https://example.org/" + "x" * 5000
    text = f"Before.\n[the guide]({address})\nAfter."
    parts = markup.split(text, _counted(markup.render_discord), 2000)
    assert parts == ["Before.", f"[the guide]({address})", "After."]
    html = markup.split(text, _counted(markup.render_telegram_html), 4096)
    assert html[1] == f'<a href="{address}">the guide</a>' and len(html) == 3


def test_a_limit_smaller_than_a_tag_puts_each_character_in_a_part_of_its_own() -> None:
    assert markup.split("**ab**\n&", _counted(markup.render_discord), 3) == [
        "**a**",
        "**b**",
        "&",
    ]
    assert markup.split("a&b", _counted(markup.render_telegram_html), 3) == ["a", "&amp;", "b"]


def _counted_fits(fits: Callable[[RichText], bool]) -> Callable[[RichText], bool]:
    calls = 0

    def counted(part: RichText) -> bool:
        nonlocal calls
        calls += 1
        if calls > CALLS:
            raise Runaway("the split never ended")
        return fits(part)

    return counted


def test_a_rich_text_split_ends_at_any_limit_and_loses_nothing() -> None:
    rng = random.Random(14)
    styles = list(Style)
    for _ in range(600):
        text = "".join(rng.choice("ab é🙂\n&<*_") for _ in range(rng.randint(1, 30)))
        spans = []
        for _ in range(rng.randint(0, 3)):
            start = rng.randrange(len(text))
            spans.append(Span(rng.choice(styles), start, rng.randint(start + 1, len(text))))
        rich = RichText(text, tuple(spans))
        limit = rng.randint(-2, 8)

        def fits(part: RichText, limit: int = limit) -> bool:
            return len(part.text) <= limit

        parts = split(rich, _counted_fits(fits), limit)
        assert _words("".join(p.text for p in parts)) == _words(text), (text, limit)
        for part in parts:
            assert len(part.text) <= max(limit, 1) or len(part.text.strip()) == 1


@pytest.mark.parametrize("limit", [-1, 0])
def test_platform_parts_end_even_at_a_limit_under_one(
    limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    def watched(
        rich: RichText, fits: Callable[[RichText], bool], longest: int | None = None
    ) -> list[RichText]:
        return split(rich, _counted_fits(fits), longest)

    monkeypatch.setattr(discord_format, "split", watched)
    monkeypatch.setattr(telegram_format, "split", watched)
    rich = RichText("ab & <x>", (Span(Style.BOLD, 0, 2),))
    assert markdown_parts(rich, limit=limit) == ["**a**", "**b**", "&", "<", "x", ">"]
    assert html_parts(rich, limit=limit) == ["<b>a</b>", "<b>b</b>", "&amp;", "&lt;", "x", "&gt;"]
