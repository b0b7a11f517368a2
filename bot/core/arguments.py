"""Reading a command's arguments: typed options from Discord, or the text after the command
on Telegram and the console, checked and typed the same way for both.

Mistakes are answered from ``content/texts/core.yaml`` (``UserFacingError.about``), naming the
option and showing the command's usage.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from datetime import time

from bot.core import dates, markup
from bot.core.commands import Command, Option, OptionType
from bot.core.errors import UserFacingError
from bot.core.model import AccountRef, PersonRef

#: The largest whole number the database can hold (SQLite's INTEGER is 64-bit signed): a
#: bigger one can be no member, day count or id, and must not reach a query.
INTEGER_MAX = 2**63 - 1

_TRUE = {"yes", "on", "true", "1"}
_FALSE = {"no", "off", "false", "0"}


def convert(opt: Option, value: object) -> object:
    """Turn a raw or typed value into the option's type; raises UserFacingError."""
    if opt.type is OptionType.BOOLEAN:
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in _TRUE or word == opt.name:
            return True
        if word in _FALSE:
            return False
        raise UserFacingError.about("core.arg_yes_no", name=opt.name)
    if opt.type is OptionType.INTEGER:
        try:
            number = int(str(value).strip().lstrip("#"))
        except ValueError:
            raise UserFacingError.about("core.arg_number", name=opt.name) from None
        if not -INTEGER_MAX <= number <= INTEGER_MAX:
            raise UserFacingError.about("core.arg_number_too_big", name=opt.name)
        return number
    if opt.type is OptionType.TIME:
        return parse_time(str(value), opt.name)
    if opt.type is OptionType.PERSON:
        return parse_person(value, opt.name)
    text = str(value).strip()
    if opt.choices:
        lowered = text.lower()
        if lowered not in opt.choices:
            raise UserFacingError.about(
                "core.arg_choices", name=opt.name, choices=dates.spoken_list(opt.choices, "or")
            )
        return lowered
    return text


def parse_person(value: object, name: str = "person") -> PersonRef:
    """An account an adapter resolved, ``#12`` or ``12`` (a member number), or
    ``telegram:12345`` (an account id, for stewards who have one)."""
    if isinstance(value, PersonRef):
        return value
    if isinstance(value, AccountRef):
        return PersonRef(account=value)
    text = str(value).strip().lstrip("#")
    if text.isdigit() and int(text) > INTEGER_MAX:
        raise UserFacingError.about("core.arg_no_such_member", name=name)
    if text.isdigit() and int(text) > 0:
        return PersonRef(number=int(text))
    if ":" in text:
        try:
            return PersonRef(account=AccountRef.parse(text))
        except ValueError:
            pass
    raise UserFacingError.about("core.arg_person", name=name)


_TIME = re.compile(r"^(\d{1,2})(?::?(\d{2}))?\s*(am|pm)?$", re.IGNORECASE)


def parse_time(text: str, name: str = "time") -> time:
    """Read 7, 07:00, 7am or 19:30 as a time of day."""
    m = _TIME.match(text.strip().replace(".", ":"))
    if m:
        hour, minute = int(m.group(1)), int(m.group(2) or 0)
        half = (m.group(3) or "").lower()
        if half and 1 <= hour <= 12:
            hour = hour % 12 + (12 if half == "pm" else 0)
        if 0 <= hour <= 23 and 0 <= minute <= 59 and (not half or 1 <= int(m.group(1)) <= 12):
            return time(hour, minute)
    raise UserFacingError.about("core.arg_time", name=name)


def resolve(cmd: Command, raw: str | None, subcommand: str | None) -> tuple[Command, str | None]:
    """Pick the subcommand to run: named explicitly (Discord) or by the first word of text."""
    if not cmd.subcommands:
        return cmd, raw
    if subcommand is not None:
        sub = cmd.sub(subcommand)
        if sub is None:
            raise UserFacingError.about(
                "core.arg_no_subcommand", command=cmd.name, sub=markup.quote(subcommand)
            )
        return sub, raw
    first, _, rest = (raw or "").strip().partition(" ")
    sub = cmd.sub(first.lower())
    if sub is not None:
        return sub, rest
    if cmd.default is not None:
        default = cmd.sub(cmd.default)
        assert default is not None
        return default, raw
    names = " | ".join(s.name for s in cmd.subcommands)
    raise UserFacingError.about("core.arg_pick_subcommand", command=cmd.name, names=names)


def parse_text(
    cmd: Command, raw: str, given: Mapping[str, object] | None = None, usage: str = ""
) -> dict[str, object]:
    """Parse the text after a command: ``name:value`` pairs, bare words naming boolean options,
    then positional values in declared order; a greedy option takes what is left. ``given``
    holds values the platform supplied outside the text (a person replied to)."""
    try:
        words = shlex.split(raw)
    except ValueError:
        words = raw.split()
    values: dict[str, object] = dict(given or {})
    by_name = {o.name: o for o in cmd.options}
    positional: list[str] = []
    for word in words:
        key, sep, val = word.partition(":")
        opt = by_name.get(key.lower())
        if sep and opt is not None and val:
            values[opt.name] = convert(opt, val)
        elif not sep and opt is not None and opt.type is OptionType.BOOLEAN and not opt.keyword:
            values[opt.name] = True
        else:
            positional.append(word)
    free = [
        o
        for o in cmd.options
        if o.name not in values and not o.keyword and o.type is not OptionType.BOOLEAN
    ]
    for opt in free:
        if not positional:
            break
        if opt.greedy:
            values[opt.name] = convert(opt, " ".join(positional))
            positional = []
        else:
            values[opt.name] = convert(opt, positional.pop(0))
    if positional:
        raise UserFacingError.about(
            "core.arg_leftover",
            words=markup.quote(" ".join(positional)),
            usage=markup.escape(usage or cmd.usage()),
        )
    return values


def bind(
    cmd: Command,
    raw: str | None,
    typed: Mapping[str, object] | None,
    mentioned: Sequence[AccountRef] = (),
    parent: Command | None = None,
) -> dict[str, object]:
    """Validate and type a command's arguments from either source; names missing required ones.
    Accounts ``mentioned`` natively fill the command's PERSON options, in order. ``parent`` is
    the command a subcommand belongs to, so hints read ``/settings timezone <zone>``."""
    usage = cmd.usage(prefix=f"/{parent.name} " if parent is not None else "/")
    if typed is not None:
        values = {}
        by_name = {o.name: o for o in cmd.options}
        for key, val in typed.items():
            if key in by_name and val is not None:
                values[key] = convert(by_name[key], val)
    else:
        people = [o for o in cmd.options if o.type is OptionType.PERSON]
        given = {o.name: PersonRef(account=a) for o, a in zip(people, mentioned, strict=False)}
        values = parse_text(cmd, raw or "", given, usage)
    missing = [o.name for o in cmd.options if o.required and o.name not in values]
    if missing:
        raise UserFacingError.about(
            "core.arg_missing", names=dates.spoken_list(missing), usage=markup.escape(usage)
        )
    return values
