"""Many generated messages (fixed seed, so every run is the same): whatever the formatting,
emoji and length, every part fits its platform's limit and every word arrives, in order."""

from __future__ import annotations

import random
from html.parser import HTMLParser

import pytest

from bot.core.richtext import RichText, Span, Style
from bot.platforms.discord.relay_format import from_markdown, markdown_parts
from bot.platforms.telegram.relay_format import WORD_JOINER, html_parts, utf16_len

WORDS = ["peer", "shift", "naloxone", "🙂", "𝄞x", "a_b", "*", "<tag>", "&", "@here", "x" * 40]
STYLES = [Style.BOLD, Style.ITALIC, Style.UNDERLINE, Style.STRIKE, Style.SPOILER, Style.CODE]


def _message(rng: random.Random) -> RichText:
    words = [rng.choice(WORDS) for _ in range(rng.randint(1, 2500))]
    seps = [rng.choice([" ", " ", " ", "\n", "\n\n"]) for _ in words]
    text = "".join(w + s for w, s in zip(words, seps, strict=True)).strip()
    spans: list[Span] = []
    for _ in range(rng.randint(0, 40)):  # nested: each inside the previous, or fresh
        if spans and rng.random() < 0.5:
            outer = spans[-1]
            if outer.end - outer.start < 2:
                continue
            start = rng.randint(outer.start, outer.end - 1)
            end = rng.randint(start + 1, outer.end)
        else:
            start = rng.randint(0, len(text) - 1)
            end = rng.randint(start + 1, min(len(text), start + 3000))
        spans.append(Span(rng.choice(STYLES), start, end))
    return RichText(text, tuple(spans))


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""

    def handle_data(self, data: str) -> None:
        self.text += data


def _visible(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return parser.text


@pytest.mark.parametrize("seed", range(12))
def test_every_part_fits_and_every_word_arrives(seed: int) -> None:
    rich = _message(random.Random(seed))
    words = rich.text.split()
    telegram = [_visible(p) for p in html_parts(rich)]
    assert all(utf16_len(t) <= 4096 for t in telegram)
    assert " ".join(telegram).replace(WORD_JOINER, "").split() == words
    discord = markdown_parts(rich)
    assert all(len(p) <= 2000 for p in discord)
    back = " ".join(from_markdown(p).text for p in discord).replace("\u200b", "")
    assert back.split() == words
