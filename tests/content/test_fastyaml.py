"""yaml-rs reads content only where it gives exactly what PyYAML gives (bot/content/fastyaml.py):
every shipped file, a big directory, and each value YAML 1.1 and 1.2 read differently load as
PyYAML loads them, so what peers wrote means the same as before, only sooner."""

from __future__ import annotations

import random
from typing import Any

import pytest
import yaml
import yaml_rs

from benchmarks.search import synthetic
from bot.content import fastyaml
from bot.content.problems import ContentError
from bot.content.yamlfile import _Loader, _parse
from tests.helpers import CONTENT

RESOLVERS = _Loader.yaml_implicit_resolvers


def pyyaml(text: str) -> Any:
    data = yaml.load(text, Loader=_Loader)
    return {} if data is None else data


@pytest.mark.parametrize(
    "path", sorted(CONTENT.rglob("*.yaml")), ids=lambda p: str(p.relative_to(CONTENT))
)
def test_every_shipped_file_loads_as_pyyaml_loads_it(path: Any) -> None:
    text = path.read_text("utf-8")
    fast = fastyaml.load(text, RESOLVERS)
    assert fast is None or fast == pyyaml(text)
    assert _parse(text, path.name) == pyyaml(text)


def test_the_big_files_take_the_fast_way() -> None:
    for name in ("distress_examples.yaml", "prompts.yaml", "trainings.yaml"):
        text = (CONTENT / name).read_text("utf-8")
        assert fastyaml.load(text, RESOLVERS) == pyyaml(text), name


def test_a_big_directory_takes_the_fast_way_and_reads_the_same() -> None:
    """Random entries with ordinary English words: ``on``, ``no`` and ``false`` among the
    keywords (quoted, as they must be), true and false as booleans, dates."""
    data = synthetic(2_000, random.Random(14))
    text = yaml.dump(data, Dumper=yaml.SafeDumper, sort_keys=False, allow_unicode=True)
    fast = fastyaml.load(text, RESOLVERS)
    assert fast is not None
    assert fast == pyyaml(text)


# Each reads differently in YAML 1.2 (yaml-rs) than in YAML 1.1 (PyYAML), or is refused by one.
DIFFERENT = [
    "a: yes\n",
    "a: No\n",
    "indigenous_led: on\n",
    "- off\n",
    "a: [yes, 1:2]\n",
    "yes: 1\n",
    "starts: 10:30\n",
    "a: 012\n",
    "a: 0o12\n",
    "a: 1e3\n",
    "a: 1.5e3\n",
    "a: +.5\n",
    "a: .Nan\n",
    "- -.iNf\n",
    ".naN: 1\n",
    "a: [+.InF]\n",
    "a: {b: .INf}\n",
    "a: 1_000\n",
    "<<: {a: 1}\nb: 2\n",
    "a: =\n",
    "a: 1\na: 2\n",
    "---\na: 1\n---\nb: 2\n",
    "\ufeffa: 1\n",
    "a: >2\n   x\n  y",
    "a: x\x85y\n",
    "a: b\x07\n",
    "a:\tb\n",
    "a: !!binary aGk=\n",
    "a: !!set {x, y}\n",
    "a: !local x\n",
    "a: &x [1]\nb: *x\n",
    "a: -\n",
    "a: [1, 2\n",
    # A list or mapping as a key: a tuple or frozenset in yaml-rs, refused by PyYAML.
    "? [a, b]\n: c\n",
    "entries:\n  - [x]: 1\n",
    "{a: b}: 1\n",
    # An empty block scalar at the end of the file: a line break in yaml-rs, empty in PyYAML.
    "c: |\n",
    "c: >\n",
    "c: |+\n",
    "c: >2\n",
    "c: | # note\n",
    "c: |\n  \n",
    "- |\n",
    "x:\n  - |\n    a\n  - |\n",
    # Led by an underscore: a number in yaml-rs, a text in PyYAML.
    "a: _3\n",
    "a: __3_\n",
    "a: _07\n",
    "_07: 1\n",
    "a: -_1\n",
    "a: ._1\n",
    "a: [+_1]\n",
    "- {_1: 2}\n",
    # A number as a key, written as 1.2 reads it otherwise.
    "012: a\n",
    "1e3: a\n",
    # Refused by PyYAML, read by yaml-rs.
    "a: b\n\t\n",
    "a: 1\n\t# note\n",
    "[n:, 1]\n",
    "{k: :x}\n",
    "[a, :x]\n",
    "[a,   :x]\n",
    "{k:  \t:x}\n",
    "a:\n\t\n",
    "{a:}\n",
    "- \tx\n",
    # Found by comparing the two on random text.
    "&a&a\n",
    "a: &a+1 x\n",
    "---  &anull~ x\n",
    ": a\n",
    "- : a\n",
    "[|]\n",
    "{a: |}\n",
    "[?]\n",
    "{?x y}\n",
    "a: yes\r\n",
    "a: 10:30\r\n",
    "_1\n",
    "<<\n",
    "01011e3_1: x\n",
    "a: 1_e3\n",
    "a: 1e_3\n",
    # Brackets continued on the next line: a key over two lines PyYAML refuses.
    "{a\nzz x: }\n",
    "{1\n  \nx: }\n",
    "{\n  a\n  - x: }\n",
    # ``:?`` in brackets: PyYAML refuses it while scanning a plain text.
    "[k:?]\n",
    "{k:? b}\n",
    "x: {k:? }\n",
    # A nested list closed on the line hides no open bracket; an anchor after a quoted key.
    "- {name: Food bank, keywords: [food, meals], sum\n  mary: Hot meals}\n",
    "{x: [1], 'a\nb': 1}\n",
    "{'a':&a  1e3}\n",
    # Numbers read where the walk of the parsed data must see them: keys, deep, not finite.
    "1.5: a\n",
    "a: [-.inf, .NaN]\n",
    "a: 1e999\n",
    "- [{012: x}]\n",
    "a: [{b: [yes]}]\n",
    # A document's end before any document: PyYAML refuses the file.
    "...\n",
    "... # note\na: 1\n",
    "...\n- ?  x\n",
]
# The same in both, quoted or plain.
SAME = [
    'a: "yes"\n',
    "a: 'on'\nb: true\n",
    'keywords: ["211", "2001", food]\n',
    "a: true\nb: False\nc: NULL\nd: ~\ne:\n",
    "verified: 2026-01-01\nphone: 1-800-784-2433\n",
    "a: 100\nb: -3\nc: 3.14\n",
    "a: it's fine, yes\n",
    "a: |\n  yes\n  10:30\n",
    "k: v\n\ufeffj: w\n",  # a byte-order mark starting a later line: libyaml refuses it
]


@pytest.mark.parametrize("text", DIFFERENT + SAME)
def test_what_the_two_read_differently_is_read_as_pyyaml_reads_it(text: str) -> None:
    try:
        expected = pyyaml(text)
    except yaml.YAMLError:
        assert fastyaml.load(text, RESOLVERS) is None  # PyYAML names the mistake
        with pytest.raises(ContentError):
            _parse(text, "x.yaml")
        return
    fast = fastyaml.load(text, RESOLVERS)
    assert fast is None or repr(fast) == repr(expected)
    assert repr(_parse(text, "x.yaml")) == repr(expected)


@pytest.mark.parametrize("text", SAME[:5])
def test_plain_values_both_read_alike_take_the_fast_way(text: str) -> None:
    assert fastyaml.load(text, RESOLVERS) == pyyaml(text)


@pytest.mark.parametrize("text", ["? [a, b]\n: c\n", "entries:\n  - [x]: 1\n"])
def test_a_list_as_a_key_is_named_as_a_mistake_at_its_line(text: str) -> None:
    """A steward's typo must give /reload and start-up a plain problem, never a traceback."""
    with pytest.raises(yaml.YAMLError) as pyyaml_error:
        pyyaml(text)
    with pytest.raises(ContentError) as error:
        _parse(text, "x.yaml")
    (problem,) = error.value.problems
    assert problem.file == "x.yaml"
    assert problem.line == pyyaml_error.value.problem_mark.line + 1  # type: ignore[attr-defined]
    assert "unhashable key" in problem.message


#: Code points around every edge of what PyYAML reads (its reader's NON_PRINTABLE, and the
#: line breaks YAML 1.1 has and 1.2 has not), with plain letters and wide ones around them.
EDGES = sorted(
    {
        cp + d
        for cp in (
            0x00,
            0x09,
            0x0A,
            0x0D,
            0x20,
            0x7E,
            0x7F,
            0x85,
            0x9F,
            0xA0,
            0x2028,
            0x2029,
            0xD7FF,
            0xE000,
            0xFFFD,
            0xFFFE,
            0xFFFF,
            0x10000,
            0x10FFFF,
        )
        for d in (-2, -1, 0, 1, 2)
        if 0 <= cp + d <= 0x10FFFF and not 0xD800 <= cp + d <= 0xDFFF
    }
)


@pytest.mark.parametrize("cp", EDGES, ids=lambda cp: f"U+{cp:04X}")
def test_a_character_pyyaml_refuses_or_reads_as_a_line_break_goes_to_pyyaml(cp: int) -> None:
    """Found in the text's UTF-8 bytes, between other wide characters too (so one character's
    bytes are never read as part of the next)."""
    text = f"a: é{chr(cp)}🙂 x\n"
    try:
        expected = pyyaml(text)
    except yaml.YAMLError:
        assert fastyaml.load(text, RESOLVERS) is None
        return
    fast = fastyaml.load(text, RESOLVERS)
    line_break = cp in (0x0A, 0x0D, 0x85, 0x2028, 0x2029)
    if line_break or cp < 0x20 or 0x7F <= cp <= 0x9F or cp in (0xFFFE, 0xFFFF):
        assert fast is None  # refused, or a line break in YAML 1.1 only: PyYAML reads it
    elif chr(cp).isalnum() or cp >= 0xA0:
        assert fast == expected  # an ordinary character: the fast way
    else:
        assert fast is None or fast == expected  # ``}``, ``~``: other checks may send it on


def every_text(data: Any) -> tuple[set[str], bool]:
    """Each text in ``data`` (a number key as its text) and whether it holds a number: one
    value at a time, the plain way, to hold ``fastyaml._doubtful``'s quicker walk to."""
    if isinstance(data, dict):
        texts, numbers = set(), False
        for key, value in data.items():
            if isinstance(key, str):
                texts.add(key)
            elif isinstance(key, int | float) and not isinstance(key, bool):
                texts.add(str(key) if isinstance(key, int) else repr(key))
                numbers = True
            more, deep = every_text(value)
            texts |= more
            numbers = numbers or deep
        return texts, numbers
    if isinstance(data, list | tuple):
        found = [every_text(item) for item in data]
        return set().union(*(t for t, _ in found)), any(n for _, n in found)
    if isinstance(data, str):
        return {data}, False
    return set(), isinstance(data, int | float) and not isinstance(data, bool)


MIXED = [
    {"a": [1, "yes", {"b": None, "c": [True, 2.5, "no"]}], 12: "x", None: "y", True: [[]]},
    [{}, [], "on", [["off", -1]], {"k": {"l": {"m": "~"}}}],
    {"only": ["texts", "here"], "and": {"more": "text"}},
    {1.5: "a", "b": [False, None]},
    # Mappings with the keys of the one before (the walk looks at those keys once), and
    # ones whose keys are equal but not texts (``True`` and ``1``: the same key to a dict).
    [{"a": "x", "b": "yes"}, {"b": "on", "a": "y"}, {"a": 1, 2: "z"}, {"a": "q", 2: "w"}],
    [{True: "b"}, {1: "a"}, {1.0: "c"}, {"k": "v"}, {"k": 7}, {"k": ["no", {"k": 0.5}]}],
    [{"12": "a"}, {12: "b"}, {None: "n"}, {"12": {"12": "c"}}],
    "yes",
    12,
]


@pytest.mark.parametrize("data", [*MIXED, synthetic(300, random.Random(7))])
def test_the_walk_sees_every_text_and_number_however_deep(data: Any) -> None:
    texts, numbers = every_text(data)
    doubtful, found_numbers = fastyaml._doubtful(data, RESOLVERS)
    assert found_numbers == numbers
    expected = {t for t in texts if t not in ("true", "null", "~")}  # read alike in both
    expected = {t for t in expected if any(p.match(t) for _, p in RESOLVERS.get(t[:1], ()))}
    assert doubtful == expected


@pytest.mark.parametrize("data", [{"a": [b"bytes"]}, {"a": {1j: 2}}, [{(1, 2): "a"}], [object()]])
def test_a_value_of_another_kind_is_refused_by_the_walk(data: Any) -> None:
    with pytest.raises(TypeError):
        fastyaml._doubtful(data, RESOLVERS)


#: Pieces of text where the two may differ: signs, wide characters before them (the checks
#: search the file's UTF-8 bytes, where a character beyond ASCII takes two to four), values
#: YAML 1.1 and 1.2 read differently, and line breaks.
PIECES = [
    *("a", "b", "yes", "no", "on", "12", "012", "1e3", "_3", "10:30", "x y", "<<", "=", "~"),
    *("é", "ツ", "🙂", ":", ": ", "- ", "? ", "?", "&", "&a ", "*a", "!", "! ", "#", " #"),
    *("\t#", "|", ">", "|-", "[", "]", "{", "}", ",", ", ", "'", '"', "\n", "\n  ", "\n- "),
    *("---", "...", " ", "  ", ".inf", "+.5", "\\", "%", ".Nan", ".inF", "-.iNf", "+.NaN"),
]


def test_random_texts_read_by_yaml_rs_read_as_pyyaml_reads_them() -> None:
    """Thousands of random texts made of those pieces: whatever yaml-rs is trusted with reads
    exactly as PyYAML reads it (and a text PyYAML refuses is never trusted)."""
    rng = random.Random(20261130)
    taken = 0
    for _ in range(4_000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 14)))
        text = rng.choice(("", "k: ", "ツ: é\n")) + text + "\n"
        fast = fastyaml.load(text, RESOLVERS)
        if fast is None:
            continue
        taken += 1
        try:
            expected = pyyaml(text)
        except yaml.YAMLError:
            raise AssertionError(f"yaml-rs read {text!r}, which PyYAML refuses") from None
        assert repr(fast) == repr(expected), text
    assert taken > 200  # the fast way is taken often enough for this to test it


def test_yaml_rs_reads_a_files_bytes_as_it_reads_its_text() -> None:
    """``load`` gives yaml-rs the file's UTF-8 bytes (``yaml_rs.load``), which spares
    CPython writing a text with wide characters out as UTF-8 again: yaml-rs must read them
    exactly as it reads the text (``yaml_rs.loads``), or refuse both."""
    rng = random.Random(20261201)
    read = 0
    for _ in range(4_000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 14)))
        text = rng.choice(("", "k: ", "ツ: é\n", "- ")) + text + rng.choice(("", "\n"))
        try:
            expected = repr(yaml_rs.loads(text, parse_datetime=False))
        except Exception:
            expected = "refused"
        try:
            got = repr(yaml_rs.load(text.encode(), parse_datetime=False, encoder_errors="strict"))
        except Exception:
            got = "refused"
        assert got == expected, text
        read += expected != "refused"
        # and the fast way reads the same, given the bytes or left to encode the text itself
        with_raw = fastyaml.load(text, RESOLVERS, text.encode("utf-8", "surrogatepass"))
        assert repr(with_raw) == repr(fastyaml.load(text, RESOLVERS)), text
    assert read > 1_000


def test_many_question_marks_before_one_after_a_colon_still_send_it_to_pyyaml() -> None:
    """``follows`` looks at the first signs one by one, then searches the rest at once."""
    prose = "".join(f"q{i}: Why {i}? Who knows?\n" for i in range(3_000))
    assert fastyaml.load(prose, RESOLVERS) == pyyaml(prose)
    text = prose + "x: [k:?]\n"
    with pytest.raises(yaml.YAMLError):
        pyyaml(text)
    assert fastyaml.load(text, RESOLVERS) is None
    assert fastyaml.follows(text.encode(), b":", b"?")
    assert not fastyaml.follows(prose.encode(), b":", b"?")


@pytest.mark.parametrize("k", [1_999, 2_000, 2_001])
def test_a_pair_at_the_limit_of_signs_looked_at_one_by_one_is_found(k: int) -> None:
    """``follows`` looks at 2,000 signs singly, then searches the rest: the pair's sign as the
    2,000th, the 2,001st or the 2,002nd is found each time, and nothing when it is absent."""
    assert fastyaml.follows(b"a?" * k + b":?\n", b":", b"?")
    assert not fastyaml.follows(b"a?" * k + b"\n", b":", b"?")
    assert fastyaml.follows(b"a#" * k + b"\t#\n", b" \t", b"#")
    assert fastyaml.follows(b"a#" * k + b" #\n", b" \t", b"#")
    assert not fastyaml.follows(b"a#" * k + b"\n", b" \t", b"#")
