"""What Discord refuses in a request body, with the answer it gives.

Form errors are 400 with code 50035 "Invalid Form Body" and an ``errors`` tree that mirrors the
body: every bad field holds ``{"_errors": [{"code": ..., "message": ...}]}``, list items are
keyed by their index as a string (discord-api-docs, reference: Error Messages). discord.py
flattens that tree into its exception text ("In content: Must be 2000 or fewer in length.").

Checked here: message content (2,000 characters), an empty message (50006), components (5
action rows, 5 buttons a row, labels up to 80 and custom ids up to 100 characters), and
application commands at sync (name pattern and lowercase, descriptions 1-100, at most 25
options and choices, choice names 1-100, required options before optional ones,
``default_member_permissions`` a permission bit set or null).
"""

from __future__ import annotations

from typing import Any

import regex
from aiohttp import web

from tests.fakes.discord_http import error
from tests.fakes.discord_model import JSON, json_response

MAX_CONTENT = 2000
MAX_ROWS = 5
MAX_ROW_BUTTONS = 5
MAX_LABEL = 80
MAX_CUSTOM_ID = 100
MAX_OPTIONS = 25
COMMAND_NAME = regex.compile(r"^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$")
ACTION_ROW = 1
SUBCOMMAND, GROUP = 1, 2

Tree = dict[str, Any]


def _leaf(code: str, message: str) -> Tree:
    return {"_errors": [{"code": code, "message": message}]}


def _max_length(limit: int) -> Tree:
    return _leaf("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _bad_length(low: int, high: int) -> Tree:
    return _leaf("BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")


def invalid_form_body(errors: Tree) -> web.Response:
    body = {"message": "Invalid Form Body", "code": 50035, "errors": errors}
    return json_response(body, status=400)


def empty_message() -> web.Response:
    return error(400, 50006, "Cannot send an empty message")


# -- messages -------------------------------------------------------------------------------


def components_errors(rows: list[JSON]) -> Tree:
    """Errors in a message's ``components`` (action rows of buttons)."""
    if len(rows) > MAX_ROWS:
        return _max_length(MAX_ROWS)
    errors: Tree = {}
    for r, row in enumerate(rows):
        inner = row.get("components") or []
        if row.get("type") != ACTION_ROW:
            continue
        if len(inner) > MAX_ROW_BUTTONS:
            errors[str(r)] = {"components": _max_length(MAX_ROW_BUTTONS)}
            continue
        row_errors: Tree = {}
        for b, button in enumerate(inner):
            found: Tree = {}
            if len(str(button.get("label") or "")) > MAX_LABEL:
                found["label"] = _max_length(MAX_LABEL)
            if len(str(button.get("custom_id") or "")) > MAX_CUSTOM_ID:
                found["custom_id"] = _max_length(MAX_CUSTOM_ID)
            if found:
                row_errors[str(b)] = found
        if row_errors:
            errors[str(r)] = {"components": row_errors}
    return errors


def message_errors(data: JSON) -> Tree:
    errors: Tree = {}
    content = data.get("content")
    if isinstance(content, str) and len(content) > MAX_CONTENT:
        errors["content"] = _max_length(MAX_CONTENT)
    found = components_errors(list(data.get("components") or []))
    if found:
        errors["components"] = found
    return errors


MAX_NONCE = 25
INT64 = 1 << 63


def _nonce_errors(nonce: object) -> Tree | None:
    """Create Message's ``nonce``: an int64 or a string of up to 25 characters."""
    if nonce is None:
        return None
    if isinstance(nonce, bool) or not isinstance(nonce, int | str):
        return _leaf("BASE_TYPE_REQUIRED", "This field is required")
    if isinstance(nonce, str) and len(nonce) > MAX_NONCE:
        return _max_length(MAX_NONCE)
    if isinstance(nonce, int) and not -INT64 <= nonce < INT64:
        return _leaf("NUMBER_TYPE_MAX", f"int value should be less than or equal to {INT64 - 1}.")
    return None


def is_empty(data: JSON, files: list[str]) -> bool:
    """Nothing a person could see: no text, files, attachments, components, embeds, stickers
    or poll."""
    shown = ("content", "components", "embeds", "sticker_ids", "poll", "attachments")
    return not files and not any(data.get(k) for k in shown)


def refuse_message(data: JSON, files: list[str], *, new: bool = True) -> web.Response | None:
    """Discord's refusal of a message body, or None. An edit need not repeat every field, but
    one that leaves nothing to see is refused like an empty new message."""
    errors = message_errors(data)
    nonce = _nonce_errors(data.get("nonce")) if new else None
    if nonce is not None:
        errors["nonce"] = nonce
    if errors:
        return invalid_form_body(errors)
    if new and is_empty(data, files):
        return empty_message()
    if not new and "content" in data and is_empty(data, files):
        return empty_message()
    return None


def refuse_callback(data: JSON, files: list[str], kind: int) -> web.Response | None:
    """An interaction response: its message sits under ``data``."""
    if kind not in (4, 7):
        return None
    errors = message_errors(data)
    if errors:
        return invalid_form_body({"data": errors})
    if kind == 4 and is_empty(data, files):
        return empty_message()
    return None


def refuse_webhook_reply(data: JSON) -> web.Response | None:
    """Webhook execution has no ``message_reference`` in Discord's schema: a webhook (an
    interaction's followup included) cannot reply to a message."""
    if data.get("message_reference"):
        message = "Webhooks cannot reply to messages."
        return invalid_form_body({"message_reference": _leaf("BASE_TYPE_INVALID", message)})
    return None


# -- application commands -----------------------------------------------------------------


def _name_errors(name: object) -> Tree | None:
    text = str(name or "")
    if not COMMAND_NAME.match(text) or text != text.lower():
        return _leaf("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    return None


def _description_errors(description: object) -> Tree | None:
    if not 1 <= len(str(description or "")) <= 100:
        return _bad_length(1, 100)
    return None


def _options_errors(options: list[JSON]) -> Tree:
    if len(options) > MAX_OPTIONS:
        return _max_length(MAX_OPTIONS)
    errors: Tree = {}
    optional_seen = False
    for n, option in enumerate(options):
        found: Tree = {}
        for key, check in (("name", _name_errors), ("description", _description_errors)):
            bad = check(option.get(key))
            if bad is not None:
                found[key] = bad
        choices = list(option.get("choices") or [])
        if len(choices) > MAX_OPTIONS:
            found["choices"] = _max_length(MAX_OPTIONS)
        bad_choices = {
            str(c): {"name": _bad_length(1, 100)}
            for c, choice in enumerate(choices)
            if not 1 <= len(str(choice.get("name") or "")) <= 100
        }
        if bad_choices and "choices" not in found:
            found["choices"] = bad_choices
        inner = _options_errors(list(option.get("options") or []))
        if inner:
            found["options"] = inner
        if option.get("type") not in (SUBCOMMAND, GROUP):
            if option.get("required") and optional_seen:
                found.setdefault("_errors", []).append(
                    {
                        "code": "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "message": "Required options must be placed before non-required options",
                    }
                )
            optional_seen = optional_seen or not option.get("required")
        if found:
            errors[str(n)] = found
    return errors


def commands_errors(commands: list[JSON]) -> Tree:
    """Errors in a bulk overwrite of application commands, keyed by each command's index."""
    errors: Tree = {}
    for n, command in enumerate(commands):
        found: Tree = {}
        bad = _name_errors(command.get("name"))
        if bad is not None:
            found["name"] = bad
        if int(command.get("type", 1)) == 1:  # chat input commands have descriptions
            bad = _description_errors(command.get("description"))
            if bad is not None:
                found["description"] = bad
        options = _options_errors(list(command.get("options") or []))
        if options:
            found["options"] = options
        bad = _permissions_errors(command.get("default_member_permissions"))
        if bad is not None:
            found["default_member_permissions"] = bad
        if found:
            errors[str(n)] = found
    return errors


MAX_PERMISSIONS = 18014398509481983  # every permission bit Discord knows (the spec's maximum)


def _permissions_errors(value: object) -> Tree | None:
    """``default_member_permissions``: null, or a permission bit set (Discord sends and takes
    it as a string of digits; an integer is accepted too)."""
    if value is None:
        return None
    text = str(value)
    if isinstance(value, bool) or not text.isdigit():
        return _leaf("NUMBER_TYPE_COERCE", f'Value "{text}" is not int.')
    if int(text) > MAX_PERMISSIONS:
        return _leaf(
            "NUMBER_TYPE_MAX", f"int value should be less than or equal to {MAX_PERMISSIONS}."
        )
    return None


def refuse_commands(commands: list[JSON]) -> web.Response | None:
    errors = commands_errors(commands)
    return invalid_form_body(errors) if errors else None
