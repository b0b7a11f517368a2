"""Load a YAML file into a pydantic model, mapping validation errors to lines and entries."""

from __future__ import annotations

import hashlib
import marshal
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

import yaml
from pydantic import BaseModel, ValidationError

from bot.content import cache, fastyaml
from bot.content.problems import ContentError, Problem

_NAME_KEYS = ("id", "name", "title", "term", "key")
M = TypeVar("M", bound=BaseModel)


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe loader (libyaml's when installed: several times faster on a big directory)
    that leaves dates as text for the model to read, so an impossible date (2026-13-01) is
    reported at its entry and field instead of breaking the YAML parser."""


_Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _node_at(node: yaml.Node | None, loc: Sequence[int | str]) -> tuple[yaml.Node | None, int]:
    """Follow a pydantic error location through the YAML node tree; return the deepest node
    found and how many steps of ``loc`` it covers."""
    steps = 0
    for step in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(step):
                    nxt = value
                    break
            if nxt is None:
                break
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if step >= len(node.value):
                break
            node = node.value[step]
        else:
            break
        steps += 1
    return node, steps


def _entry_label(data: Any, loc: Sequence[int | str]) -> tuple[str | None, list[str]]:
    """Split a location into the entry (the list item it is in, with its name when it has
    one) and the field path inside that entry."""
    last_index = max((i for i, s in enumerate(loc) if isinstance(s, int)), default=None)
    if last_index is None:
        return None, [str(s) for s in loc]
    node: Any = data
    for step in loc[: last_index + 1]:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            node = None
            break
    label = "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in loc[: last_index + 1])
    label = label.lstrip(".")
    if isinstance(node, dict):
        for key in _NAME_KEYS:
            if isinstance(node.get(key), str | int):
                label += f' "{node[key]}"'
                break
    return label, [str(s) for s in loc[last_index + 1 :]]


#: A line with text before a `` #``, and what starts its value (after ``- `` and ``key: ``).
_HASH_AFTER_TEXT = re.compile(r"^[ \t]*[^#\s][^\n]*?[ \t]#", re.MULTILINE)
_VALUE_START = re.compile(r"^(?:-[ \t]+)*(?:[^\s\"'#][^:\n]*:[ \t]+)?")


def _may_be_cut(text: str, raw: bytes) -> bool:
    """Whether any line holds an unquoted value followed by `` #``: only then can YAML have
    cut a value short, and only then is the file's node tree built to look closer (a big
    directory whose quoted texts say "#3" is not parsed twice). Looked for first in ``raw``,
    the text's UTF-8 bytes: a byte a character (see ``fastyaml.load``)."""
    if not fastyaml.follows(raw, b" \t", b"#"):
        return False  # no line can hold one: no need to read each line (``#`` is a memchr away)
    for found in _HASH_AFTER_TEXT.finditer(text):
        line = found.group(0).lstrip()
        value = line[_VALUE_START.match(line).end() :]  # type: ignore[union-attr]
        if value and value[0] not in "\"'|>":
            return True
    return False


def values_cut_by_comments(text: str, shown_as: str, raw: bytes | None = None) -> list[Problem]:
    """Unquoted values that YAML cut short at `` #`` (the start of a comment), so a text like
    ``use their number (like #12)`` silently became ``use their number (like``."""
    if not _may_be_cut(text, text.encode("utf-8", "surrogatepass") if raw is None else raw):
        return []
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return []  # the parser reports it
    lines = text.splitlines()
    problems = []
    todo: list[tuple[yaml.Node | None, str | None]] = [(root, None)]
    while todo:
        node, entry = todo.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else entry
                todo.append((value, name))
        elif isinstance(node, yaml.SequenceNode):
            todo += [(item, entry) for item in node.value]
        elif isinstance(node, yaml.ScalarNode) and not node.style and node.value:
            end = node.end_mark
            rest = lines[end.line][end.column :] if end.line < len(lines) else ""
            if re.match(r"[ \t]+#", rest):
                problems.append(
                    Problem(
                        shown_as,
                        "this text stops at ' #', which YAML reads as the start of a note;"
                        " put the whole text in double quotes (or a note on a line of its own)",
                        end.line + 1,
                        entry,
                    )
                )
    problems.sort(key=lambda p: p.line or 0)
    return problems


#: The last good model of each file, by its exact bytes: a reload after editing one small file
#: does not parse and validate a 10,000-entry directory again (YAML parsing is most of the
#: cost of a load). Models are never changed once built, so sharing one is safe.
_last_good: dict[tuple[Path, type[BaseModel]], tuple[bytes, BaseModel]] = {}
_last_good_lock = threading.Lock()


def digest_of(path: Path, model: type[BaseModel], built: BaseModel) -> str | None:
    """The sha256 (hex) of the bytes ``built`` was made from, if it is the last good model
    of ``path``: what anything derived from it (a search index) is kept by."""
    with _last_good_lock:
        known = _last_good.get((path.resolve(), model))
    return known[0].hex() if known is not None and known[1] is built else None


def load_yaml_model(
    path: Path,
    model: type[M],
    *,
    shown_as: str,
    raw: bytes | None = None,
    digest: bytes | None = None,
) -> M:
    """Parse and validate one file; raise ContentError naming file, line, entry and field.
    ``raw``: the file's bytes, when the caller has read them already (``in_parts``), and
    ``digest`` their sha256, when it has taken that too (only with ``raw``)."""
    if raw is None:
        digest = None  # read here: hashed here
    try:
        if raw is None:
            raw = path.read_bytes()
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise ContentError([Problem(shown_as, "the file is missing")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError([Problem(shown_as, f"cannot be read ({exc})")]) from None
    if digest is None:
        digest = hashlib.sha256(raw).digest()
    known = last_good(path, model, digest)
    if known is not None:
        return known
    kind = data_kind(shown_as, model)
    built = _from_cache(kind, digest.hex(), model)
    if built is None:
        data = _parse(text, shown_as, raw)
        built = _validate(text, data, model, shown_as)
        keep(path, model, digest, built, data, kind)
    else:
        keep(path, model, digest, built)
    return built


def last_good(path: Path, model: type[M], digest: bytes) -> M | None:
    """The last good model of ``path`` if it was made from bytes with this sha256."""
    with _last_good_lock:
        known = _last_good.get((path.resolve(), model))
    return cast(M, known[1]) if known is not None and known[0] == digest else None


def data_kind(shown_as: str, model: type[BaseModel]) -> str:
    """What the plain data parsed from a file is kept as in the content cache."""
    return f"data.{shown_as.replace('/', '_')}.{model.__name__}"


def keep(
    path: Path,
    model: type[M],
    digest: bytes,
    built: M,
    data: Any = None,
    kind: str | None = None,
) -> None:
    """``built`` (made from bytes with sha256 ``digest``) as the last good model of
    ``path``; with ``data`` and ``kind``, the plain data it was validated from kept in the
    content cache too (``bot.content.in_parts`` makes a model part by part, then keeps it
    here as a whole file's)."""
    if data is not None and kind is not None:
        cache.write(kind, digest.hex(), marshal.dumps(data))
    with _last_good_lock:
        _last_good[(path.resolve(), model)] = (digest, built)


def _from_cache(kind: str, digest: str, model: type[M]) -> M | None:
    """The model from data parsed earlier from these very bytes, validated again now (the
    schema may have changed since); None if there is none, or it does not pass any more, and
    then the file is parsed and checked in full, reporting problems as usual."""
    blob = cache.read(kind, digest)
    if blob is None:
        return None
    try:
        return model.model_validate(marshal.loads(blob))
    except (ValueError, EOFError, TypeError):  # ValidationError is a ValueError
        return None


def _parse(text: str, shown_as: str, raw: bytes | None = None) -> Any:
    """Plain data from YAML text, checked for values a `` #`` cut short. yaml-rs reads it
    when it surely gives what PyYAML gives (``fastyaml``), many times faster; else PyYAML.
    ``raw``: the text's UTF-8 bytes, the file as read (its plain checks search those)."""
    if raw is None:
        raw = text.encode("utf-8", "surrogatepass")
    try:
        data = fastyaml.load(text, _Loader.yaml_implicit_resolvers, raw)
        if data is None:
            data = yaml.load(text, Loader=_Loader)  # a safe loader: builds no objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or "is not valid YAML"
        raise ContentError(
            [Problem(shown_as, f"YAML error: {problem} (check indentation and colons)", line)]
        ) from None
    if data is None:
        data = {}
    cut = values_cut_by_comments(text, shown_as, raw)
    if cut:
        raise ContentError(cut)
    return data


def _validate(text: str, data: Any, model: type[M], shown_as: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        root = yaml.compose(text, Loader=_Loader)  # the node tree knows lines: only on error
        problems = []
        for err in exc.errors():
            loc = [s for s in err["loc"] if isinstance(s, int | str)]
            node, _ = _node_at(root, loc)
            line = node.start_mark.line + 1 if node is not None else None
            entry, fields = _entry_label(data, loc)
            message = str(err["msg"]).removeprefix("Value error, ")
            problems.append(Problem(shown_as, message, line, entry, ".".join(fields) or None))
        raise ContentError(problems) from None
