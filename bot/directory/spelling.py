"""Spelling help for words the directory has never seen, cheap to build and to ask.

One typo (the common case: a letter missing, extra, wrong, or two letters swapped) is found by
spelling out every variant of the typed word one edit away and looking each up in the
vocabulary (a few hundred set lookups, no scan); a typo in the start of a longer word
("certifcat" for certification) among the starts of longer words, kept by length. Two typos,
allowed in long words, are compared only with words of a close length and the same first
letter. All of it is built once, when content loads.
"""

from __future__ import annotations

import string
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from operator import itemgetter

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.directory.words import allowed_typos

_LETTERS = string.ascii_lowercase + string.digits
_LONGEST_START = 12  # starts of longer words kept up to this length


class Spelling:
    def __init__(self, vocabulary: Sequence[str]) -> None:
        self._words = frozenset(t for t in vocabulary if t.isalpha() and len(t) >= 4)
        buckets: dict[tuple[int, str], list[str]] = defaultdict(list)
        for term in self._words:
            buckets[len(term), term[0]].append(term)
        self._buckets = dict(buckets)
        # The start of every longer word, by length ("certifica", …): words longest first, so
        # the words longer than n are the first ones, cut in C (a cold load makes this anew).
        longest_first = sorted(self._words, key=len, reverse=True)
        shorter = [-len(t) for t in longest_first]
        self._starts = {
            n: frozenset(map(itemgetter(slice(n)), longest_first[: bisect_left(shorter, -n)]))
            for n in range(4, _LONGEST_START + 1)
        }

    def close(self, word: str, limit: int = 3) -> list[str]:
        """Directory words within the allowed typos, closest first; failing that, starts of
        longer words one typo away (to be searched as prefixes)."""
        typos = allowed_typos(word)
        if not typos:
            return []
        by_length = _one_edit(word)
        # Set intersections run in C: a few hundred look-ups without a Python loop.
        found = [(1, v) for variants in by_length.values() for v in variants & self._words]
        if not found and typos > 1:  # two typos, in a long word: first letter taken as typed
            for n in range(len(word) - typos, len(word) + typos + 1):
                found += self._near(word, self._buckets.get((n, word[0]), ()), typos, limit)
        if not found:  # each variant looked up among starts of its own length
            found = [
                (1, v)
                for n, variants in by_length.items()
                for v in variants & self._starts.get(n, frozenset())
            ]
        found.sort(key=lambda f: (f[0], -len(f[1]), f[1]))
        return [term for _, term in found[:limit]]

    @staticmethod
    def _near(word: str, terms: Sequence[str], typos: int, limit: int) -> list[tuple[int, str]]:
        if not terms:
            return []
        hits = process.extract(word, terms, scorer=OSA.distance, score_cutoff=typos, limit=limit)
        return [(int(distance), term) for term, distance, _ in hits]


def _one_edit(word: str) -> dict[int, set[str]]:
    """Every spelling one edit from ``word``: a letter left out, swapped with the next,
    replaced or added (Norvig's edits1), by length."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    inserts = {a + c + b for a, b in splits for c in _LETTERS}
    size = len(word)
    return {size - 1: deletes, size: (swaps | replaces) - {word}, size + 1: inserts}
