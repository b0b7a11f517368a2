"""Slash commands built from the registry, so each command is declared once, in ``handlers/``.

discord.py reads a command's options from its callback's signature. Each command gets a
generated callback whose ``__signature__`` lists the declared options with their Python types
(STRING and TIME → str, INTEGER → int, BOOLEAN → bool, PERSON → a Discord user picker whose
choice is forwarded as an account; optional ones default to None), and the
documented decorators add descriptions, choices, autocomplete and renames. The callback only
forwards the typed values: checking access, place and values stays in dispatch.

Options with a fixed list of up to 25 ``choices`` are shown as Discord choices (Discord
refuses choices and autocomplete on one option); options with an ``autocomplete`` function,
or more choices than Discord can list, ask the dispatcher as the person types.
"""

from __future__ import annotations

import inspect
import keyword
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

import discord
from discord import app_commands

from bot.core.commands import Command, Option, OptionType, Registry, Scope
from bot.core.model import AccountRef, Platform

MAX_CHOICES = 25
MAX_DESCRIPTION = 100

Run = Callable[[discord.Interaction, str, "str | None", dict[str, object]], Awaitable[None]]
Suggest = Callable[[discord.Interaction, str, "str | None", str, str], Awaitable[list[str]]]
AnyCommand = app_commands.Command[Any, ..., Any] | app_commands.Group

_TYPES: dict[OptionType, type] = {
    OptionType.STRING: str,
    OptionType.INTEGER: int,
    OptionType.BOOLEAN: bool,
    OptionType.TIME: str,
    OptionType.PERSON: discord.User,
}
GUILD_INSTALL = app_commands.AppInstallationType(guild=True, user=False)
#: A PERSON option also gets ``<name>_number``: a Discord user picker lists only Discord
#: accounts, and a member on Telegram or the console is named by their member number. Both
#: are optional on Discord; dispatch names a required person that was not given.
NUMBER_SUFFIX = "_number"
NUMBER_DESCRIPTION = "Or their member number, e.g. 12 (for someone on another app)"
#: ``default_member_permissions`` of steward tools: Manage Server.
STEWARD_PERMISSIONS = discord.Permissions(manage_guild=True)


def build(registry: Registry, run: Run, suggest: Suggest) -> list[AnyCommand]:
    """One app command (or group of subcommands) per registered command."""
    built: list[AnyCommand] = []
    for cmd in registry.commands.values():
        if not cmd.subcommands:
            single = _command(cmd, cmd.name, None, run, suggest, contexts(cmd.scope))
            single.default_permissions = shown_to(cmd)
            built.append(single)
            continue
        scopes = {cmd.scope, *(s.scope for s in cmd.subcommands)}
        group = app_commands.Group(
            name=cmd.name,
            description=cmd.description,
            allowed_contexts=contexts(*scopes),
            allowed_installs=GUILD_INSTALL,
            default_permissions=shown_to(cmd),
        )
        for sub in cmd.subcommands:
            group.add_command(_command(sub, cmd.name, sub.name, run, suggest, None, group))
        built.append(group)
    return built


def shown_to(cmd: Command) -> discord.Permissions | None:
    """Who Discord's command picker offers a command to: steward tools only to people who
    may manage the server (server owners can allow them for a steward role under Server
    Settings → Integrations); everything else to everyone. Dispatch still checks each use."""
    return STEWARD_PERMISSIONS if cmd.steward_only else None


def contexts(*scopes: Scope) -> app_commands.AppCommandContext:
    """Where Discord offers a command: server channels for SPACE, the bot's DMs for PRIVATE,
    both for ANY. Dispatch checks again and explains, so this is a courtesy, not a guard."""
    return app_commands.AppCommandContext(
        guild=any(s is not Scope.PRIVATE for s in scopes),
        dm_channel=any(s is not Scope.SPACE for s in scopes),
        private_channel=False,
    )


def _command(
    cmd: Command,
    top: str,
    sub: str | None,
    run: Run,
    suggest: Suggest,
    allowed: app_commands.AppCommandContext | None,
    parent: app_commands.Group | None = None,
) -> app_commands.Command[Any, ..., Any]:
    callback = _callback(cmd.options, top, sub, run)
    pynames = {_pyname(o.name): o for o in cmd.options}
    if pynames:
        descriptions = {p: o.description[:MAX_DESCRIPTION] or "…" for p, o in pynames.items()}
        for p, o in pynames.items():
            if _is_person(o):
                descriptions[p + NUMBER_SUFFIX] = NUMBER_DESCRIPTION
        callback = app_commands.describe(**descriptions)(callback)
        renames = {p: o.name for p, o in pynames.items() if p != o.name}
        if renames:
            callback = app_commands.rename(**renames)(callback)
        fixed = {p: _choices(o) for p, o in pynames.items() if _static_choices(o)}
        if fixed:
            callback = app_commands.choices(**fixed)(callback)
        typed = {
            p: _suggester(o, top, sub, suggest)
            for p, o in pynames.items()
            if o.autocomplete is not None or (o.choices and not _static_choices(o))
        }
        if typed:
            callback = app_commands.autocomplete(**typed)(callback)
    return app_commands.Command(
        name=cmd.name,
        description=cmd.description,
        callback=callback,
        parent=parent,
        allowed_contexts=allowed,
        allowed_installs=GUILD_INSTALL if parent is None else None,
    )


def _pyname(name: str) -> str:
    """A Python parameter name for an option (``from`` or ``interaction`` would clash)."""
    return f"opt_{name}" if keyword.iskeyword(name) or name == "interaction" else name


def _callback(
    options: Sequence[Option], top: str, sub: str | None, run: Run
) -> Callable[..., Coroutine[Any, Any, None]]:
    names = {_pyname(o.name): o.name for o in options}
    numbers = {_pyname(o.name) + NUMBER_SUFFIX: o.name for o in options if _is_person(o)}

    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        typed = {names[k]: _neutral(v) for k, v in values.items() if v is not None and k in names}
        for key, name in numbers.items():
            if values.get(key) is not None and name not in typed:
                typed[name] = f"#{values[key]}"
        await run(interaction, top, sub, typed)

    params = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    for opt in sorted(options, key=lambda o: not o.required or _is_person(o)):
        params.append(
            inspect.Parameter(
                _pyname(opt.name),
                inspect.Parameter.KEYWORD_ONLY,
                default=None if not opt.required or _is_person(opt) else inspect.Parameter.empty,
                annotation=_TYPES[opt.type],
            )
        )
        if _is_person(opt):
            params.append(
                inspect.Parameter(
                    _pyname(opt.name) + NUMBER_SUFFIX,
                    inspect.Parameter.KEYWORD_ONLY,
                    default=None,
                    annotation=app_commands.Range[int, 1, 2**53 - 1],
                )
            )
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__qualname__ = callback.__name__ = f"slash_{top}_{sub or ''}".rstrip("_")
    return callback


def _is_person(opt: Option) -> bool:
    return opt.type is OptionType.PERSON


def _neutral(value: Any) -> object:
    """A picked user becomes their account; everything else is already neutral."""
    if isinstance(value, discord.abc.User | discord.Object):
        return AccountRef(Platform.DISCORD, str(value.id))
    return value


def _static_choices(opt: Option) -> bool:
    fits = bool(opt.choices) and opt.autocomplete is None and len(opt.choices) <= MAX_CHOICES
    if opt.type is OptionType.INTEGER:
        fits = fits and all(c.lstrip("-").isdigit() for c in opt.choices)
    return fits


def _choice_value(opt: Option, text: str) -> str | int:
    return int(text) if opt.type is OptionType.INTEGER else text


def _choices(opt: Option) -> list[app_commands.Choice[Any]]:
    return [app_commands.Choice(name=c[:100], value=_choice_value(opt, c)) for c in opt.choices]


def _suggester(
    opt: Option, top: str, sub: str | None, suggest: Suggest
) -> Callable[[discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[Any]]]]:
    async def suggestions(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[Any]]:
        found = await suggest(interaction, top, sub, opt.name, current)
        out: list[app_commands.Choice[Any]] = []
        for text in found[:MAX_CHOICES]:
            if not 1 <= len(text) <= 100:
                continue
            try:
                out.append(app_commands.Choice(name=text, value=_choice_value(opt, text)))
            except ValueError:
                continue
        return out

    return suggestions
