"""The distress patterns made from programs kept at an earlier start (or at install) are the
very patterns ``re.compile`` makes, so crisis lines come first for exactly the same messages;
a damaged or foreign program is never used.

``re.Pattern`` equality compares the compiled program itself, not only the text."""

from __future__ import annotations

import hashlib
import marshal
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.content import cache
from bot.content.schema.distress import DistressFile
from bot.content.yamlfile import load_yaml_model
from bot.directory import compiled
from bot.directory.distress import Distress
from tests.helpers import CONTENT, REPO


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Nothing made or read yet in this process; compiled files under this test's folder."""
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "compiled"))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    for name in ("_programs", "_used", "_read_from"):
        monkeypatch.setattr(compiled, name, type(getattr(compiled, name))())
    monkeypatch.setattr(compiled, "_fresh", False)
    yield


def _texts() -> list[str]:
    """Every expression distress.yaml compiles, by compiling it with re as it is."""
    file = load_yaml_model(CONTENT / "distress.yaml", DistressFile, shown_as="distress.yaml")
    texts = []
    for _, says, unless in file.compiled():
        texts += [says.pattern] + ([unless.pattern] if unless else [])
    return texts


def _load_with_cache(folder: Path) -> DistressFile:
    """distress.yaml loaded as a start does, kept programs read from and written to
    ``folder`` (validated again: every example recognised, no near miss)."""
    import bot.content.yamlfile as yamlfile

    yamlfile._last_good.clear()  # as in a new process: no model remembered
    with cache.kept_in(folder):
        file = load_yaml_model(CONTENT / "distress.yaml", DistressFile, shown_as="distress.yaml")
        compiled.keep()
    return file


def _as_re_compile_makes_them(file: DistressFile) -> None:
    """Every pattern equal to what re.compile makes of its text; every example recognised,
    no near miss."""
    for _, says, unless in file.compiled():
        assert says == re.compile(says.pattern)
        assert unless is None or unless == re.compile(unless.pattern)
    patterns = Distress(file)
    for entry in file.patterns:
        assert all(patterns.recognises(example) for example in entry.examples)
    assert not any(patterns.recognises(miss) for miss in file.near_misses)


def test_patterns_from_kept_programs_are_those_re_compile_makes(
    fresh: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data").mkdir()
    _load_with_cache(tmp_path / "data" / "cache")  # the first start: compiles, keeps
    assert any((tmp_path / "data" / "cache").glob(f"{compiled.KIND}-*"))
    # The next start, in a new process: only what the data folder keeps.
    monkeypatch.setattr(compiled, "_programs", {})
    monkeypatch.setattr(compiled, "_read_from", set())

    def not_again(text: str) -> object:
        raise AssertionError("compiled again")

    monkeypatch.setattr(compiled, "_program", not_again)
    file = _load_with_cache(tmp_path / "data" / "cache")
    _as_re_compile_makes_them(file)


def test_a_damaged_program_is_not_used(fresh: None, tmp_path: Path) -> None:
    text = _texts()[0]
    program = list(compiled._program(text))
    program[1] = program[1][: len(program[1]) // 2]  # cut short
    digest = hashlib.sha256(text.encode()).hexdigest()
    compiled._programs[digest] = tuple(program)
    assert compiled.compile_pattern(text) == re.compile(text)


def test_a_program_changed_on_disk_is_not_used(
    fresh: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One letter of a phrase changed in the kept file (a bad disk, a stray edit) would still
    be a valid program, and would miss what the phrase says: the file is not used."""
    folder = tmp_path / "cache"
    with cache.kept_in(folder):
        compiled.compile_pattern(" (?:cant go on )")
        compiled.keep()
    [path] = folder.glob(f"{compiled.KIND}-*")
    data = path.read_bytes()
    # The letter g as marshal keeps an int of SRE's program (type "i", flagged as referable).
    g, x = b"\xe9" + ord("g").to_bytes(4, "little"), b"\xe9" + ord("x").to_bytes(4, "little")
    assert data.count(g) == 1
    path.write_bytes(data.replace(g, x))
    monkeypatch.setattr(compiled, "_programs", {})
    monkeypatch.setattr(compiled, "_read_from", set())
    with cache.kept_in(folder):
        pattern = compiled.compile_pattern(" (?:cant go on )")
    assert pattern.search(" i cant go on ")
    assert pattern == re.compile(" (?:cant go on )")


def test_a_program_kept_by_another_python_is_not_read(fresh: None, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / f"{compiled.KIND}-{cache.FORMAT}-other-python").write_bytes(
        marshal.dumps({"x": (0, [], 0, {}, ())})
    )
    with cache.kept_in(folder):
        compiled.compile_pattern(" a ")
    assert compiled._programs.keys() == {hashlib.sha256(b" a ").hexdigest()}


def test_the_expressions_are_the_same_text_in_every_process() -> None:
    """Kept programs are found by the expression's text, so it must not depend on the
    process (a set's order changes with Python's hash seed)."""
    script = (
        "from tests.directory.test_compiled_patterns import _texts;"
        "import hashlib;print(hashlib.sha256('|'.join(_texts()).encode()).hexdigest())"
    )
    seen = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(seen) == 1


def _refusing(*args: object) -> object:
    raise AttributeError("a future Python changed this")


@pytest.mark.parametrize("internal", ["_parser", "_compiler", "_sre"])
def test_if_pythons_internals_change_the_patterns_are_those_re_compile_makes(
    fresh: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, internal: str
) -> None:
    """A newer Python whose re internals refuse what this module asks of them: distress.yaml
    still loads, every example is still recognised, and nothing is kept for next time."""
    monkeypatch.setattr(
        compiled,
        internal,
        SimpleNamespace(parse=_refusing, _code=_refusing, compile=_refusing),
    )
    (tmp_path / "data").mkdir()
    file = _load_with_cache(tmp_path / "data" / "cache")
    _as_re_compile_makes_them(file)
    assert compiled._programs == {}
    assert not list((tmp_path / "data").glob(f"cache/{compiled.KIND}-*"))


def test_a_python_without_these_internals_compiles_as_re_does(
    fresh: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compiled, "VERSION", None)  # as when importing them failed
    monkeypatch.setattr(compiled, "_program", _refusing)
    with cache.kept_in(tmp_path / "cache"):
        assert compiled.compile_pattern(" (?:cant go on )") == re.compile(" (?:cant go on )")
        assert compiled.keep(asked=True) is None
    assert not (tmp_path / "cache").exists()
