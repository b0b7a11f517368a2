"""The distress patterns' regular expressions, compiled once per version of their text instead
of at every start.

Why: Python compiles a regular expression in two steps. Reading the text into SRE's program (a
list of numbers) is plain Python and slow: for the 45 large expressions of distress.yaml it was
a fifth to a quarter of a second of every start. Making a pattern from that program is one C
call. So the program is kept, named by the sha256 of the expression's text, in the data
folder's content cache (``bot.content.cache``) and beside the compiled code for the shipped
content (``bot.content.prepared``, by ``python -m bot prepare``), and read back at the next
start. A kept program is used only for the very text it was made from, by the very Python
that made it (its version and SRE's own format number are in the name), and only if the
file's sha256 says it is exactly as written (SRE checks a program's shape, but a changed
letter would pass); whenever anything is off, the text is compiled as ``re.compile`` does.
A test checks that the patterns made either way are equal (``re.Pattern`` compares the
program itself).

These are the expressions built from curated phrases, not anything a person wrote.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import marshal
import re
import sys
import threading
from pathlib import Path
from typing import Any, cast

from bot.content import cache as kept
from bot.content import prepared

log = logging.getLogger(__name__)

KIND = "regex.distress"
try:  # Python's own internals: a Python without them compiles every pattern as re does
    _sre: Any = importlib.import_module("_sre")
    _compiler: Any = importlib.import_module("re._compiler")
    _parser: Any = importlib.import_module("re._parser")
    #: This Python exactly, and SRE's own format: a program from any other is never read.
    VERSION: str | None = f"{sys.hexversion:x}-{_sre.MAGIC}-{_sre.CODESIZE}"
except (ImportError, AttributeError):
    VERSION = None

#: program for each text's sha256: what was read back or made in this process.
_programs: dict[str, tuple[Any, ...]] = {}
_used: set[str] = set()  # the ones asked for in this process: what is kept for next time
_read_from: set[object] = set()  # the places already read
_fresh = False  # a program was made since the last keep()
_refused: set[str] = set()  # this Python's internals refused: said once, then quietly
_lock = threading.Lock()  # content loads run on worker threads


def compile_pattern(text: str) -> re.Pattern[str]:
    """``re.compile(text)``, from the program kept for this very text when there is one.
    If Python's internals used here behave in any way other than expected (a newer Python),
    ``re.compile`` itself, and nothing is kept: a crisis phrase is never lost to a saving."""
    global _fresh
    if VERSION is None:
        return re.compile(text)
    digest = hashlib.sha256(text.encode()).hexdigest()
    with _lock:
        _read_kept()
        program = _programs.get(digest)
        _used.add(digest)
    if program is not None:
        try:
            return cast(re.Pattern[str], _sre.compile(text, *program))
        except Exception as exc:  # a damaged or foreign program: compiled afresh below
            log.debug("distress: a kept pattern program was refused (%s)", exc)
    try:
        program = _program(text)
        pattern = cast(re.Pattern[str], _sre.compile(text, *program))
    except Exception as exc:
        (log.debug if _refused else log.warning)(
            "distress: patterns compiled as re does, and not kept (%r)", exc
        )
        _refused.add(type(exc).__name__)
        return re.compile(text)
    with _lock:
        _programs[digest] = program
        _fresh = True
    return pattern


def keep(*, asked: bool = False) -> Path | None:
    """After a load: keep the programs made since the last, with those it used, for the next
    start (only once the whole load succeeds: ``bot.content.cache``). ``asked``: by ``python
    -m bot prepare``, beside the compiled code whatever was made; where that was kept."""
    global _fresh
    if VERSION is None:
        return None
    with _lock:
        if not (_fresh or asked):
            return None
        _fresh = False
        body = marshal.dumps({d: _programs[d] for d in _used if d in _programs})
    blob = kept.sealed(body)  # a program changed on disk is never used
    kept.write(KIND, VERSION, blob)
    return prepared.keep(KIND, VERSION, blob) if asked else None


def _program(text: str) -> tuple[Any, ...]:
    """What ``re._compiler.compile`` hands to SRE for ``text`` (no flags), step for step."""
    parsed = _parser.parse(text, 0)
    code = [int(op) for op in _compiler._code(parsed, 0)]  # opcodes are int subclasses
    groupindex = parsed.state.groupdict
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    return (parsed.state.flags, code, parsed.state.groups - 1, groupindex, tuple(indexgroup))


def _read_kept() -> None:
    """Read what the data folder and the code's folder keep, once each (called locked)."""
    assert VERSION is not None
    for place in (kept.folder(), prepared.where(KIND, VERSION)):
        if place is None or place in _read_from:
            continue
        _read_from.add(place)
        blob = kept.read(KIND, VERSION) if place == kept.folder() else prepared.read(KIND, VERSION)
        body = kept.opened(blob)
        if body is None:
            continue  # none, or changed since it was written (SRE would take many changes)
        try:
            found = marshal.loads(body)
        except (ValueError, EOFError, TypeError):
            continue
        if isinstance(found, dict):
            for digest, program in found.items():
                if isinstance(digest, str) and isinstance(program, tuple) and len(program) == 5:
                    _programs.setdefault(digest, program)
