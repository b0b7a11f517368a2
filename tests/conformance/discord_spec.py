"""Checks a Discord REST request against Discord's OpenAPI 3.1 specification (``tests/specs``).

A request's path is matched to the spec's path templates (literal segments such as ``@me``
before ``{parameters}``), then checked: the HTTP method exists there, path and query parameters
have the spec's types and the required ones are present, and the JSON body (or a multipart
request's ``payload_json``) validates against the operation's request body schema. OpenAPI 3.1
schemas are JSON Schema 2020-12, so ``jsonschema`` validates them as they are, resolving
``$ref`` into the one loaded document; validators are made once per operation.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC = Path(__file__).resolve().parent.parent / "specs" / "discord_openapi.json"
_ROOT = "urn:discord-openapi"
_PERMISSION_FIELDS = {"allow", "deny", "permissions"}
_DECIMAL = {"type": "string", "pattern": "^[0-9]+$"}
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}  # as Discord reads a query


@dataclass(frozen=True)
class _Route:
    template: str
    pattern: re.Pattern[str]
    names: tuple[str, ...]


@cache
def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(SPEC.read_text(encoding="utf-8"))
    # Discord reads a snowflake sent as a JSON integer too (discord.py sends attachment ids
    # that way); the spec only describes the string form it returns.
    schemas = spec["components"]["schemas"]
    schemas["SnowflakeType"] = {"anyOf": [schemas["SnowflakeType"], {"type": "integer"}]}
    # Permission bit sets are sent as decimal strings, as Discord's permissions page says
    # (they outgrow 53 bits); the spec types them as integers only.
    _accept_decimal_permissions(spec)
    return spec


def _accept_decimal_permissions(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _accept_decimal_permissions(item)
        return
    if not isinstance(node, dict):
        return
    properties = node.get("properties")
    if isinstance(properties, dict):
        for name, prop in properties.items():
            if name in _PERMISSION_FIELDS and "integer" in prop.get("type", ()):
                properties[name] = {"anyOf": [prop, _DECIMAL]}
    for value in node.values():
        _accept_decimal_permissions(value)


@cache
def _registry() -> Registry[Any]:
    resource = Resource.from_contents(_spec(), default_specification=DRAFT202012)
    return Registry().with_resource(_ROOT, resource)


@cache
def _routes() -> list[_Route]:
    routes = []
    for template in _spec()["paths"]:
        names = tuple(re.findall(r"{(\w+)}", template))
        regex = re.sub(r"\\{\w+\\}", "([^/]+)", re.escape(template))
        routes.append(_Route(template, re.compile(regex), names))
    return sorted(routes, key=lambda r: (len(r.names), r.template))  # literals win


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


@cache
def _validator(*parts: str) -> Draft202012Validator:
    """A validator for the schema at this place in the document, made once."""
    return Draft202012Validator({"$ref": f"{_ROOT}#/{_pointer(*parts)}"}, registry=_registry())


def _parameters(template: str, method: str) -> list[dict[str, Any]]:
    item = _spec()["paths"][template]
    found = list(item.get("parameters", [])) + list(item[method].get("parameters", []))
    return [_resolve(p) for p in found]


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return node
    target: Any = _spec()
    for part in ref.removeprefix("#/").split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    return dict(target)


def _anchored(node: Any) -> Any:
    """The schema with its document-local ``$ref``s pointing into the loaded document."""
    if isinstance(node, list):
        return [_anchored(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {
        k: f"{_ROOT}{v}" if k == "$ref" and str(v).startswith("#") else _anchored(v)
        for k, v in node.items()
    }


@cache
def _value_validator(schema_json: str) -> Draft202012Validator:
    return Draft202012Validator(_anchored(json.loads(schema_json)), registry=_registry())


def _value_errors(schema: dict[str, Any], raw: str) -> list[str]:
    """A path or query value is text; a number or boolean is read from it."""
    validator = _value_validator(json.dumps(schema, sort_keys=True))
    candidates: list[Any] = [raw]
    if raw.lower() in _BOOLEANS:
        candidates.append(_BOOLEANS[raw.lower()])
    with contextlib.suppress(ValueError):
        candidates.append(json.loads(raw))
    if any(validator.is_valid(c) for c in candidates):
        return []
    return [next(iter(validator.iter_errors(raw))).message]


def check_request(method: str, path: str, query: Mapping[str, str], body: Any) -> list[str]:
    """What is wrong with this request (empty: nothing); ``path`` is after ``/api/v10``."""
    verb = method.lower()
    for route in _routes():
        match = route.pattern.fullmatch(path)
        if match is not None:
            break
    else:
        return [f"{method} {path}: no such path in the spec"]
    where = f"{method} {route.template}"
    operation = _spec()["paths"][route.template].get(verb)
    if operation is None:
        return [f"{where}: no such method on this path"]
    problems: list[str] = []
    values = {"path": dict(zip(route.names, match.groups(), strict=True)), "query": dict(query)}
    declared: dict[str, set[str]] = {"path": set(), "query": set()}
    for parameter in _parameters(route.template, verb):
        place, name = parameter["in"], parameter["name"]
        declared.setdefault(place, set()).add(name)
        given = values.get(place, {}).get(name)
        if given is None:
            if parameter.get("required"):
                problems.append(f"{where}: missing required {place} parameter {name}")
            continue
        for message in _value_errors(parameter.get("schema", {}), given):
            problems.append(f"{where}: {place} parameter {name}={given!r}: {message}")
    for name in sorted(set(query) - declared["query"]):
        problems.append(f"{where}: unknown query parameter {name}")
    problems += _body_problems(where, route.template, verb, operation, body)
    return problems


def _body_problems(
    where: str, template: str, verb: str, operation: dict[str, Any], body: Any
) -> list[str]:
    request_body = operation.get("requestBody")
    if request_body is None:
        return [] if body is None else [f"{where}: takes no body"]
    if body is None:
        return [f"{where}: missing required body"] if request_body.get("required") else []
    content = request_body["content"]
    kind = "application/json" if "application/json" in content else next(iter(content))
    validator = _validator("paths", template, verb, "requestBody", "content", kind, "schema")
    error = best_match(validator.iter_errors(body))
    if error is None:
        return []
    while error.context:  # a union: name the deepest reason, not "valid under none"
        error = max(error.context, key=lambda e: len(e.absolute_path))
    at = "/".join(str(p) for p in error.absolute_path) or "(body)"
    return [f"{where}: body {at}: {_shortened(error.message)}"]


def _shortened(message: str) -> str:
    """jsonschema's message starts with the whole value; keep its start and the verdict."""
    return message if len(message) <= 300 else f"{message[:120]} ... {message[-180:]}"
