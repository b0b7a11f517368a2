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
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`´]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_HELD = re.compile(r"([a-z])\1{2,}")
_PIECE = re.compile(r"\{[a-z0-9_]+\}|\.\.\.|[()\[\]|$]|[a-z0-9]+|\S")


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
        decomposed = unicodedata.normalize("NFKD", plain)
        plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = _HELD.sub(r"\1", _APOSTROPHES.sub("", plain))
    return " " + " ".join(_NOT_WORD.sub(" ", plain).split()) + " "


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
    """The regular expression for one phrase, to search in ``normalise(text)``."""
    out: list[str] = []
    depth = {"(": 0, "[": 0}
    for piece in _PIECE.findall(phrase.casefold().replace("'", "").replace("’", "")):
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
        elif re.fullmatch(r"[a-z0-9]+", piece):
            out.append(re.escape(piece) + " ")
        else:
            raise PhraseError(
                f"'{piece}' cannot be used in a phrase;"
                " use words, {list}, (a|b), [optional], ... or $"
            )
        if min(depth.values()) < 0:
            raise PhraseError("a closing bracket comes before its opening one")
    if any(depth.values()):
        raise PhraseError("a bracket is opened but never closed")
    body = "".join(out)
    if not body.strip("(?:)|"):
        raise PhraseError("the phrase has no words")
    return " " + body


def compile_phrases(phrases: Sequence[str], lists: Mapping[str, Sequence[str]]) -> re.Pattern[str]:
    """One regular expression for several phrases, compiled once. A phrase that cannot be
    read, or that would match any message at all, raises PhraseError naming it (by index)."""
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
