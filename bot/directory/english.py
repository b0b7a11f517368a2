"""Ordinary English words, from wordfreq's maintained frequency list.

Why: the spelling help must never rewrite a correct word ("test" → "best", "housing" →
"focusing", "boss" → "loss"). A word that people commonly write is taken as meant, even when
the directory has never seen it. Loaded once per process (wordfreq's import and list take
about a second on a busy machine), then a set lookup.
"""

from __future__ import annotations

import hashlib
import marshal
from functools import cache
from importlib.metadata import version
from pathlib import Path

from bot.content import cache as kept
from bot.content import prepared
from bot.directory.words import fold

# wordfreq's "small" English list: about 29,000 words, everything at Zipf frequency 3 or more
# (roughly once per million words of text). Rarer spellings are more often typos.
_LIST_SIZE = 30_000


_COMMON = 1_000  # the most common words: "think", "took", "much", "not"

#: The code that makes the list from wordfreq's (this file, and ``fold`` in words.py): a list
#: kept by other code (another fold) is never read.
_CODE = (Path(__file__), Path(__file__).with_name("words.py"))


@cache
def _ranked() -> tuple[str, ...]:
    """Kept beside the database with the content (``bot.content.cache``) when loaded with it,
    and beside the compiled code (``bot.content.prepared``, written by ``python -m bot
    prepare`` at install): importing wordfreq and reading its list is a fifth to a third of
    a second of a start."""
    return prepared.recalled("words.english", _version(), _loaded, _from_wordfreq, marshal.dumps)


def prepare() -> Path | None:
    """Keep the list beside the compiled code now (at install), so no start imports
    wordfreq; where it was kept (None: this Python keeps no compiled files)."""
    blob = kept.sealed(marshal.dumps(_from_wordfreq()))
    return prepared.keep("words.english", _version(), blob)


@cache
def _version() -> str:
    """wordfreq's version, the list's size, and the sha256 of the code that derives it."""
    code = hashlib.sha256()
    for path in _CODE:
        code.update(path.read_bytes())
    return f"{version('wordfreq')}-{_LIST_SIZE}-{code.hexdigest()}"


def _loaded(blob: bytes | None) -> tuple[str, ...] | None:
    if blob is None:
        return None
    try:
        words = marshal.loads(blob)
    except (ValueError, EOFError, TypeError):
        return None
    if isinstance(words, tuple) and all(isinstance(w, str) for w in words):
        return words
    return None


def _from_wordfreq() -> tuple[str, ...]:
    from wordfreq import top_n_list  # imported here: slow to import, needed once

    return tuple(fold(w) for w in top_n_list("en", _LIST_SIZE, wordlist="small") if w.isalpha())


@cache
def english_words() -> frozenset[str]:
    return frozenset(_ranked())


@cache
def common_words() -> frozenset[str]:
    """The thousand most common words: what a message is made of, rarely what it seeks."""
    return frozenset(_ranked()[:_COMMON])


def is_english(word: str) -> bool:
    return word in english_words()


def is_common(word: str) -> bool:
    return word in common_words()
