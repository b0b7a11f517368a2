"""Which wording the code asks for, found once by reading the code, so every load of
``content/texts/`` (start-up, ``check-content``, ``/reload``) can check it.

Why: a renamed key (``eror:`` for ``error:``) or placeholder (``{cmd}`` for ``{command}``) in a
wording file used to load fine, and then the bot had no words to answer with (no answer on
Telegram, a traceback on the console). The code is the one place that knows which keys it uses
and which placeholders it fills, so the list is read from it: every ``ctx.text(KEY, ...)`` and
``UserFacingError.about(KEY, ...)`` call in ``bot/`` and ``handlers/``.

A key is read from a literal, an f-string (``f"spaces.finding_{x}"`` becomes a pattern every
matching text must fit), ``a if c else b``, ``key + "_button"``, a name assigned or defaulted to
any of those in the same function or module, a module dict's values (``for g, key in
_TEXTS.items()``, ``_TEXTS[g]``), or a module function that returns them. A key built any other
way is not checked here; the test of this module fails if a call site cannot be read, so new
code stays checkable.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from bot.content import cache as kept
from bot.content import prepared
from bot.content.problems import Problem
from bot.content.schema.texts import placeholders

log = logging.getLogger(__name__)

#: A wording key: ``<file stem>.<key>``.
KEY = re.compile(r"[a-z_]+\.[a-z0-9_]+")
#: A pattern of keys that names its file (``spaces\.finding_.+``): only that file's keys, those
#: before the first dot, can match it.
_NAMED_FILE = re.compile(r"([a-z_]+)\\\.")
_PACKAGES = ("bot", "handlers")


@dataclass(frozen=True, slots=True)
class Use:
    """One key (or a pattern of keys) the code asks for, with the placeholders it fills there
    (``None``: filled from ``**values``, so not known here)."""

    key: str
    pattern: re.Pattern[str] | None
    given: frozenset[str] | None
    where: str

    def matches(self, key: str) -> bool:
        return key == self.key if self.pattern is None else bool(self.pattern.fullmatch(key))


@dataclass(frozen=True, slots=True)
class Scan:
    uses: tuple[Use, ...]
    unread: tuple[str, ...]  # call sites whose key could not be worked out


def _sources() -> Iterator[Path]:
    for name in _PACKAGES:
        spec = find_spec(name)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            yield from sorted(Path(folder).rglob("*.py"))


class _Module:
    """Resolves the key argument of a call to the literal keys or patterns it can be."""

    def __init__(self, tree: ast.Module, every: list[_Module]) -> None:
        self.tree = tree
        self.every = every  # all modules read, to find callers that pass a key in
        # One pass over the tree (the scan runs at every start): who contains what, and
        # every call by the name it calls.
        self.parents: dict[ast.AST, ast.AST] = {}
        self.calls: dict[str, list[ast.Call]] = {}
        todo: list[ast.AST] = [tree]
        while todo:
            node = todo.pop()
            if isinstance(node, ast.Call) and (called := _called(node)) is not None:
                self.calls.setdefault(called, []).append(node)
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
                todo.append(child)
        self.functions = {
            n.name: n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        }

    def _scopes(self, node: ast.AST) -> list[ast.AST]:
        scopes: list[ast.AST] = []
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Module):
                scopes.append(node)
        return scopes

    def keys(self, node: ast.expr, depth: int = 0) -> set[str] | None:
        """Each key as a literal, or a regex source prefixed with ``~``; None: unknown."""
        if depth > 6:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.JoinedStr):
            parts = [
                re.escape(str(v.value)) if isinstance(v, ast.Constant) else ".+"
                for v in node.values
            ]
            return {"~" + "".join(parts)}
        if isinstance(node, ast.IfExp):
            return _union(self.keys(node.body, depth + 1), self.keys(node.orelse, depth + 1))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.keys(node.left, depth + 1), self.keys(node.right, depth + 1)
            if left is None or right is None:
                return None
            return {_join(a, b) for a in left for b in right}
        if isinstance(node, ast.Subscript):
            return self._dict_values(node.value, depth)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            fn = self.functions.get(node.func.id)
            if fn is None:
                return None
            found: set[str] | None = set()
            for ret in ast.walk(fn):
                if isinstance(ret, ast.Return) and ret.value is not None:
                    found = _union(found, self.keys(ret.value, depth + 1))
            return found or None
        if isinstance(node, ast.Name):
            return self._name(node, depth)
        return None

    def _dict_values(self, node: ast.expr, depth: int) -> set[str] | None:
        table = self._table(node)
        if table is None:
            return None
        found: set[str] | None = set()
        for v in table.values:
            found = _union(found, self.keys(v, depth + 1))
        return found

    def _name(self, node: ast.Name, depth: int) -> set[str] | None:
        for scope in self._scopes(node):
            found: set[str] | None = set()
            seen = False
            if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
                params = self._parameter(scope, node.id, depth)
                if params is not False:
                    seen = True
                    found = _union(found, params if isinstance(params, set) else None)
            if isinstance(scope, ast.Module):
                assigned = [v for stmt in scope.body if (v := _assigned(stmt, node.id))]
            else:
                # Inside a function, the value a name has where it is used: the last
                # assignment before that line (a name reused for another key later on
                # must not mix in).
                before = [
                    (v.lineno, v)
                    for stmt in ast.walk(scope)
                    if (v := _assigned(stmt, node.id)) is not None and v.lineno <= node.lineno
                ]
                assigned = [max(before, key=lambda pair: pair[0])[1]] if before else []
            for value in assigned:
                seen = True
                found = _union(found, self.keys(value, depth + 1))
            loops = [] if isinstance(scope, ast.Module) else ast.walk(scope)
            for stmt in loops:
                if isinstance(stmt, ast.For | ast.comprehension) and _binds(stmt.target, node.id):
                    seen = True
                    found = _union(found, self._loop_values(stmt, node.id, depth))
            if seen:
                return found
        return None

    def _parameter(
        self, fn: ast.FunctionDef | ast.AsyncFunctionDef, name: str, depth: int
    ) -> set[str] | bool | None:
        """A parameter's keys: its default, and what each call in this module passes.
        False: ``name`` is not a parameter of ``fn``."""
        args = fn.args
        positional = [a.arg for a in (*args.posonlyargs, *args.args)]
        kwonly = [a.arg for a in args.kwonlyargs]
        if name not in positional and name not in kwonly:
            return False
        defaults: dict[str, ast.expr] = {}
        if args.defaults:
            defaults |= dict(zip(positional[-len(args.defaults) :], args.defaults, strict=True))
        defaults |= {a: d for a, d in zip(kwonly, args.kw_defaults, strict=True) if d is not None}
        found: set[str] | None = set()
        if name in defaults:
            found = self.keys(defaults[name], depth + 1)
        index = positional.index(name) if name in positional else None
        for module, call in self._calls_to(fn.name):
            passed = next((k.value for k in call.keywords if k.arg == name), None)
            if passed is None and index is not None and index < len(call.args):
                passed = call.args[index]
            if passed is not None:
                found = _union(found, module.keys(passed, depth + 1))
            elif name not in defaults:
                return None
        return found or None

    def _calls_to(self, name: str) -> Iterator[tuple[_Module, ast.Call]]:
        for module in self.every:
            for call in module.calls.get(name, ()):
                yield module, call

    def _loop_values(
        self, loop: ast.For | ast.comprehension, name: str, depth: int
    ) -> set[str] | None:
        """``for name, (key, _) in TABLE.items()``: the keys out of the dict's entries;
        ``for key in (a, b)``: each."""
        it = loop.iter
        elements: list[ast.expr] = []
        if (
            isinstance(it, ast.Call)
            and isinstance(it.func, ast.Attribute)
            and it.func.attr == "items"
        ):
            table = self._table(it.func.value)
            if table is None:
                return None
            elements = [
                ast.Tuple([k, v])
                for k, v in zip(table.keys, table.values, strict=True)
                if k is not None
            ]
        elif isinstance(it, ast.Tuple | ast.List | ast.Set):
            elements = list(it.elts)
        else:
            return None
        found: set[str] | None = set()
        for element in elements:
            part = _destructure(loop.target, element, name)
            found = _union(found, None if part is None else self.keys(part, depth + 1))
        return found

    def _table(self, node: ast.expr) -> ast.Dict | None:
        if not isinstance(node, ast.Name):
            return None
        for stmt in self.tree.body:
            value = _assigned(stmt, node.id)
            if isinstance(value, ast.Dict):
                return value
        return None


def _called(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _destructure(target: ast.expr, value: ast.expr, name: str) -> ast.expr | None:
    """The part of ``value`` that ``name`` is bound to by ``target = value``."""
    if isinstance(target, ast.Name):
        return value if target.id == name else None
    if (
        isinstance(target, ast.Tuple)
        and isinstance(value, ast.Tuple)
        and len(target.elts) == len(value.elts)
    ):
        for t, v in zip(target.elts, value.elts, strict=True):
            if _binds(t, name):
                return _destructure(t, v, name)
    return None


def _binds(target: ast.expr, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(target))


def _assigned(stmt: ast.AST, name: str) -> ast.expr | None:
    if isinstance(stmt, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == name for t in stmt.targets
    ):
        return stmt.value
    if (
        isinstance(stmt, ast.AnnAssign)
        and isinstance(stmt.target, ast.Name)
        and stmt.target.id == name
    ):
        return stmt.value
    return None


def _union(a: set[str] | None, b: set[str] | None) -> set[str] | None:
    return None if a is None or b is None else a | b


def _join(a: str, b: str) -> str:
    if not a.startswith("~") and not b.startswith("~"):
        return a + b
    return (
        "~"
        + (a[1:] if a.startswith("~") else re.escape(a))
        + (b[1:] if b.startswith("~") else re.escape(b))
    )


def _is_wording_call(node: ast.AST) -> bool:
    """``ctx.text(...)``, ``self.ctx.text(...)`` or ``UserFacingError.about(...)``."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args):
        return False
    receiver = ast.unparse(node.func.value)
    if node.func.attr == "text":
        return receiver == "ctx" or receiver.endswith(".ctx")
    return node.func.attr == "about" and receiver == "UserFacingError"


@functools.cache
def scan() -> Scan:
    """What the code asks for: read once per version of the code, not at every start.

    Reading the code is a third to half a second of CPU, so what it found is kept by the
    sha256 of the code it read: in the data folder's content cache, and beside the code's
    compiled files (``bot.content.prepared``: ``python -m bot prepare`` at install). A kept
    scan is only ever used for the very bytes it was read from; one that cannot be read is
    read again from the code."""
    return prepared.recalled("scan.wording", code_digest(), _parsed, read_code, _dumped)


def prepare() -> Path | None:
    """Read the code now and keep what it asks for beside its compiled files (at install),
    so no start has to; where it was kept (None: this Python keeps no compiled files)."""
    blob = kept.sealed(_dumped(read_code()))
    return prepared.keep("scan.wording", code_digest(), blob)


def _dumped(found: Scan) -> bytes:
    uses = [
        [u.key, u.pattern is not None, None if u.given is None else sorted(u.given), u.where]
        for u in found.uses
    ]
    return json.dumps({"uses": uses, "unread": list(found.unread)}).encode()


def _parsed(blob: bytes | None) -> Scan | None:
    """A kept scan, or None if it is not one (none, changed, or from other code)."""
    if blob is None:
        return None
    try:
        data = json.loads(blob)
        uses = tuple(
            Use(
                key,
                re.compile(key) if pattern else None,
                None if given is None else frozenset(given),
                where,
            )
            for key, pattern, given, where in data["uses"]
        )
        return Scan(uses, tuple(data["unread"]))
    except (ValueError, TypeError, KeyError, re.error) as exc:
        log.debug("wording: a kept scan cannot be read (%s); reading the code", exc)
        return None


@functools.cache
def code_digest() -> str:
    """The sha256 of the code that is read for keys (every file, by path and bytes)."""
    seen = hashlib.sha256()
    for path in _sources():
        seen.update(f"{path}\0".encode())
        seen.update(path.read_bytes())
    return seen.hexdigest()


def read_code() -> Scan:
    """Read the code for every key it asks for (``scan`` keeps what this finds)."""
    uses: list[Use] = []
    unread: list[str] = []
    every: list[_Module] = []
    read: list[tuple[Path, _Module]] = []
    for path in _sources():
        source = path.read_text("utf-8")
        if ".text(" not in source and ".about(" not in source:
            continue
        module = _Module(ast.parse(source, str(path)), every)
        every.append(module)
        read.append((path, module))
    for path, module in read:
        found = [*module.calls.get("text", ()), *module.calls.get("about", ())]
        for node in sorted(found, key=lambda n: (n.lineno, n.col_offset)):
            if not _is_wording_call(node):
                continue
            where = f"{path.parent.name}/{path.name}:{node.lineno}"
            keys = module.keys(node.args[0])
            if not keys:
                unread.append(where)
                continue
            given = (
                None
                if any(k.arg is None for k in node.keywords)
                else frozenset(k.arg for k in node.keywords if k.arg)
            )
            for key in sorted(keys):
                if key.startswith("~"):
                    uses.append(Use(key[1:], re.compile(key[1:]), given, where))
                elif KEY.fullmatch(key):
                    uses.append(Use(key, None, given, where))
                else:
                    unread.append(where)
    return Scan(tuple(uses), tuple(unread))


def check(texts: dict[str, str], lines: dict[str, int]) -> list[Problem]:
    """Every key the code uses exists, and each text uses only the placeholders the code
    fills for it. ``lines`` gives the line of each key in its file, for the message.

    Reading the code is most of a warm start's content load, so a pass is kept in the
    content cache (``bot.content.cache``) by the exact code and wording it was for; any
    change to either checks again in full."""
    digest = _digest(texts)
    if kept.read("wording", digest) == _PASSED:
        return []
    problems = _check(texts, lines)
    if not problems:
        kept.write("wording", digest, _PASSED)
    return problems


_PASSED = b"every key the code uses is there, with the placeholders it fills"


def _digest(texts: dict[str, str]) -> str:
    """The sha256 of the code that is read for keys and of every text, in a stable order."""
    seen = hashlib.sha256(code_digest().encode())
    for key in sorted(texts):
        seen.update(f"\0{key}\0{texts[key]}".encode())
    return seen.hexdigest()


def _check(texts: dict[str, str], lines: dict[str, int]) -> list[Problem]:
    problems: list[Problem] = []
    reported: set[tuple[str, str]] = set()
    in_file: dict[str, list[str]] = {}  # the keys of each wording file, in the same order
    for key in texts:
        in_file.setdefault(key.split(".", 1)[0], []).append(key)
    for use in scan().uses:
        stem = use.key.split(".", 1)[0].replace("\\", "")
        shown = f"texts/{stem}.yaml"
        if use.pattern is None:  # one exact key: looked up, not compared with every text
            found = [use.key] if use.key in texts else []
        else:  # compared only with its own file's texts when the pattern names its file
            named = _NAMED_FILE.match(use.key)
            among = in_file.get(named.group(1), []) if named else texts
            found = list(filter(use.pattern.fullmatch, among))
        if not found:
            if ("missing", use.key) not in reported:
                reported.add(("missing", use.key))
                name = (
                    use.key.split(".", 1)[1]
                    if use.pattern is None
                    else "a text like "
                    + (use.key.split(".", 1)[1].replace("\\", "").replace(".+", "…"))
                )
                problems.append(
                    Problem(
                        shown,
                        f"the text '{name}' is missing; the bot needs it (was it renamed?)",
                    )
                )
            continue
        if use.given is None:
            continue
        for key in found:
            extra = sorted(placeholders(texts[key]) - use.given)
            if extra and ("placeholder", key) not in reported:
                reported.add(("placeholder", key))
                fills = ", ".join("{" + g + "}" for g in sorted(use.given)) or "none"
                unknown = ", ".join("{" + e + "}" for e in extra)
                problems.append(
                    Problem(
                        f"texts/{key.split('.', 1)[0]}.yaml",
                        f"{unknown} is not filled in by the bot here; it fills: {fills}",
                        lines.get(key),
                        key.split(".", 1)[1],
                    )
                )
    return problems
