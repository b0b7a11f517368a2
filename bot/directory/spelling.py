"""Spelling help for words the directory has never seen, precomputed when content loads.

The index's vocabulary is bucketed by length and first letter, so a word with two typos is
compared only with words that could be within that distance (not all of them), and the starts
of longer words ("certifcat" for certification) are kept per length, built once.
Two swapped letters count as one typo ("greif" → grief). One typo, the common case, is found
from a table of every directory word with one letter left out (built at load), without
comparing against the vocabulary at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.directory.words import allowed_typos

_LONGEST_START = 14  # starts of longer words kept for typed words up to this length


class Spelling:
    def __init__(self, vocabulary: Sequence[str]) -> None:
        by_length: dict[tuple[int, str], list[str]] = defaultdict(list)
        starts: dict[int, set[str]] = defaultdict(set)
        deleted: dict[str, list[str]] = defaultdict(list)
        for term in vocabulary:
            if not term.isalpha() or len(term) < 4:
                continue
            by_length[len(term), term[0]].append(term)
            for n in range(4, min(len(term), _LONGEST_START + 1)):
                starts[n].add(term[:n])
            for variant in _deletes(term):
                deleted[variant].append(term)
        self._words = frozenset(t for terms in by_length.values() for t in terms)
        self._by_length = dict(by_length)
        self._starts = {n: sorted(s) for n, s in starts.items()}
        self._deleted = dict(deleted)

    def close(self, word: str, limit: int = 3) -> list[str]:
        """Directory words within the allowed typos, closest first; failing that, whole
        words starting with a close spelling of ``word`` (searched as prefixes)."""
        typos = allowed_typos(word)
        if not typos:
            return []
        found = self._one_typo(word)
        if not found and typos > 1:  # two typos, in a long word: first letter taken as typed
            for n in range(len(word) - typos, len(word) + typos + 1):
                found += self._near(word, self._by_length.get((n, word[0]), ()), typos, limit)
        if not found:
            found = self._near(word, self._starts.get(len(word), ()), typos, limit)
        found.sort(key=lambda f: (f[0], -len(f[1]), f[1]))
        return [term for _, term in found[:limit]]

    def _one_typo(self, word: str) -> list[tuple[int, str]]:
        """Words one typo away, from the precomputed one-letter deletions (no scan): a letter
        missing, extra, wrong or two letters swapped."""
        variants = _deletes(word)
        candidates = set(self._deleted.get(word, ()))  # a letter missing from the word
        for variant in variants:
            if variant in self._words:  # an extra letter in the word
                candidates.add(variant)
            candidates.update(self._deleted.get(variant, ()))  # a wrong or swapped letter
        return [(1, c) for c in candidates if OSA.distance(word, c, score_cutoff=1) <= 1]

    @staticmethod
    def _near(word: str, terms: Sequence[str], typos: int, limit: int) -> list[tuple[int, str]]:
        if not terms:
            return []
        hits = process.extract(word, terms, scorer=OSA.distance, score_cutoff=typos, limit=limit)
        return [(int(distance), term) for term, distance, _ in hits]


def _deletes(word: str) -> set[str]:
    """Every spelling of ``word`` with one letter left out."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}
