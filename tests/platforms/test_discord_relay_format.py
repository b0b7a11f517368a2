"""Discord markdown → RichText → Discord markdown parts: what crosses, what stays inert."""

from __future__ import annotations

import pytest

from bot.core.model import AccountRef, Platform
from bot.core.richtext import RichText, Span, Style
from bot.platforms.discord.relay_format import (
    MentionNames,
    from_markdown,
    markdown_parts,
    plain_parts,
    render,
)

NAMES = MentionNames(users={123: "Sam"}, roles={9: "stewards"}, channels={77: "general"})


def _styled(rich: RichText) -> list[tuple[Style, str]]:
    return [(s.style, rich.text[s.start : s.end]) for s in rich.spans]


def _shape(rich: RichText) -> tuple[str, list[tuple[Style, int, int, str, str]]]:
    return rich.text, [(s.style, s.start, s.end, s.url, s.language) for s in rich.spans]


# -- reading ------------------------------------------------------------------------------------


def test_inline_formatting_is_read_with_nesting() -> None:
    rich = from_markdown("**bold _both_** __under__ ~~gone~~ ||secret|| `x*y` *it*")
    assert rich.text == "bold both under gone secret x*y it"
    assert _styled(rich) == [
        (Style.BOLD, "bold both"),
        (Style.ITALIC, "both"),
        (Style.UNDERLINE, "under"),
        (Style.STRIKE, "gone"),
        (Style.SPOILER, "secret"),
        (Style.CODE, "x*y"),
        (Style.ITALIC, "it"),
    ]


def test_code_blocks_quotes_and_links() -> None:
    rich = from_markdown(
        "```py\nprint('**no**')\n```\n> one line\n>>> all\nthe rest [site](https://s.example) "
        "https://bare.example"
    )
    assert rich.text == ("print('**no**')\none line\nall\nthe rest site https://bare.example")
    spans = {(s.style, rich.text[s.start : s.end]): s for s in rich.spans}
    assert spans[(Style.PRE, "print('**no**')")].language == "py"
    assert (Style.QUOTE, "one line") in spans
    assert (Style.QUOTE, "all\nthe rest site https://bare.example") in spans
    assert spans[(Style.LINK, "site")].url == "https://s.example"
    assert spans[(Style.LINK, "https://bare.example")].url == "https://bare.example"


def test_escaped_markdown_stays_text() -> None:
    assert from_markdown(r"\*\*not bold\*\* 2 \* 3") == RichText("**not bold** 2 * 3")


def test_mentions_become_names_and_mass_pings_inert_text() -> None:
    rich = from_markdown("<@123> <@!555> <@&9> <#77> @everyone @here", NAMES)
    assert rich.text == "@Sam @someone @stewards #general @everyone @here"
    assert _styled(rich) == [(Style.MENTION, "@Sam"), (Style.MENTION, "@someone")]
    assert rich.spans[0].account == AccountRef(Platform.DISCORD, "123")


def test_astral_characters_keep_positions() -> None:
    rich = from_markdown("🎉🎉 **party** 𝄞 *on*")
    assert _styled(rich) == [(Style.BOLD, "party"), (Style.ITALIC, "on")]


# -- writing ------------------------------------------------------------------------------------

ROUND_TRIPS = [
    "**bold *italic* bold** plain",
    "***both*** and **a** *b*",
    "__under__ ~~strike~~ ||spoiler|| `code` ``a`b``",
    "```python\ndef f():\n    return '**'\n```",
    "> quoted line\nafter",
    "[label](https://example.org/a_b) and https://bare.example/x_y",
    "snake_case_name and 2 * 3 * 4 and a|b and ~tilde~",
    "- not a list\n# not a heading\n> not a quote",
]


@pytest.mark.parametrize("source", ROUND_TRIPS)
def test_rendered_markdown_reads_back_the_same(source: str) -> None:
    rich = from_markdown(source)
    assert _shape(from_markdown(render(rich))) == _shape(rich)


@pytest.mark.parametrize(
    "text",
    [
        "*stars* and _underscores_ and **double** and `ticks`",
        "||pipes|| ~~tildes~~ __under__",
        "> looks like a quote\n# looks like a heading\n  - looks like a list",
        "[looks](https://like.a/link) <@123456789012345678> @everyone @here",
        "back\\slash \\*escaped\\*",
    ],
)
def test_plain_text_from_elsewhere_is_never_read_as_markup(text: str) -> None:
    back = from_markdown(render(RichText(text)))
    assert back.text.replace("\u200b", "") == text
    # Only a bare address may show as a link (Discord links it by itself).
    assert all(s.url == back.text[s.start : s.end] for s in back.spans)


def test_no_mass_or_role_ping_crosses() -> None:
    out = render(from_markdown("@everyone @here <@&9>", NAMES))
    assert "@everyone" not in out and "@here" not in out and "<@&" not in out


def test_a_linked_person_is_mentioned_and_anyone_else_is_their_name() -> None:
    linked = AccountRef(Platform.TELEGRAM, "1")
    rich = RichText(
        "ask Robin or @alex or Kim",
        (
            Span(Style.MENTION, 4, 9, account=linked),
            Span(Style.MENTION, 13, 18),
            Span(Style.MENTION, 22, 25, account=AccountRef(Platform.TELEGRAM, "2")),
        ),
    )

    def resolve(who: AccountRef) -> AccountRef | None:
        return AccountRef(Platform.DISCORD, "987654321098765432") if who == linked else None

    assert render(rich, resolve) == "ask <@987654321098765432> or @alex or Kim"
    assert plain_parts(rich, resolve=resolve) == ["ask <@987654321098765432> or @alex or Kim"]


def test_inline_spans_never_start_or_end_on_a_space() -> None:
    rich = RichText("a  word  b", (Span(Style.ITALIC, 1, 9),))
    assert render(rich) == "a  *word*  b"


def test_long_messages_split_within_2000_characters_at_boundaries() -> None:
    paragraph = "**" + "bold words " * 50 + "** and *" + "italic " * 40 + "*"
    source = "\n\n".join(paragraph for _ in range(12))
    rich = from_markdown(source)
    parts = markdown_parts(rich)
    assert len(parts) > 2
    assert all(len(p) <= 2000 for p in parts)
    back = [from_markdown(p) for p in parts]
    assert " ".join(b.text for b in back).split() == rich.text.split()
    styled = sum(len(rich.text[s.start : s.end].split()) for s in rich.spans)
    assert sum(len(b.text[s.start : s.end].split()) for b in back for s in b.spans) == styled


def test_a_span_across_the_split_point_is_closed_and_reopened() -> None:
    rich = RichText("word " * 600, (Span(Style.BOLD, 0, 3000),))
    parts = markdown_parts(rich)
    assert len(parts) == 2
    assert all(p.startswith("**") and p.endswith("**") for p in parts)


def test_a_code_block_is_kept_whole_when_it_fits_a_part() -> None:
    code = "\n".join(f"x = {i}" for i in range(150))
    source = "intro " * 200 + "\n```py\n" + code + "\n```"
    parts = markdown_parts(from_markdown(source))
    assert len(parts) == 2
    assert parts[1] == f"```py\n{code}\n```"


def test_a_code_block_longer_than_a_message_is_cut_at_lines_each_part_fenced() -> None:
    code = "\n".join(f"value_{i} = {i}" for i in range(300))
    parts = markdown_parts(from_markdown(f"```py\n{code}\n```"))
    assert len(parts) > 1
    for part in parts:
        assert len(part) <= 2000
        assert part.startswith("```py\n") and part.endswith("\n```")
    lines = [line for p in parts for line in p.split("\n")[1:-1]]
    assert lines == code.split("\n")


def test_the_plain_fallback_has_no_formatting_but_keeps_every_word() -> None:
    rich = from_markdown("**bold** and [link](https://x.example) ||hidden||")
    [plain] = plain_parts(rich)
    assert from_markdown(plain) == RichText("bold and link hidden")


def _styles_by_letter(rich: RichText) -> list[tuple[str, frozenset[Style]]]:
    """Each visible non-space character with the styles on it (zero-width spaces dropped)."""
    out = []
    for i, ch in enumerate(rich.text):
        if ch.isspace() or ch == "\u200b":
            continue
        out.append((ch, frozenset(s.style for s in rich.spans if s.start <= i < s.end)))
    return out


@pytest.mark.parametrize(
    "rich",
    [
        RichText("ab", (Span(Style.UNDERLINE, 1, 2),)),  # underline starting mid-word
        RichText("ab", (Span(Style.UNDERLINE, 0, 1),)),  # ... and ending mid-word
        RichText("abcd", (Span(Style.STRIKE, 0, 2), Span(Style.STRIKE, 2, 4))),  # ~~ ~~
        RichText("abcd", (Span(Style.ITALIC, 0, 2), Span(Style.BOLD, 2, 4))),  # * then **
        RichText("cd", (Span(Style.ITALIC, 0, 1), Span(Style.ITALIC, 0, 2))),  # * inside *
        RichText("ab cd", (Span(Style.BOLD, 0, 4), Span(Style.ITALIC, 2, 5))),  # crossing
    ],
)
def test_touching_delimiters_still_read_as_written(rich: RichText) -> None:
    assert _styles_by_letter(from_markdown(render(rich))) == _styles_by_letter(rich)
