"""The wording catalogue handlers speak with."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bot.content.problems import ContentError, Problem
from bot.content.schema.texts import TextsFile
from bot.content.yamlfile import load_yaml_model


class Texts:
    """``texts("start.welcome", name=...)``: the text for a key, placeholders filled."""

    def __init__(self, entries: Mapping[str, str]) -> None:
        self._entries = dict(entries)

    def __call__(self, key: str, **values: object) -> str:
        try:
            template = self._entries[key]
        except KeyError:
            raise KeyError(f"no text '{key}' in content/texts/") from None
        return template.format(**values) if values else template

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def keys(self) -> list[str]:
        return sorted(self._entries)

    def raw(self, key: str) -> str:
        return self._entries[key]


def load_texts(content_dir: Path) -> Texts:
    folder = content_dir / "texts"
    if not folder.is_dir():
        raise ContentError([Problem("texts/", "the folder of wording is missing")])
    entries: dict[str, str] = {}
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            model = load_yaml_model(path, TextsFile, shown_as=f"texts/{path.name}")
        except ContentError as exc:
            problems += exc.problems
            continue
        for key, text in model.root.items():
            entries[f"{path.stem}.{key}"] = text
    if problems:
        raise ContentError(problems)
    return Texts(entries)
