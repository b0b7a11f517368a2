"""``content/distress.yaml``: how people write "I need support now", so crisis lines come first.

Curated by peers: named word lists (spellings, contractions, slang) and phrases built from
them. Every phrase has examples that it must recognise, and the file may list near misses
that nothing may recognise; a mistake in either is reported at its entry and field.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, PrivateAttr, field_validator, model_validator

from bot.content.schema.base import Strict, duplicate_ids, raise_at
from bot.directory.phrases import PhraseError, compile_phrases, normalise


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

    @field_validator("words", mode="before")
    @classmethod
    def _numbers_are_words(cls, value: Any) -> Any:
        """A number in a word list (``[2, 3, ten]``) is read as the word it is written as:
        YAML reads an unquoted 10 as a number, and a peer should not need quotes for it."""
        if not isinstance(value, dict):
            return value
        return {
            name: [
                str(w) if isinstance(w, int | float) and not isinstance(w, bool) else w
                for w in words
            ]
            if isinstance(words, list)
            else words
            for name, words in value.items()
        }

    _compiled: list[tuple[re.Pattern[str], re.Pattern[str] | None]] = PrivateAttr(
        default_factory=list
    )

    @model_validator(mode="after")
    def _readable(self) -> DistressFile:
        mistakes = duplicate_ids("patterns", [p.id for p in self.patterns], "patterns")
        compiled: list[tuple[re.Pattern[str], re.Pattern[str] | None]] = []
        for i, pattern in enumerate(self.patterns):
            says: re.Pattern[str] | None = None
            unless: re.Pattern[str] | None = None
            try:
                says = compile_phrases(pattern.phrases, self.words)
                unless = compile_phrases(pattern.unless, self.words) if pattern.unless else None
            except PhraseError as exc:
                field = "phrases" if says is None else "unless"
                where = ("patterns", i, field) + (() if exc.index is None else (exc.index,))
                mistakes.append((where, str(exc)))
                continue
            compiled.append((says, unless))
            for j, example in enumerate(pattern.examples):
                text = normalise(example)
                if not says.search(text):
                    mistakes.append(
                        (("patterns", i, "examples", j), "no phrase of this entry recognises it")
                    )
                elif unless and unless.search(text):
                    mistakes.append(
                        (("patterns", i, "examples", j), "one of this entry's 'unless' hides it")
                    )
        for k, miss in enumerate(self.near_misses):
            text = normalise(miss)
            for i, (says, unless) in enumerate(compiled):
                if says.search(text) and not (unless and unless.search(text)):
                    mistakes.append(
                        (
                            ("near_misses", k),
                            f"pattern '{self.patterns[i].id}' takes this for distress",
                        )
                    )
                    break
        raise_at("DistressFile", mistakes)
        self._compiled = compiled
        return self

    def compiled(self) -> list[tuple[str, re.Pattern[str], re.Pattern[str] | None]]:
        """Each entry's id with its phrases and 'unless' compiled (once, when validated)."""
        return [
            (p.id, says, unless)
            for p, (says, unless) in zip(self.patterns, self._compiled, strict=True)
        ]
