"""Words shown on Discord stay words, and the addresses in them stay links.

Read with ``discord_markdown`` (the parser the relay already uses to read Discord's messages,
made to read them as Discord does): a rendered text must hold no markdown at all (no bold,
spoiler, code, masked link …), only the links Discord finds by itself, each the address as
it was written. Escaping inside an address broke it (``\\_`` opens as ``/_``); leaving too
much unescaped let a person's words carry a masked link (``https://x[Login](https://evil)``).
"""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import unquote

import discord_markdown
import pytest

from bot.core import markup

#: Addresses as content and people write them (the shipped content has the first kinds).
ADDRESSES = [
    "https://towardtheheart.com/naloxone",
    "https://www.cmha.ca/find-help/how-to-get-help-in-a-crisis/",
    "https://en.wikipedia.org/wiki/Grief_(disambiguation)",
    "https://example.org/peer_support-circle/(west)?topic=grief_and-loss#first-visit",
    "https://example.org/form?a=1&b=x~y&c=%20d",
    "https://example.org/café_au-lait/été",
    "http://localhost:8080/a_b",
]


def found(rendered: str) -> list[tuple[str, Any]]:
    """What Discord makes of ``rendered``: every node that is not plain text."""
    out: list[tuple[str, Any]] = []
    todo = [discord_markdown.parse_lossless(rendered)]
    while todo:
        node = todo.pop()
        kind = node.get("kind", {})
        plain = ("document", "paragraph", "text", "empty")  # empty: a line with nothing on it
        if node.get("type") == "node" and kind.get("type") not in plain:
            out.append((kind["type"], kind.get("value")))
        todo.extend(node.get("children", []))
    return out


def shown(text: str) -> str:
    return markup.render_discord(markup.Segment(markup.Kind.TEXT, text))


@pytest.mark.parametrize("address", ADDRESSES)
def test_an_address_among_words_is_one_link_to_itself(address: str) -> None:
    for text in (address, f"Here: {address} (call first).", f"({address})", f"{address}. Or"):
        links = found(shown(text))
        assert [(k, v["kind"], unquote(v["url"]).rstrip("/")) for k, v in links] == [
            ("link", "detected", unquote(address).rstrip("/"))
        ], text


@pytest.mark.parametrize(
    "said",
    [
        "https://x[Login](https://evil.example/login)",
        "https://[Bank](https://evil.example)",
        "https://x||secret||",
        "https://a.example/x|| hidden https://b.example/y||",
        "https://a.example/x** loud https://b.example/y**",
        "https://a.example/x~~ struck https://b.example/y~~",
        "https://a.example/x_ slanted https://b.example/y_",
        "see https://x.org/a `code` https://x.org/b",
    ],
)
def test_an_address_carries_no_markdown_in_with_it(said: str) -> None:
    kinds = [(k, v) for k, v in found(shown(said)) if k != "link" or v["kind"] != "detected"]
    assert kinds == [], said


ATOMS = [
    "https://", "http://", "x.org", "/", "a", "b", " ", "\n", "*", "**", "_", "__", "~~",
    "||", "`", ")", "(", "[", "]", "\\", "@", "#", "-", ">", ".", ",", "<", "?q=1&r=2",
]  # fmt: skip


def test_random_words_and_addresses_carry_no_markdown() -> None:
    rnd = random.Random(20261130)
    tried = 0
    while tried < 3000:
        said = "".join(rnd.choice(ATOMS) for _ in range(rnd.randint(3, 16)))
        if "://" not in said:
            continue
        tried += 1
        kinds = [(k, v) for k, v in found(shown(said)) if k != "link" or v["kind"] != "detected"]
        assert kinds == [], (said, shown(said))
