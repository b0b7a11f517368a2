"""Looking up a glossary term the way people type it: "4c", "4C exemption", "efap", "PEPP"."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.content.schema.glossary import GlossaryFile, Term
from bot.directory.words import close_words, tokens


def key(text: str) -> str:
    """Letters and digits only, folded: "4C Exemption" and "4c-exemption" are one key."""
    return "".join(tokens(text))


@dataclass(frozen=True, slots=True)
class Lookup:
    term: Term | None
    suggestions: list[Term]


def look_up(glossary: GlossaryFile, word: str) -> Lookup:
    """The term by its name or an alias, then by the start of one, then nearly spelt."""
    wanted = key(word)
    names: dict[str, Term] = {}
    for term in glossary.terms:
        for name in (term.term, *term.aliases):
            names.setdefault(key(name), term)
    if wanted in names:
        return Lookup(names[wanted], [])
    starting = _distinct(t for k, t in names.items() if k.startswith(wanted))
    if len(starting) == 1 and len(wanted) >= 2:
        return Lookup(starting[0], [])
    close = _distinct(names[k] for k in close_words(wanted, list(names), limit=3))
    if len(close) == 1 or (close and len(wanted) >= 5):
        return Lookup(close[0], [])
    return Lookup(None, _distinct([*starting, *close])[:5])


def _distinct(terms: Iterable[Term]) -> list[Term]:
    """Each term once (a term found by its name and by an alias), in order."""
    return list({t.term: t for t in terms}.values())
