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


_names_of: list[tuple[GlossaryFile, dict[str, Term]]] = []


def _names(glossary: GlossaryFile) -> dict[str, Term]:
    """Every name and alias by its key, built once per loaded glossary (a lookup is then a
    dictionary read, not a pass over every term: /resources asks on each empty search)."""
    if _names_of and _names_of[0][0] is glossary:
        return _names_of[0][1]
    names: dict[str, Term] = {}
    for term in glossary.terms:
        for name in (term.term, *term.aliases):
            names.setdefault(key(name), term)
    _names_of[:] = [(glossary, names)]
    return names


def exact(glossary: GlossaryFile, word: str) -> Term | None:
    """The term named exactly so (by its name or an alias), or None."""
    return _names(glossary).get(key(word))


def look_up(glossary: GlossaryFile, word: str) -> Lookup:
    """The term by its name or an alias, then by the start of one, then nearly spelt."""
    wanted = key(word)
    names = _names(glossary)
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
