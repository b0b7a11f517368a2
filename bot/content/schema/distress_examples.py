"""``content/distress_examples.yaml``: messages that say "I need support now" and ordinary
ones, from which the learned second opinion beside the phrase patterns is trained.

Curated by peers like every content file: a mistake (an empty message, a message in both
lists, a group with no examples) is reported at its group and field, so the file can be fixed
without reading code.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from bot.content.schema.base import Strict, duplicate_ids, raise_at
from bot.directory.phrases import normalise


class ExampleGroup(Strict):
    id: str = Field(pattern=r"^[a-z0-9-]+$", description="Short stable id, e.g. blind-set1")
    blind: bool = Field(
        default=False,
        description="Written by someone who never saw the patterns or the model; the"
        " benchmark trains without each blind group in turn and tests on it",
    )
    distress: list[str] = Field(
        default_factory=list, description='Messages that say "I need support now"'
    )
    ordinary: list[str] = Field(
        default_factory=list, description="Ordinary messages and searches, near misses most"
    )


class DistressExamplesFile(Strict):
    threshold: float = Field(
        ge=-2,
        le=2,
        description="How strongly a message must read as distress (around 0: unsure) before"
        " the model alone puts crisis lines first; chosen with the leave-one-set-out figures"
        " of benchmarks.distress",
    )
    groups: list[ExampleGroup] = Field(min_length=1)

    @model_validator(mode="after")
    def _usable(self) -> DistressExamplesFile:
        mistakes = duplicate_ids("groups", [g.id for g in self.groups], "groups")
        said: dict[str, tuple[str, int, str]] = {}
        for i, group in enumerate(self.groups):
            for field in ("distress", "ordinary"):
                for j, message in enumerate(getattr(group, field)):
                    key = normalise(message).strip()
                    if not key:
                        mistakes.append(
                            (
                                ("groups", i, field, j),
                                f"group '{group.id}': the message has no words",
                            )
                        )
                        continue
                    other = said.setdefault(key, (group.id, j, field))
                    if other[2] != field:
                        mistakes.append(
                            (
                                ("groups", i, field, j),
                                f"group '{group.id}': the same message is in '{other[0]}'"
                                f" {other[2]}[{other[1]}]; it can be only one of distress or"
                                " ordinary",
                            )
                        )
        if not any(g.distress for g in self.groups) or not any(g.ordinary for g in self.groups):
            mistakes.append((("groups",), "needs examples of both distress and ordinary messages"))
        raise_at("DistressExamplesFile", mistakes)
        return self
