"""A small phrase language for recognising how people write, kept simple enough for peers to
extend in content (content/distress.yaml) without knowing regular expressions.

Text is normalised first: lower case, accents and apostrophes dropped ("can't" → "cant",
"I’m" → "im"), letters held down collapsed ("pleaseee" → "please"), punctuation → spaces.
No spelling is corrected: misspellings and slang are written as alternatives instead, so a
correct word is never rewritten into a wrong one.

A phrase is words separated by spaces, plus:

- ``{name}``: any of a named list of alternatives (``{cant}`` → cant, cannot, can not, …)
- ``(a|b c)``: one of these words or word groups
- ``[words]``: optional words
- ``...``: up to four other words in between
- ``$``: the end of the message ("im done $" but not "im done with paperwork")

Each word must be a whole word; a phrase may appear anywhere in the message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from functools import lru_cache

from bot.directory.compiled import compile_pattern

GAP = "(?:[a-z0-9]+ ){0,4}"
#: Apostrophes dropped with ``str.translate`` (one C pass; a regular expression's ``sub`` took
#: twice as long, and normalising is done for every message and, at each load, for every
#: example and near miss of the distress files). ´ and ′ (prime) stand in for one on some
#: keyboards ("can´t"); \uff07 is the full-width one.
_APOSTROPHES = str.maketrans("", "", "'\u2018\u2019\u02bc`´\u2032\uff07")
_WORD = re.compile(r"[a-z0-9]+")
_HELD = re.compile(r"([a-z])\1{2,}")
_HELD_ANY = re.compile(r"([a-z])\1\1")  # whether any letter is held: found with fewer steps
_PIECE = re.compile(r"\{[a-z0-9_]+\}|\.\.\.|[()\[\]|$]|[a-z0-9]+|\S")
#: What a phrase the fast way reads (``_written``) may hold besides words, the pieces and
#: spaces: \x02 marks a list (``{name}``), and a phrase holds no other mark.
_UNKNOWN = re.compile(r"[^a-z0-9()\[\]|$.\x02\x03\s]")
_LIST = re.compile(r"\{([a-z0-9_]+)\}")
_BRACKETS = re.compile(r"[()\[\]\x03]")  # and the end of a phrase
_OPENS = {")": "(", "]": "["}
#: Every piece but a word, as ``_written`` marks it (``...`` as \x01, a list as \x02), and
#: what each stands for when it is not itself (a list is filled in by ``%``: no phrase the
#: fast way reads holds a ``%`` of its own).
_MARKS = "()[]|$\x01\x02\x03"
_END = "\x03"  # between two phrases in ``_written``
_WRITTEN = {"(": "(?:", "[": "(?:", "]": ")?", "\x01": GAP, "\x02": "%s"}


class PhraseError(ValueError):
    """A phrase that cannot be read; the message says what to change, ``index`` which phrase
    of a list (when known)."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


def normalise(text: str) -> str:
    """Text as phrases see it: `` word word … `` with a space before and after every word."""
    plain = text.casefold()
    if not plain.isascii():  # ASCII has no accents to drop: most messages and phrases
        # Apostrophes first: NFKD makes ´ a space and an accent, which would split "can´t"
        # in two. Then again after it, for those it makes (\uff40 `, \u1fef `, \u2033 ′′).
        decomposed = unicodedata.normalize("NFKD", plain.translate(_APOSTROPHES))
        plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        plain = plain.translate(_APOSTROPHES)
    else:  # of the apostrophes, only ' and ` are ASCII; looked for and dropped by ``replace``
        if "'" in plain:  # at a sixth of the CPU of ``translate`` (a pass per message)
            plain = plain.replace("'", "")
        if "`" in plain:
            plain = plain.replace("`", "")
    if _HELD_ANY.search(plain):  # rare: ``sub`` with a group costs as much when nothing is held
        plain = _HELD.sub(r"\1", plain)
    return " " + " ".join(_WORD.findall(plain)) + " "  # the words, whatever is between


def _words_regex(text: str) -> str:
    """A literal group of words: each followed by its space."""
    words = normalise(text).split()
    return "".join(re.escape(w) + " " for w in words)


@lru_cache(maxsize=1024)
def _alternatives(words: tuple[str, ...]) -> str:
    """A named list as one group, longest first. Made once per list: the same list is used
    by many phrases, and normalising its words again for each was a fifth of a start's work
    on distress.yaml."""
    # Longest first; the same order in every process (a set's own order is not), so the
    # expression's text is too, and its compiled program is found again (``compiled``).
    alternatives = sorted({_words_regex(a) for a in words} - {""}, key=lambda a: (len(a), a))
    return "(?:" + "|".join(reversed(alternatives)) + ")"


def compile_phrase(phrase: str, lists: Mapping[str, Sequence[str]]) -> str:
    """The regular expression for one phrase, to search in ``normalise(text)``; a phrase
    that cannot be read raises PhraseError saying why."""
    body = _pieces(phrase.casefold().replace("'", "").replace("’", ""), lists)
    if not body.strip("(?:)|"):
        raise PhraseError("the phrase has no words")
    return " " + body


def _written(phrases: Sequence[str], lists: Mapping[str, Sequence[str]]) -> list[str] | None:
    """``[compile_phrase(p, lists) for p in phrases]``, in a few C passes over all of them
    together, when every one surely reads without a mistake: only pieces the language
    knows, lists it knows, brackets that all close (counted per kind, as ``_pieces`` does:
    neither checks that they nest), and a word. Otherwise None, and
    ``compile_phrase`` reads them one by one, saying what is wrong.

    Why: every phrase of distress.yaml is read at each load of it (some 500, of 20 pieces
    each). Read piece by piece in Python, that was 10 ms of CPU; written out whole by
    ``str.replace``, a pass over all of an entry's phrases for each kind of piece, it is a
    fraction of that."""
    text = _END.join(phrases)
    if not phrases or text.count(_END) != len(phrases) - 1 or "\x02" in text:
        return None  # a phrase holds one of the marks used here (no phrase of the language)
    text = text.casefold().replace("'", "").replace("’", "")
    names = _LIST.findall(text)
    flat = _LIST.sub("\x02", text) if names else text  # each list marked by one character
    if _UNKNOWN.search(flat) or "." in flat.replace("...", ""):
        return None
    opened = {"(": 0, "[": 0}
    for bracket in _BRACKETS.findall(flat):
        if bracket in opened:
            opened[bracket] += 1
        elif bracket == _END:  # the end of one phrase: all it opened is closed
            if any(opened.values()):
                return None
        elif opened[_OPENS[bracket]]:
            opened[_OPENS[bracket]] -= 1
        else:
            return None
    if any(opened.values()) or any(name not in lists for name in names):
        return None
    # Every piece but a word is one character now (``...`` too); with spaces around each,
    # every piece is followed by one space: a word keeps it, any other piece drops it.
    spaced = flat.replace("...", "\x01")
    for piece in _MARKS:
        if piece in spaced:
            spaced = spaced.replace(piece, f" {piece} ")
    written = " ".join(spaced.split())
    written += " " if written else ""  # after the last piece (there may be none)
    for piece in _MARKS:
        if piece in written:
            written = written.replace(f"{piece} ", _WRITTEN.get(piece, piece))
    bodies = (written % tuple(_alternatives(tuple(lists[name])) for name in names)).split(_END)
    if not all(body.strip("(?:)|") for body in bodies):
        return None
    return [" " + body for body in bodies]


def _pieces(text: str, lists: Mapping[str, Sequence[str]]) -> str:
    """A phrase's expression, read piece by piece: the first piece that cannot be read
    raises PhraseError saying why."""
    out: list[str] = []
    depth = {"(": 0, "[": 0}
    for piece in _PIECE.findall(text):
        if piece.isascii() and piece.isalnum():
            out.append(piece + " ")
            continue
        if piece.startswith("{"):
            name = piece[1:-1]
            if name not in lists:
                known = ", ".join(sorted(lists)) or "none yet"
                raise PhraseError(f"'{piece}' is not a list in 'words' (known: {known})")
            out.append(_alternatives(tuple(lists[name])))
        elif piece == "...":
            out.append(GAP)
        elif piece in "([":
            depth[piece] += 1
            out.append("(?:")
        elif piece == ")":
            depth["("] -= 1
            out.append(")")
        elif piece == "]":
            depth["["] -= 1
            out.append(")?")
        elif piece == "|":
            out.append("|")
        elif piece == "$":
            out.append("$")
        else:
            raise PhraseError(
                f"'{piece}' cannot be used in a phrase;"
                " use words, {list}, (a|b), [optional], ... or $"
            )
        if min(depth.values()) < 0:
            raise PhraseError("a closing bracket comes before its opening one")
    if any(depth.values()):
        raise PhraseError("a bracket is opened but never closed")
    return "".join(out)


def compile_phrases(phrases: Sequence[str], lists: Mapping[str, Sequence[str]]) -> re.Pattern[str]:
    """One regular expression for several phrases, compiled once. A phrase that cannot be
    read, or that would match any message at all, raises PhraseError naming it (by index)."""
    parts = _written(phrases, lists)
    if parts is None:  # one by one, saying what is wrong with which
        parts = []
        for n, phrase in enumerate(phrases):
            try:
                parts.append(compile_phrase(phrase, lists))
            except PhraseError as exc:
                raise PhraseError(str(exc), n) from None
    try:
        compiled = compile_pattern("|".join(parts))  # re.compile, kept across starts
    except re.error as exc:
        raise PhraseError(f"a phrase cannot be read ({exc.msg})") from None
    if compiled.search(" "):
        for n, part in enumerate(parts):
            if re.search(part, " "):
                raise PhraseError("the phrase matches nothing at all; make one word required", n)
    return compiled
