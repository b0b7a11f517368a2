"""Commands declared once and rendered natively by every adapter.

A :class:`Command` says what it is called, what it takes (typed options), who may use it and
where. Discord turns it into a slash command (options, choices, autocomplete, subcommands),
Telegram into a menu entry with text arguments, the console into a typed line. Text arguments
are parsed here, once, so ``/training free online region:north`` means the same everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

from bot.core.events import (
    JoinRequested,
    MemberJoined,
    MemberLeft,
    MemberPosted,
    MessageEvent,
    SpaceEvent,
)
from bot.core.model import Person, Role

if TYPE_CHECKING:
    from bot.core.context import Context, Request
    from bot.core.events import ChatMoved
    from bot.core.replies import Replies
    from bot.storage.schedules import ScheduleRow

NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class OptionType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    BOOLEAN = "boolean"  # on text platforms: the option's name as a bare word turns it on
    TIME = "time"  # HH:MM, 24-hour
    #: Someone in the network, resolved natively by each adapter (a Discord user option; on
    #: Telegram a reply to their message or a text mention; anywhere a member number like #12).
    #: Handlers get a :class:`~bot.core.model.PersonRef`.
    PERSON = "person"


class Access(StrEnum):
    """Who may use a command. Each level includes nobody below it by default: MENTOR means a
    mentor or a steward, since stewards look after the whole network."""

    ANYONE = "anyone"
    MEMBER = "member"
    MENTOR = "mentor"
    STEWARD = "steward"

    def allows(self, person: Person | None) -> bool:
        if self is Access.ANYONE:
            return True
        if person is None or not person.is_member:
            return False
        if self is Access.MEMBER:
            return True
        if self is Access.MENTOR:
            return person.has(Role.MENTOR) or person.has(Role.STEWARD)
        return person.has(Role.STEWARD)


class Scope(StrEnum):
    """Where a command may be used."""

    PRIVATE = "private"
    SPACE = "space"
    ANY = "any"

    def allows(self, is_private: bool) -> bool:
        return self is Scope.ANY or (self is Scope.PRIVATE) == is_private


Autocomplete = Callable[["Context", "Request", str], Awaitable[Sequence[str]]]
Handler = Callable[["Context", "Request"], Awaitable["Replies"]]
Startup = Callable[["Context"], Awaitable[None]]
ChatMovedHook = Callable[["Context", "ChatMoved"], Awaitable[None]]
SpaceHook = Callable[["Context", "SpaceEvent"], Awaitable[None]]
#: Told a person's membership ended (removed by a steward, left, or erased themselves).
RemovedHook = Callable[["Context", Person], Awaitable[None]]
#: Asked first when someone types /leave: a feature holding them in something smaller than the
#: network (a debrief room) answers by leaving only that; None lets /leave go on.
LeaveHook = Callable[["Context", "Request"], Awaitable["Replies | None"]]
MessageHook = Callable[["Context", "MessageEvent"], Awaitable[None]]
#: A job that runs many due schedules of its kind together (see :meth:`Router.batch_job`).
BatchJob = Callable[["Context", "Sequence[ScheduleRow]"], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Option:
    """One typed option. ``greedy`` string options take the rest of a text line."""

    name: str
    description: str
    type: OptionType = OptionType.STRING
    required: bool = False
    choices: tuple[str, ...] = ()
    greedy: bool = False
    keyword: bool = False  # only given as name:value on text platforms
    autocomplete: Autocomplete | None = None

    def __post_init__(self) -> None:
        if not NAME.match(self.name):
            raise ValueError(f"option name {self.name!r} must be lower-case, max 32 chars")


@dataclass(frozen=True, slots=True)
class Command:
    """A command or subcommand. A command with subcommands may name a ``default`` one that runs
    when the first word is not a subcommand (text platforms); Discord shows the subcommands."""

    name: str
    description: str
    handler: Handler | None = None
    options: tuple[Option, ...] = ()
    access: Access = Access.MEMBER
    scope: Scope = Scope.ANY
    subcommands: tuple[Command, ...] = ()
    default: str | None = None

    def __post_init__(self) -> None:
        if not NAME.match(self.name):
            raise ValueError(f"command name {self.name!r} must be lower-case, max 32 chars")
        if not 1 <= len(self.description) <= 100:
            raise ValueError(f"/{self.name}: description must be 1-100 characters")
        if self.subcommands and self.options:
            raise ValueError(f"/{self.name}: options belong on its subcommands")
        if not self.subcommands and self.handler is None:
            raise ValueError(f"/{self.name} needs a handler")
        if self.default and self.default not in {s.name for s in self.subcommands}:
            raise ValueError(f"/{self.name}: default subcommand {self.default!r} is missing")
        seen = [o.name for o in self.options]
        if len(seen) != len(set(seen)):
            raise ValueError(f"/{self.name}: duplicate option names")
        required_seen_optional = False
        for opt in self.options:
            if opt.required and required_seen_optional:
                raise ValueError(f"/{self.name}: required options come before optional ones")
            required_seen_optional |= not opt.required

    @property
    def steward_only(self) -> bool:
        """Only stewards may use any of it, so command pickers and menus show it to stewards
        alone (a courtesy: dispatch checks every use)."""
        if self.access is Access.STEWARD:
            return True
        return bool(self.subcommands) and all(s.access is Access.STEWARD for s in self.subcommands)

    def sub(self, name: str | None) -> Command | None:
        for s in self.subcommands:
            if s.name == name:
                return s
        return None

    def usage(self, prefix: str = "/") -> str:
        """A one-line usage hint such as ``/settings quiet <from-to>``."""
        parts = [f"{prefix}{self.name}"]
        for opt in self.options:
            shown = opt.name if opt.type is OptionType.BOOLEAN else f"<{opt.name}>"
            if opt.keyword:
                shown = f"{opt.name}:…"
            parts.append(shown if opt.required else f"[{shown}]")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Action:
    """A button action: what runs when a button minted with this name is pressed, and who may
    press it. Dispatch checks ``access`` at every press, as it does for commands, so a button
    kept from before someone left the network (buttons last 90 days) does nothing for them."""

    handler: Handler
    access: Access = Access.MEMBER


@dataclass(slots=True)
class Router:
    """One feature's commands, button actions, scheduled jobs and text prompts, joined
    explicitly in ``handlers/__init__.py`` (no discovery)."""

    name: str
    commands: list[Command] = field(default_factory=list)
    actions: dict[str, Action] = field(default_factory=dict)
    jobs: dict[str, Handler] = field(default_factory=dict)
    batch_jobs: dict[str, BatchJob] = field(default_factory=dict)
    startup: list[Startup] = field(default_factory=list)
    chat_moved: list[ChatMovedHook] = field(default_factory=list)
    space_events: list[tuple[type[SpaceEvent], SpaceHook]] = field(default_factory=list)
    text: list[Handler] = field(default_factory=list)
    removed: list[RemovedHook] = field(default_factory=list)
    leaving: list[LeaveHook] = field(default_factory=list)
    message_events: list[MessageHook] = field(default_factory=list)
    typed_answers: list[Handler] = field(default_factory=list)

    def command(self, command: Command) -> Command:
        self.commands.append(command)
        return command

    def action(self, name: str, access: Access = Access.MEMBER) -> Callable[[Handler], Handler]:
        """Register a button action, named ``<router>.<name>``, for members unless ``access``
        says otherwise."""

        def deco(fn: Handler) -> Handler:
            self.actions[f"{self.name}.{name}"] = Action(fn, access)
            return fn

        return deco

    def on_start(self, fn: Startup) -> Startup:
        """Run ``fn(ctx)`` once at start-up, after storage and content are ready and before
        platforms connect (e.g. to build a search index or listen for content reloads)."""
        self.startup.append(fn)
        return fn

    def on_chat_moved(self, fn: ChatMovedHook) -> ChatMovedHook:
        """Run ``fn(ctx, event)`` when a platform moves a group to a new chat id, so a feature
        that stored the old id can follow it."""
        self.chat_moved.append(fn)
        return fn

    def on_text(self, fn: Handler) -> Handler:
        """Answer a plain message (not a command) in a private chat; ``req.args["text"]``
        holds it, in memory only. The first router that registers one answers."""
        self.text.append(fn)
        return fn

    def on_typed_answer(self, fn: Handler) -> Handler:
        """Take a plain private message as the answer to something this feature asked the
        person to type (a note, a reply). ``fn`` returns None when it is waiting for nothing
        from them; every such hook is asked, in router order, before ``on_text`` answers."""
        self.typed_answers.append(fn)
        return fn

    def on_removed(self, fn: RemovedHook) -> RemovedHook:
        """Run ``fn(ctx, person)`` the moment someone stops being a member, so a feature can
        take them out of whatever it holds them in."""
        self.removed.append(fn)
        return fn

    def on_leave(self, fn: LeaveHook) -> LeaveHook:
        """Let ``fn(ctx, request)`` answer /leave first (see :data:`LeaveHook`)."""
        self.leaving.append(fn)
        return fn

    def on_member_joined(self, fn: SpaceHook) -> SpaceHook:
        """Run ``fn(ctx, event)`` when an account joins a group or server
        (:class:`~bot.core.events.MemberJoined`)."""
        self.space_events.append((MemberJoined, fn))
        return fn

    def on_member_left(self, fn: SpaceHook) -> SpaceHook:
        """Run ``fn(ctx, event)`` when an account leaves or is taken out (``MemberLeft``)."""
        self.space_events.append((MemberLeft, fn))
        return fn

    def on_join_requested(self, fn: SpaceHook) -> SpaceHook:
        """Run ``fn(ctx, event)`` when an account asks to join a group (``JoinRequested``)."""
        self.space_events.append((JoinRequested, fn))
        return fn

    def on_member_posted(self, fn: SpaceHook) -> SpaceHook:
        """Run ``fn(ctx, event)`` when an account posts in a group or channel
        (``MemberPosted``: who and where, never the text)."""
        self.space_events.append((MemberPosted, fn))
        return fn

    def on_message_event(self, fn: MessageHook) -> MessageHook:
        """Run ``fn(ctx, event)`` for every message posted, edited or deleted where the bot
        can see it (:class:`~bot.core.events.MessageEvent`), after the relay has had it. The
        text is in memory only: never store or log it."""
        self.message_events.append(fn)
        return fn

    def job(self, kind: str) -> Callable[[Handler], Handler]:
        """Register what a scheduled job of ``kind`` does when it fires."""

        def deco(fn: Handler) -> Handler:
            self.jobs[kind] = fn
            return fn

        return deco

    def batch_job(self, kind: str) -> Callable[[BatchJob], BatchJob]:
        """Register a job of ``kind`` that takes many due schedules at once (a burst of
        self-care prompts due in the same minute), so it can read and write for all of them
        in a few statements. It is the only form of that kind: a single schedule fired on
        its own is run as a batch of one. Read and prepare first, write last: the batch's
        transaction, which every command's answer waits for, begins with its first write."""

        def deco(fn: BatchJob) -> BatchJob:
            self.batch_jobs[kind] = fn
            return fn

        return deco


@dataclass(frozen=True, slots=True)
class Registry:
    """Every command, action and job kind of the running service."""

    commands: Mapping[str, Command]
    actions: Mapping[str, Action]
    jobs: Mapping[str, Handler]
    startup: tuple[Startup, ...] = ()
    chat_moved: tuple[ChatMovedHook, ...] = ()
    #: Hooks by space event type (:class:`~bot.core.events.MemberJoined`...), in router order.
    space_events: Mapping[type[SpaceEvent], tuple[SpaceHook, ...]] = field(default_factory=dict)
    text: Handler | None = None
    removed: tuple[RemovedHook, ...] = ()
    leaving: tuple[LeaveHook, ...] = ()
    message_events: tuple[MessageHook, ...] = ()
    typed_answers: tuple[Handler, ...] = ()
    batch_jobs: Mapping[str, BatchJob] = field(default_factory=dict)

    @classmethod
    def build(cls, routers: Sequence[Router]) -> Registry:
        commands: dict[str, Command] = {}
        actions: dict[str, Action] = {}
        jobs: dict[str, Handler] = {}
        batch_jobs: dict[str, BatchJob] = {}
        startup: list[Startup] = []
        chat_moved: list[ChatMovedHook] = []
        space_events: dict[type[SpaceEvent], tuple[SpaceHook, ...]] = {}
        text: list[Handler] = []
        removed: list[RemovedHook] = []
        leaving: list[LeaveHook] = []
        message_events: list[MessageHook] = []
        typed: list[Handler] = []
        for router in routers:
            text += router.text
            removed += router.removed
            leaving += router.leaving
            message_events += router.message_events
            typed += router.typed_answers
            startup += router.startup
            chat_moved += router.chat_moved
            for kind, hook in router.space_events:
                space_events[kind] = (*space_events.get(kind, ()), hook)
            for cmd in router.commands:
                if cmd.name in commands:
                    raise ValueError(f"/{cmd.name} is declared twice")
                commands[cmd.name] = cmd
            _merge(actions, router.actions)
            _merge(jobs, router.jobs)
            _merge(batch_jobs, router.batch_jobs)
        for twice in set(jobs) & set(batch_jobs):  # a kind runs one way: alone or in batches
            raise ValueError(f"{twice} is registered twice")
        return cls(
            commands,
            actions,
            jobs,
            tuple(startup),
            tuple(chat_moved),
            space_events,
            text[0] if text else None,
            tuple(removed),
            tuple(leaving),
            tuple(message_events),
            tuple(typed),
            batch_jobs,
        )

    def visible_to(self, person: Person | None) -> list[Command]:
        return [c for c in self.commands.values() if c.access.allows(person)]


V = TypeVar("V")


def _merge(table: dict[str, V], new: Mapping[str, V]) -> None:
    for key in new:
        if key in table:
            raise ValueError(f"{key} is registered twice")
    table.update(new)
