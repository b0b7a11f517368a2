"""Checks a Bot API request against the Telegram Bot API specification (``tests/specs``).

The specification lists each method's parameters with their types ("Integer", "String",
"Array of InlineKeyboardButton", a type name...) and whether they are required. From it this
builds one JSON Schema per method, once, and checks each request as the server receives it:
form values are strings (python-telegram-bot JSON-encodes everything that is not a string), so a
value is read as the spec's type says: a string stays a string, anything else is JSON.

A type with subtypes (``BotCommandScope``, ``ChatMember``...) is any one of them; a subtype's
``type`` field is pinned to the value its description names ("must be *default*"), as the
server tells them apart by it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

SPEC = Path(__file__).resolve().parent.parent / "specs" / "telegram_api.json"

_SCALARS: dict[str, dict[str, Any]] = {
    "String": {"type": "string"},
    "Integer": {"type": "integer"},
    "Float": {"type": "number"},
    "Boolean": {"type": "boolean"},
    "InputFile": {"type": "string"},  # an attach:// reference, a file_id or a URL
}
_MUST_BE = re.compile(r"must be (?:always )?[\"“]?([a-z_]+)[\"”]?", re.IGNORECASE)


def _type_schema(name: str) -> dict[str, Any]:
    if name.startswith("Array of "):
        return {"type": "array", "items": _type_schema(name.removeprefix("Array of "))}
    if name in _SCALARS:
        return _SCALARS[name]
    return {"$ref": f"#/$defs/{name}"}


def _one_of(types: list[str]) -> dict[str, Any]:
    schemas = [_type_schema(t) for t in types]
    return schemas[0] if len(schemas) == 1 else {"anyOf": schemas}


def _object(fields: list[dict[str, Any]]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for f in fields:
        schema = _one_of(f["types"])
        if f["name"] == "type" and f["types"] == ["String"]:
            pinned = _MUST_BE.search(" ".join(f.get("description", "").split()))
            if pinned:
                schema = {"const": pinned.group(1)}
        properties[f["name"]] = schema
    return {
        "type": "object",
        "properties": properties,
        "required": [f["name"] for f in fields if f["required"]],
        "additionalProperties": False,
    }


@cache
def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(SPEC.read_text(encoding="utf-8"))
    return spec


@cache
def _definitions() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    for name, t in _spec()["types"].items():
        if t.get("subtypes"):
            defs[name] = {"anyOf": [{"$ref": f"#/$defs/{s}"} for s in t["subtypes"]]}
        else:
            defs[name] = _object(t.get("fields", []))
    return defs


@cache
def _methods() -> dict[str, dict[str, Any]]:
    return {name.lower(): m for name, m in _spec()["methods"].items()}


@cache
def _field_validator(method: str, field: str) -> Draft202012Validator:
    """One validator per (method, parameter), built the first time it is needed."""
    types = next(f["types"] for f in _methods()[method].get("fields", []) if f["name"] == field)
    schema = {"$defs": _definitions(), **_one_of(types)}
    return Draft202012Validator(schema)


def check_request(
    method: str, params: Mapping[str, Any], files: frozenset[str], *, form: bool
) -> list[str]:
    """What is wrong with this request (empty: nothing). ``form``: values arrived as form
    strings (python-telegram-bot's way) rather than a JSON body."""
    spec = _methods().get(method.lower())
    if spec is None:
        return [f"unknown method {method}"]
    fields = {f["name"]: f for f in spec.get("fields", [])}
    problems = [
        f"{method}: missing required parameter {name}"
        for name, f in fields.items()
        if f["required"] and name not in params and name not in files
    ]
    for name in sorted(files):
        if name in fields and "InputFile" not in " ".join(fields[name]["types"]):
            wanted = fields[name]["types"]
            problems.append(f"{method}: {name} is a file, but the spec wants {wanted}")
    for name, raw in params.items():
        if name not in fields:
            if not _is_attachment(name, params):
                problems.append(f"{method}: unknown parameter {name}")
            continue
        value, unreadable = _read(raw, fields[name]["types"], form)
        if unreadable:
            problems.append(f"{method}: {name}={raw!r} is not {' or '.join(fields[name]['types'])}")
            continue
        error = best_match(_field_validator(method.lower(), name).iter_errors(value))
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path)
            problems.append(f"{method}: {name}{'/' + where if where else ''}: {error.message}")
    return problems


def _is_attachment(name: str, params: Mapping[str, Any]) -> bool:
    """A file uploaded under a name the request points at with attach://name."""
    return any(isinstance(v, str) and f"attach://{name}" in v for v in params.values())


def _read(raw: Any, types: list[str], form: bool) -> tuple[Any, bool]:
    """The value as the server reads it for these types; (value, True) if it can't be read."""
    if not form or not isinstance(raw, str):
        return raw, False
    if any(t in ("String", "InputFile") for t in types):
        return raw, False
    try:
        return json.loads(raw), False
    except ValueError:
        return raw, True
