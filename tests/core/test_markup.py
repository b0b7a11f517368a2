"""The reply markup subset, its renderers, and splitting long messages by platform limits."""

from __future__ import annotations

import re

import pytest

from bot.core import markup


def test_each_platform_renders_the_same_reply_natively() -> None:
    text = "**Hi** *there* `/help` [988](https://988.ca) " + markup.time_tag(
        1700000000, "Tue 10:00"
    )
    assert (
        markup.render(text, markup.render_plain) == "Hi there /help 988 (https://988.ca) Tue 10:00"
    )
    assert markup.render(text, markup.render_telegram_html) == (
        '<b>Hi</b> <i>there</i> <code>/help</code> <a href="https://988.ca">988</a> Tue 10:00'
    )
    assert markup.render(text, markup.render_discord) == (
        "**Hi** *there* `/help` [988](https://988.ca) <t:1700000000:f>"
    )


def test_a_discord_user_is_a_mention_on_discord_and_their_name_elsewhere() -> None:
    text = "on Discord as " + markup.user_tag("123456789012345678", "dee<3")
    assert markup.render(text, markup.render_discord) == "on Discord as <@123456789012345678>"
    assert markup.render(text, markup.render_telegram_html) == "on Discord as dee&lt;3"
    assert markup.render(text, markup.render_plain) == "on Discord as dee<3"
    typed = markup.escape("{{user:1|x}}")  # the same words typed by a person stay words
    assert markup.render(typed, markup.render_discord) != "<@1>"


def test_text_from_people_shows_literally_and_cannot_ping_everyone() -> None:
    said = "*not bold* <b>x</b> @everyone [a](https://x.y)"
    safe = markup.escape(said)
    assert markup.render(safe, markup.render_plain) == said
    assert markup.render(safe, markup.render_telegram_html) == (
        "*not bold* &lt;b&gt;x&lt;/b&gt; @everyone [a](https://x.y)"
    )
    discord = markup.render(safe, markup.render_discord)
    assert "@everyone" not in discord and "\\*not bold\\*" in discord


def test_long_messages_split_within_the_limit_without_breaking_tags() -> None:
    text = "\n".join(f"**Line {i}** with & some <text>" for i in range(300))
    for renderer, limit in (
        (markup.render_telegram_html, 4096),
        (markup.render_discord, 2000),
        (markup.render_plain, 500),
    ):
        parts = markup.split(text, renderer, limit)
        assert len(parts) > 1
        assert all(len(p) <= limit for p in parts)
        if renderer is markup.render_telegram_html:
            assert all(p.count("<b>") == p.count("</b>") for p in parts)
        joined = "\n".join(parts)
        assert (
            joined.count("Line 299") == 1
            and joined.count("Line 0 ") + joined.count("Line 0<") + joined.count("Line 0*") >= 1
        )


def test_a_single_huge_word_is_cut_to_fit() -> None:
    parts = markup.split("&" * 5000, markup.render_telegram_html, 4096)
    assert all(len(p) <= 4096 for p in parts)
    assert sum(p.count("&amp;") for p in parts) == 5000


def test_short_messages_are_not_split() -> None:
    assert markup.split("Hello *you*", markup.render_plain, 100) == ["Hello you"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n",
        "  \n ",
        "A short check-in.",
        "Tom & Jerry <3 > all\n\nsecond line\n",
        "\nleading and trailing newlines\n",
        "x" * 4096,
        "x" * 4097,
        "a < b " * 700,  # fits as text, not once escaped
        "line\n" * 1200,
        "ü🙂 " * 900,
        "closing ] and } alone are no tag",
    ],
)
@pytest.mark.parametrize("renderer", [markup.render_telegram_html, markup.render_plain])
def test_text_without_any_tag_is_split_as_the_full_parse_splits_it(
    text: str, renderer: markup.SegmentRenderer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Text with no character a tag begins with skips the parser: the same parts, in the
    same segments, as the parser's way gives (forced here by a pattern that never matches)."""
    quick = markup.split_segments(text, renderer, 4096)
    monkeypatch.setattr(markup, "_NO_TAG", re.compile(r"(?!)"))
    assert quick == markup.split_segments(text, renderer, 4096)
