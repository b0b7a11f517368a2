"""``content/texts/*.yaml``: the wording people read in replies, one file per feature.

A key ``welcome`` in ``texts/start.yaml`` is used in code as ``ctx.text("start.welcome")``.
Placeholders in braces (``{name}``) are filled by the code; a test checks that every key the
code uses exists and that each text's placeholders are the ones the code fills.
"""

from __future__ import annotations

import string

from pydantic import RootModel, field_validator


class TextsFile(RootModel[dict[str, str]]):
    @field_validator("root")
    @classmethod
    def _check(cls, v: dict[str, str]) -> dict[str, str]:
        for key, text in v.items():
            if not key.replace("_", "").isalnum() or not key.islower():
                raise ValueError(f"key '{key}' should be lower-case letters, digits and _")
            try:
                list(string.Formatter().parse(text))
            except ValueError as exc:
                raise ValueError(f"'{key}' has a broken {{placeholder}}: {exc}") from None
        return v


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
