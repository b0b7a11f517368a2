"""``content/distress.yaml``: how people write "I need support now", so crisis lines come first.

Curated by peers: named word lists (spellings, contractions, slang) and phrases built from
them. Every phrase has examples that it must recognise, and the file may list near misses
that nothing may recognise; a mistake in either is reported at its entry and field.
"""

from __future__ import annotations

import re

from pydantic import Field, model_validator

from bot.content.schema.base import Strict, duplicate_ids, raise_at
from bot.directory.phrases import PhraseError, compile_phrase, normalise


class DistressPattern(Strict):
    id: str = Field(pattern=r"^[a-z0-9-]+$", description="Short stable id, e.g. cant-go-on")
    phrases: list[str] = Field(min_length=1, description="Ways people say it, in phrase form")
    examples: list[str] = Field(
        min_length=1, description="Messages this entry must recognise, as people write them"
    )
    unless: list[str] = Field(
        default_factory=list,
        description="Phrases that show the message is about the subject, not someone now"
        " (e.g. 'training', 'how to'); this entry then does not count",
    )


class DistressFile(Strict):
    words: dict[str, list[str]] = Field(
        default_factory=dict, description="Named lists of alternatives, used as {name}"
    )
    patterns: list[DistressPattern] = Field(min_length=1)
    near_misses: list[str] = Field(
        default_factory=list,
        description="Ordinary messages that must NOT be taken as distress",
    )

    @model_validator(mode="after")
    def _readable(self) -> DistressFile:
        mistakes = duplicate_ids("patterns", [p.id for p in self.patterns], "patterns")
        compiled: list[tuple[list[re.Pattern[str]], list[re.Pattern[str]]]] = []
        for i, pattern in enumerate(self.patterns):
            found: dict[str, list[re.Pattern[str]]] = {"phrases": [], "unless": []}
            for field in ("phrases", "unless"):
                for j, phrase in enumerate(getattr(pattern, field)):
                    try:
                        found[field].append(re.compile(compile_phrase(phrase, self.words)))
                    except PhraseError as exc:
                        mistakes.append((("patterns", i, field, j), str(exc)))
            compiled.append((found["phrases"], found["unless"]))
            for j, example in enumerate(pattern.examples):
                text = normalise(example)
                if found["phrases"] and not any(r.search(text) for r in found["phrases"]):
                    mistakes.append(
                        (("patterns", i, "examples", j), "no phrase of this entry recognises it")
                    )
                elif any(r.search(text) for r in found["unless"]):
                    mistakes.append(
                        (("patterns", i, "examples", j), "one of this entry's 'unless' hides it")
                    )
        for k, miss in enumerate(self.near_misses):
            text = normalise(miss)
            for i, (phrases, unless) in enumerate(compiled):
                if any(r.search(text) for r in phrases) and not any(r.search(text) for r in unless):
                    mistakes.append(
                        (
                            ("near_misses", k),
                            f"pattern '{self.patterns[i].id}' takes this for distress",
                        )
                    )
                    break
        raise_at("DistressFile", mistakes)
        return self
