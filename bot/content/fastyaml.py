"""YAML parsed by yaml-rs (Rust) where it surely gives what PyYAML gives, else nothing.

Why: parsing is most of a cold content load; on a 10,000-entry directory yaml-rs takes about a
fifteenth of the time of PyYAML with libyaml. But it reads YAML 1.2 and PyYAML reads YAML 1.1,
and they differ on some unquoted values: ``yes``/``no``/``on``/``off`` are booleans in 1.1 and
text in 1.2, ``10:30`` is the number 630 in 1.1, ``012`` is octal in 1.1, ``1e3`` and ``+.5``
are text in PyYAML and numbers in 1.2, ``<<`` merges and ``=`` means something in 1.1 only.
They also differ on a byte-order mark, on several documents in one file, on a block scalar at
the very end of a file without a final line break, on characters PyYAML refuses or reads as
line breaks, on tags, on two equal keys (PyYAML keeps the last; yaml-rs refuses the file), on
an empty block scalar at the end of a file, on values led by ``_`` (``_3`` is a number in
yaml-rs), on a list or mapping used as a key, on anchors, on ``?``, ``|`` and ``>`` in
brackets, and on a few lines PyYAML refuses (a tab, ``[:x]``, ``{k:}``, ``: a``, ``[k:?]``,
brackets continued on the next line). Checks for
``yes`` and ``10:30`` look for line ends, so a file with Windows line ends (``\r\n``) goes to
PyYAML too.

So ``load`` gives up (``None``: parse with PyYAML as before, which also names any mistake with
its own words and line) when the text has any of those signs, when yaml-rs refuses it, or when
what yaml-rs read holds a number (it cannot tell ``012`` from ``12``) or a text that PyYAML's
own rules would read as something else were it unquoted (``yes``, ``10:30``, ``<<``). Texts
and booleans it gives are otherwise what PyYAML gives: a quoted text is the same in both, and
an unquoted one is only a text in 1.2 if PyYAML's rules (checked here) make it one too. Dates
stay text in both (see ``yamlfile._Loader``). tests/content/test_fastyaml.py checks every
shipped file and each of these cases against PyYAML.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import yaml_rs

#: Characters PyYAML refuses, or reads as line breaks (NEL, LS, PS) where YAML 1.2 does not:
#: every one but ``\t``, ``\n``, ``\r``, ``\x20``-``\x7e``, ``\xa0``-``\u2027``,
#: ``\u202a``-``\ud7ff``, ``\ue000``-``\ufffd`` and ``\U00010000`` on. Looked for in the
#: text's UTF-8 bytes once the allowed ASCII ones are dropped (``bytes.translate``, one C
#: pass): a search of the whole text for characters outside those ranges took three times as
#: long on a big directory. What is left is whole UTF-8 sequences, so each pattern below can
#: only match at the start of one: a refused ASCII byte, C1 controls with NEL (``\xc2\x80``-
#: ``\xc2\x9f``), LS and PS (``\u2028``, ``\u2029``), surrogates and ``\ufffe``/``\uffff``.
#: And a byte-order mark anywhere (``\ufeff``): libyaml refuses one at the start of a line
#: after the first (``k: v\n\ufeffj: w``), where yaml-rs reads it into a key; elsewhere it is
#: rare enough that PyYAML may read every file holding one.
_ALLOWED_ASCII = bytes((0x09, 0x0A, 0x0D, *range(0x20, 0x7F)))
_REFUSED_UTF8 = re.compile(
    rb"[\x00-\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xa8\xa9]|\xed[\xa0-\xbf]|\xef\xbf[\xbe\xbf]|\xef\xbb\xbf"
)
_SECOND_DOCUMENT = re.compile(rb"\n(?:---|\.\.\.)(?:[ \t\r\n]|$)")
#: A document's end (``...``) before any document: PyYAML refuses the file, yaml-rs reads it.
_END_FIRST = re.compile(rb"\.\.\.(?:[ \t\r\n]|$)")
#: A number written other than as a plain decimal (``012``, ``1_000``, ``1e3``, ``10:30``...).
_START = r"(?:^|[\[{,:]|-[ \t]|\?[ \t])[ \t]*"
_END = r"[ \t]*(?:$|[,\]}#]|:(?:[ \t]|$))"
#: Also any plain value led by an underscore (``_3``, ``-_1``, ``._1``): a number in yaml-rs,
#: a text in PyYAML; and ``.inf``/``.nan`` in any mix of case, signed or not: yaml-rs reads
#: ``.Nan`` and ``-.iNf`` as numbers, PyYAML only three spellings of each.
_ODD_NUMBER = re.compile(
    rf"{_START}(?:[-+]?\.?_|(?![-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?{_END})[-+]?(?:0[xX][0-9a-fA-F_]+"
    r"|0[oObB][0-9_]+|[0-9][0-9_]*(?:[.:][0-9_]*)*(?:[eE][-+]?[0-9_]+)?"
    rf"|\.[0-9][0-9_]*(?:[eE][-+]?[0-9_]+)?|\.(?i:inf|nan)){_END})",
    re.MULTILINE,
)
#: A block scalar header (``|``, ``>-``...) as the last line that is not blank: yaml-rs reads
#: the empty block as a line break, PyYAML as an empty text.
_BLOCK_HEADER_AT_END = re.compile(r"[|>][-+0-9]*[ \t]*(?:#.*)?\Z")
#: A ``:`` right before ``,``, ``]`` or ``}``, or after ``[``, ``{``, ``,``, a line break or a
#: blank: where it ends a key in brackets (``[n:, 1]``, ``{a:}``) or leads a value (``[:x]``,
#: ``{k: :x}``, ``- : a``), PyYAML refuses the file and yaml-rs reads it.
_ODD_COLON = re.compile(rb":(?:[,\]}]|(?<=[\[{,\n \t]:))")
#: What may lead a value and read differently: an anchor (``&a``: PyYAML allows fewer
#: characters in its name; yaml-rs refuses an alias, ``*a``, with no anchor before it),
#: ``|``/``>`` in brackets (``[|]``, ``{a: >}``), or ``?`` there (``[?x]``: a key in PyYAML,
#: a text in yaml-rs).
_VALUE_SIGNS = b"&|>?"
#: Brackets: PyYAML refuses some flow collections continued on the next line that
#: yaml-rs reads (``{a\nb: }``: a key over two lines; ``[a\n- b]``), so a line whose brackets
#: do not pair up (``- {a: [1], b`` too) goes to PyYAML. Content files write brackets on one
#: line; an unpaired ``[`` inside a text only costs a PyYAML parse.
_BRACKETS = b"[]{}"
_BLOCK_HEADER_REST = re.compile(rb"[-+0-9]*[ \t]*(?:#.*)?$", re.MULTILINE)
#: Texts that YAML 1.2 reads as a boolean or None too when unquoted: as a text, it was quoted.
_SAME_UNQUOTED = frozenset(
    ("true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL", "~")
)


def load(text: str, resolvers: dict[str, Any], raw: bytes | None = None) -> Any | None:
    """The data in ``text`` as PyYAML's safe loader with these implicit ``resolvers`` would
    give it, or None when that is not certain (then parse it with PyYAML). Never raises.

    ``raw``: the text's UTF-8 bytes, when at hand (the file as read). The checks for plain
    characters and short runs of them search those: one byte a character, where the text
    takes two once it holds a character beyond Latin-1 (``─`` in a comment, a curly quote),
    and a byte search is a ``memchr``/``memmem``; an ASCII character is found in the one
    exactly where it is in the other (no UTF-8 sequence holds an ASCII byte). On a
    10,000-entry directory this took the checks from about 60 to 25 ms. The signs (``!``,
    ``&``, ``?``, ``#``, brackets) are then found one at a time with ``bytes.find``, a
    ``memchr``, and only the bytes around each looked at: a two-byte search (``b":?" in
    raw``) or a regex steps through all 8 MB of that directory at 5 to 18 ms each; the
    checks went from about 64 to 19 ms of CPU (2026-11-30, load 3-4).

    yaml-rs is given those bytes too (``yaml_rs.load``), not the text: a text holding a
    character beyond Latin-1 (a ``─`` in a comment, a curly quote: the shipped directory
    and the benchmark's both do) is stored two bytes a character, and ``yaml_rs.loads``
    had CPython write all of it out as UTF-8 again first (``ucs2lib_utf8_encoder``: 88 of
    the parse's 1,212 million instructions at 10,000 entries, callgrind; 1,128 million from
    the bytes, about 12 ms). Both read alike (tests/content/test_fastyaml.py compares them
    on random texts); a byte-order mark, ``\\r`` and refused characters never reach it."""
    if raw is None:
        raw = text.encode("utf-8", "surrogatepass")
    if (
        not text.endswith("\n")
        or text.startswith("\ufeff")
        or _refused(raw)
        or _SECOND_DOCUMENT.search(raw)
        or _END_FIRST.match(raw)
        or _tagged(raw)
        or _empty_block_at_end(text)
        or b"\t" in raw  # PyYAML refuses many a tab yaml-rs reads (after ``- ``, on a blank line)
        or b"\r" in raw  # a line end these checks would not see (``yes\r\n`` is True in PyYAML)
        or _odd_colon(raw)
        or _brackets_cross_lines(raw)
        or follows(raw, b":", b"?")  # PyYAML refuses it in brackets (``[k:?]``); yaml-rs: a text
        or follows(raw, b":", b"&")  # an anchor right after a quoted key's colon (``{'a':&a 1e3}``)
        or _odd_value_start(raw)
    ):
        return None
    try:
        # its bytes (see above); strict: bytes that are not UTF-8 are refused, never replaced
        data: Any = yaml_rs.load(raw, parse_datetime=False, encoder_errors="strict")
    except Exception:
        return None  # any refusal: PyYAML reads it, and names the mistake if there is one
    if data is None:
        return {}
    if not isinstance(data, dict | list):
        return None  # a file of one text or number: no content file is; PyYAML says what is wrong
    try:
        doubtful, numbers = _doubtful(data, resolvers)
    except Exception:
        return None  # a key that is a list or a mapping (``[a, b]: c``): PyYAML refuses it
    if numbers and _ODD_NUMBER.search(text):
        return None
    if any(_unquoted(text, said) for said in doubtful):
        return None
    return data


def _refused(raw: bytes) -> bool:
    """Whether ``raw`` (a text's UTF-8 bytes) holds a character PyYAML refuses or reads as a
    line break (see ``_REFUSED_UTF8``); surrogates, which no decoded file holds, count too."""
    rest = raw.translate(None, _ALLOWED_ASCII)
    return _REFUSED_UTF8.search(rest) is not None


#: How many of a sign ``follows`` looks at one by one before it searches for each pair instead:
#: a file full of ``?`` stays linear, however slow that search.
_FOLLOWS_LIMIT = 2_000


def follows(raw: bytes, before: bytes, sign: bytes) -> bool:
    """Whether the byte ``sign`` stands right after one of the bytes ``before`` in ``raw``.

    Jumps from one ``sign`` to the next with ``bytes.find`` (a ``memchr``: under half a
    millisecond through an 8 MB directory) and looks at the byte before each: ``b":?" in raw``
    takes about 8 ms there (CPython steps through a two-byte search a byte or two at a time),
    and the signs looked for (``?``, ``&``, ``#``) are rare in content."""
    at = raw.find(sign, 1)
    for _ in range(_FOLLOWS_LIMIT):
        if at == -1:
            return False
        if raw[at - 1] in before:
            return True
        at = raw.find(sign, at + 1)
    return at != -1 and any(raw.find(bytes((b,)) + sign, at - 1) != -1 for b in before)


def _brackets_cross_lines(raw: bytes) -> bool:
    """Whether some line's brackets do not pair up (see ``_BRACKETS``). Jumps from bracket to
    bracket with ``bytes.find`` (a memchr: a regular expression over a big file costs tens of
    milliseconds, and a search of a text holding a character beyond Latin-1 is no memchr)
    and looks at each such line once: most lines have none. A bracket's byte is never part
    of a wider character's UTF-8 bytes, so each line's counts are its characters' counts."""
    size = len(raw)
    ahead = {sign: raw.find(sign) for sign in _BRACKETS}
    while True:
        at = min((n for n in ahead.values() if n != -1), default=-1)
        if at == -1:
            return False
        start = raw.rfind(b"\n", 0, at) + 1
        end = raw.find(b"\n", at)  # the text ends with a line break (checked first)
        line = raw[start:end]
        if line.count(b"[") != line.count(b"]") or line.count(b"{") != line.count(b"}"):
            return True
        for sign, n in ahead.items():
            if n != -1 and n < end:
                ahead[sign] = raw.find(sign, end, size)


def _empty_block_at_end(text: str) -> bool:
    """Whether a block scalar starts on the last line that is not blank (so it is empty).
    Strips only the text's tail when that holds more than blanks (``str.rstrip`` of a whole
    8 MB directory copies it: about 2.5 ms)."""
    kept = text[-256:].rstrip(" \t\r\n")
    if "\n" not in kept:
        kept = text.rstrip(" \t\r\n")  # a long last line, or a short text: strip it all
    return _BLOCK_HEADER_AT_END.search(kept, kept.rfind("\n") + 1) is not None


def _odd_colon(raw: bytes) -> bool:
    """Whether a ``:`` leads a value (``[:x]``, ``{k: :x}``, a key left out: ``: a`` or
    ``- : a``) or ends a key right before ``,``/``]``/``}`` (``[n:, 1]``). Found in one pass
    of the regex over the text's bytes: such colons are rare."""
    return raw.startswith(b":") or any(
        len(found.group()) == 2 or _indicator_before(raw, found.start()) is not None
        for found in _ODD_COLON.finditer(raw)
    )  # also a key left out (``: a`` or ``- : a`` at a line's start)


def _odd_value_start(raw: bytes) -> bool:
    """Whether an anchor leads a value, or ``|``/``>`` leads one in brackets or is followed by
    more than a block scalar header, or ``?`` leads one in brackets (see ``_VALUE_SIGNS``).
    Each sign is looked for in the text's bytes with ``bytes.find`` (a memchr): most texts
    hold few or none of them."""
    for sign in _VALUE_SIGNS:
        at = raw.find(sign)
        while at != -1:
            before = _indicator_before(raw, at)
            if before is None:
                pass
            elif sign == ord("&") or before in "[{,":
                return True
            elif sign == ord("?"):
                if before == ":":
                    return True  # ``{a: ?x}``; in brackets or not, it is rare
            elif not _BLOCK_HEADER_REST.match(raw, at + 1):
                return True
            at = raw.find(sign, at + 1)
    return False


def _indicator_before(raw: bytes, at: int) -> str | None:
    """What makes ``raw[at]`` (an ASCII sign in a text's UTF-8 bytes) the first character of a
    value: the start of its line (then a line break), ``[``, ``{``, ``,``, or ``:``, ``-`` or
    ``?`` and a blank; None when it is inside a text."""
    start = at
    at -= 1
    while at >= 0 and raw[at] in b" \t":
        at -= 1
    if at < 0 or raw[at] == 0x0A:
        return "\n"
    sign = chr(raw[at])
    if sign in "[{,":
        return sign
    if at == start - 1:
        return None  # no blank after it: ``a:&b`` and ``x-*`` are texts
    if sign == ":" or (sign in "-?" and (at == 0 or raw[at - 1] in b" \t\n-")):
        return sign
    return None


def _tagged(raw: bytes) -> bool:
    """Whether a value may start with ``!`` (a tag), which the two read differently. Looked for
    in the text's bytes with ``bytes.find`` (a memchr)."""
    at = raw.find(b"!")
    while at != -1:
        if at == 0 or raw[at - 1] in b" \t\n[{,:":
            return True
        at = raw.find(b"!", at + 1)
    return False


#: A text (a value or a key) short or plain enough that PyYAML might read it as something else
#: were it unquoted; each is then checked against its rules.
_CANDIDATE = re.compile(r"[-+.0-9_:eExXoObBa-fA-F]+|[A-Za-z~<=]{1,5}")


def _doubtful(data: Any, resolvers: dict[str, Any]) -> tuple[set[str], bool]:
    """The texts in ``data`` that PyYAML would read as something else were they unquoted
    (``yes``, ``10:30``, ``<<``), and whether it holds a number (``012`` and ``12`` read the
    same in yaml-rs, not in PyYAML). Booleans and None read the same in both. A number used as
    a key counts as its text too (``12: a``, as JSON would write it). Raises TypeError for a
    key that is neither text, number, boolean nor None (a list or mapping used as a key).

    One walk of the data, looking at each value's type once and at each distinct text once:
    on a 10,000-entry directory a fifth of the cost of writing it all as JSON and searching
    that with regular expressions, which is how this was found before. Each mapping's values
    are taken in place (no trip through the list of things to look at), and the keys of a
    mapping whose keys are those of the one before (compared in C; most are) are not looked
    at again: 388 down to 328 million instructions at 10,000 entries (callgrind), about
    48-57 down to 45-52 ms of CPU; a text with a blank is never a candidate, so the pattern
    is not tried on it (7 million fewer).
    Tried and not kept (2026-11-30): the texts found in ``orjson.dumps(data)`` (5 ms) rather
    than by the walk: ``re.findall`` of quoted candidates 39-48 ms (a try at each of 560,000
    quotes), ``bytes.split(b'"')`` 51 ms (as many objects made and hashed): no cheaper than
    the walk, and a number in a text (``: 1``) would still have to be told from a number."""
    texts: set[str] = set()
    add = texts.add
    numbers = False
    todo: list[Any] = [data]
    pop, push = todo.pop, todo.append
    known: Any = {}.keys()  # the keys of a mapping already seen, every one of them a text
    values: Iterable[Any]
    while todo:
        item = pop()
        if type(item) is dict:
            keys = item.keys()
            if keys != known:  # most mappings have the keys of the one before: compared in C
                plain = True
                for key in keys:
                    if type(key) is str:
                        add(key)
                        continue
                    plain = False
                    if type(key) is int or type(key) is float:
                        numbers = True
                        add(json.dumps(key))
                    elif key is not None and type(key) is not bool:
                        raise TypeError(f"a key that is a {type(key).__name__}")
                if plain:
                    known = keys
            values = item.values()
        elif type(item) is list or type(item) is tuple:
            values = item
        else:  # the whole data: a text, number... (``load`` passes only a list or mapping)
            values = (item,)
        for value in values:
            kind = type(value)
            if kind is str:
                add(value)
            elif kind is dict or kind is list or kind is tuple:
                push(value)
            elif kind is int or kind is float:
                numbers = True
            elif value is not None and kind is not bool:
                raise TypeError(f"a value that is a {kind.__name__}")
    firsts = resolvers.keys()  # a text led by any other character is read alike: no pattern
    candidates = {
        said
        for said in texts
        if said[:1] in firsts and " " not in said and _CANDIDATE.fullmatch(said)
    }
    doubtful = {
        said
        for said in candidates - _SAME_UNQUOTED
        if any(pattern.match(said) for _, pattern in resolvers.get(said[0], ()))
    }
    return doubtful, numbers


def _unquoted(text: str, said: str) -> bool:
    """Whether ``said`` may stand unquoted as a whole value somewhere in ``text`` (then
    PyYAML reads it otherwise); when every copy is quoted, both read the same text."""
    for found in re.finditer(re.escape(said) + _END, text, re.MULTILINE):
        at = found.start() - 1
        while at >= 0 and text[at] in " \t":
            at -= 1
        if at < 0 or text[at] in "\n[{,:-?":
            return True
    return False
