"""Splitting relayed text by a platform's limit: where the cuts fall, and what spans do."""

from __future__ import annotations

from bot.core.richtext import Close, Open, RichText, Span, Style, events, split, usual_nesting


def _fits(n: int):  # type: ignore[no-untyped-def]
    return lambda part: len(part.text) <= n


def _styled(part: RichText) -> list[tuple[Style, str]]:
    return [(s.style, part.text[s.start : s.end]) for s in part.spans]


def test_short_text_is_one_part_unchanged() -> None:
    rich = RichText("hello", (Span(Style.BOLD, 0, 5),))
    assert split(rich, _fits(10)) == [rich]


def test_cuts_prefer_paragraphs_then_lines_then_words() -> None:
    para = "first paragraph here.\n\nsecond one is longer than that"
    assert [p.text for p in split(RichText(para), _fits(40))] == [
        "first paragraph here.",
        "second one is longer than that",
    ]
    lines = "line one is here\nline two is here\nline three"
    assert [p.text for p in split(RichText(lines), _fits(36))] == [
        "line one is here\nline two is here",
        "line three",
    ]
    words = "alpha beta gamma delta epsilon"
    assert [p.text for p in split(RichText(words), _fits(12))] == [
        "alpha beta",
        "gamma delta",
        "epsilon",
    ]


def test_a_far_too_early_paragraph_break_loses_to_a_full_line() -> None:
    text = "hi\n\n" + "x" * 30 + "\n" + "y" * 30
    parts = split(RichText(text), _fits(60))
    assert [p.text for p in parts] == ["hi\n\n" + "x" * 30, "y" * 30]


def test_a_span_cut_by_the_split_is_closed_and_reopened() -> None:
    text = "aaaa bbbb cccc dddd"
    rich = RichText(text, (Span(Style.BOLD, 5, 14), Span(Style.LINK, 0, 19, url="https://x")))
    parts = split(rich, _fits(9))
    assert [p.text for p in parts] == ["aaaa bbbb", "cccc dddd"]
    assert _styled(parts[0]) == [(Style.BOLD, "bbbb"), (Style.LINK, "aaaa bbbb")]
    assert _styled(parts[1]) == [(Style.BOLD, "cccc"), (Style.LINK, "cccc dddd")]
    assert parts[1].spans[1].url == "https://x"


def test_never_inside_a_code_block_when_a_cut_before_it_fits() -> None:
    code = "line1\nline2\nline3"
    text = "intro words\n" + code + "\nafter"
    start = len("intro words\n")
    rich = RichText(text, (Span(Style.PRE, start, start + len(code), language="py"),))
    parts = split(rich, _fits(20))
    assert parts[0].text == "intro words"
    assert parts[1].text == code
    assert parts[1].spans == (Span(Style.PRE, 0, len(code), language="py"),)


def test_a_code_block_longer_than_the_limit_is_cut_at_lines_keeping_indentation() -> None:
    code = "def f():\n    return 1\n    # end"
    rich = RichText(code, (Span(Style.PRE, 0, len(code), language="py"),))
    parts = split(rich, _fits(22))
    assert [p.text for p in parts] == ["def f():\n    return 1", "    # end"]
    assert all(p.spans[0].style is Style.PRE and p.spans[0].language == "py" for p in parts)


def test_one_long_word_is_cut_but_not_inside_an_emoji() -> None:
    family = "👩\u200d👩\u200d👧"
    rich = RichText("x" * 9 + family + "y" * 5)
    parts = split(rich, _fits(10))
    assert "".join(p.text for p in parts) == rich.text
    assert all(len(p.text) <= 10 for p in parts)
    assert not any(p.text.startswith("\u200d") for p in parts)


def test_ten_thousand_characters_all_arrive_in_order_with_their_formatting() -> None:
    words = " ".join(f"w{i}" for i in range(2000))
    assert len(words) > 10_000
    rich = RichText(words, (Span(Style.ITALIC, 100, 9000),))
    parts = split(rich, _fits(2000))
    assert len(parts) == 6
    assert all(len(p.text) <= 2000 for p in parts)
    assert " ".join(p.text for p in parts) == words
    italic: set[int] = set()
    offset = 0
    for part in parts:
        for span in part.spans:
            italic.update(range(offset + span.start, offset + span.end))
        offset += len(part.text) + 1
    letters = {i for i in range(len(words)) if words[i] != " "}
    assert italic & letters == set(range(100, 9000)) & letters


def test_whitespace_only_parts_are_left_out() -> None:
    parts = split(RichText("a" * 5 + "\n" * 20 + "b" * 5), _fits(6))
    assert [p.text for p in parts] == ["aaaaa", "bbbbb"]


def test_a_span_at_the_very_end_stays_in_the_last_part() -> None:
    text = "one two three four"
    rich = RichText(text, (Span(Style.SPOILER, 14, 18),))
    parts = split(rich, _fits(9))
    assert _styled(parts[-1]) == [(Style.SPOILER, "four")]


def test_header_and_body_join_with_their_spans() -> None:
    header = RichText("Sam\n", (Span(Style.BOLD, 0, 3),))
    body = RichText("hi there", (Span(Style.ITALIC, 3, 8),))
    both = header + body
    assert both.text == "Sam\nhi there"
    assert _styled(both) == [(Style.BOLD, "Sam"), (Style.ITALIC, "there")]


def test_crossing_spans_are_closed_and_reopened_as_nested_tags() -> None:
    rich = RichText("abcdef", (Span(Style.BOLD, 0, 4), Span(Style.ITALIC, 2, 6)))
    out = []
    for event in events(rich, usual_nesting):
        if isinstance(event, Open):
            out.append(f"<{event.span.style.value}>")
        elif isinstance(event, Close):
            out.append(f"</{event.span.style.value}>")
        else:
            out.append(event)
    assert "".join(out) == "<bold>ab<italic>cd</italic></bold><italic>ef</italic>"


def test_nothing_is_nested_inside_code() -> None:
    rich = RichText("code", (Span(Style.CODE, 0, 4), Span(Style.BOLD, 1, 3)))
    opened = [e.span.style for e in events(rich, usual_nesting) if isinstance(e, Open)]
    assert opened == [Style.CODE]
