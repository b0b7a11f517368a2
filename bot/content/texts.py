"""The wording catalogue handlers speak with."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bot.content.problems import ContentError, Problem
from bot.content.schema.texts import TextsFile
from bot.content.wording import check as check_wording
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
    lines: dict[str, int] = {}
    problems: list[Problem] = []
    broken: set[str] = set()
    for path in sorted(folder.glob("*.yaml")):
        try:
            model = load_yaml_model(path, TextsFile, shown_as=f"texts/{path.name}")
        except ContentError as exc:
            problems += exc.problems
            broken.add(path.stem)
            continue
        stem = path.stem  # a pathlib property: worked out anew at each use
        entries.update((f"{stem}.{key}", text) for key, text in model.root.items())
        lines |= _key_lines(path)
    # Every key the code asks for, with the placeholders it fills (files already reported
    # as broken are not reported again as missing every key).
    problems += [
        p for p in check_wording(entries, lines) if p.file.removeprefix("texts/")[:-5] not in broken
    ]
    if problems:
        raise ContentError(problems)
    return Texts(entries)


def _key_lines(path: Path) -> dict[str, int]:
    """The line of each top-level key in a wording file, for problem messages."""
    found = {}
    stem = path.stem
    for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        key, colon, _ = line.partition(":")
        if colon and key and not key[0].isspace() and not key.startswith("#"):
            found[f"{stem}.{key.strip()}"] = n
    return found
