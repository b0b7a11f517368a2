"""Words as search sees them: folded like the FTS5 unicode61 tokenizer folds them (lower
case, no accents), with small filler words dropped, and close spellings found."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Sequence

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

# Words that say nothing about what someone is looking for.
_FILLER = """
a an and are at be can could do for from get how i im in is it me my near need of on or
please show some the to want what where who with you
"""
FILLER = frozenset(_FILLER.split())
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str) -> list[str]:
    """Every word of a text, folded."""
    return _WORD.findall(fold(text))


def words(text: str) -> list[str]:
    """The searchable words of a query, in order, without filler."""
    return [w for w in tokens(text) if w not in FILLER]


def allowed_typos(word: str) -> int:
    """How many letters may be wrong: none in short words (too many false friends)."""
    return 0 if len(word) < 4 else 1 if len(word) < 7 else 2


def has_prefix(sorted_terms: Sequence[str], prefix: str) -> bool:
    at = bisect_left(sorted_terms, prefix)
    return at < len(sorted_terms) and sorted_terms[at].startswith(prefix)


def close_words(word: str, terms: Sequence[str], limit: int = 3) -> list[str]:
    """Known terms within the allowed number of typos, closest first."""
    typos = allowed_typos(word)
    if not typos:
        return []
    found = process.extract(
        word, terms, scorer=Levenshtein.distance, score_cutoff=typos, limit=limit
    )
    return [term for term, _, _ in sorted(found, key=lambda f: (f[1], -len(f[0])))]


def matches(query: Sequence[str], haystack: str) -> bool:
    """True if every query word starts a word of ``haystack``, or nearly spells one."""
    have = tokens(haystack)
    for word in query:
        if any(h.startswith(word) for h in have):
            continue
        if not close_words(word, have, limit=1):
            return False
    return True
