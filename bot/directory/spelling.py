"""Spelling help for words the directory has never seen, precomputed when content loads.

The index's vocabulary is bucketed by length, so a typo is compared only with words that
could be within its allowed distance (not all of them), and the starts of longer words
("certifcat" for certification) are kept per length, built once rather than per query.
Two swapped letters count as one typo ("greif" → grief).
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
        by_length: dict[int, list[str]] = defaultdict(list)
        starts: dict[int, set[str]] = defaultdict(set)
        for term in vocabulary:
            if not term.isalpha():
                continue
            by_length[len(term)].append(term)
            for n in range(4, min(len(term), _LONGEST_START + 1)):
                starts[n].add(term[:n])
        self._by_length = dict(by_length)
        self._starts = {n: sorted(s) for n, s in starts.items()}

    def close(self, word: str, limit: int = 3) -> list[str]:
        """Directory words within the allowed typos, closest first; failing that, whole
        words starting with a close spelling of ``word`` (searched as prefixes)."""
        typos = allowed_typos(word)
        if not typos:
            return []
        found: list[tuple[int, str]] = []
        for n in range(len(word) - typos, len(word) + typos + 1):
            found += self._near(word, self._by_length.get(n, ()), typos, limit)
        if not found:
            found = self._near(word, self._starts.get(len(word), ()), typos, limit)
        found.sort(key=lambda f: (f[0], -len(f[1]), f[1]))
        return [term for _, term in found[:limit]]

    @staticmethod
    def _near(word: str, terms: Sequence[str], typos: int, limit: int) -> list[tuple[int, str]]:
        if not terms:
            return []
        hits = process.extract(word, terms, scorer=OSA.distance, score_cutoff=typos, limit=limit)
        return [(int(distance), term) for term, distance, _ in hits]
