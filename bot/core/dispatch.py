"""From a neutral event to a handler and back: the one error boundary of the service.

Every adapter calls these methods and renders what comes back. Here, and only here: the caller
is looked up, access and place are checked, arguments are typed, button tokens are resolved,
and failures become replies. A :class:`UserFacingError` is answered with its own message;
anything else is logged without message text under a short code the person also sees.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from bot.core import markup
from bot.core.arguments import bind, resolve
from bot.core.commands import Access, Handler, Scope
from bot.core.context import Caller, Context, Request
from bot.core.errors import UserFacingError, describe_without_text, incident_code
from bot.core.events import (
    Actor,
    AutocompleteEvent,
    ButtonEvent,
    ChatMoved,
    CommandEvent,
    Conversation,
    MessageEvent,
    MessagePosted,
    SpaceEvent,
    TextEvent,
)
from bot.core.replies import Replies, Reply, as_list
from bot.messenger import Prepared
from bot.outbox.message import Destination
from bot.storage.database import is_disk_full
from bot.storage.schedules import ScheduleRow

log = logging.getLogger(__name__)
E = TypeVar("E")

AUTOCOMPLETE_MAX = 25  # Discord shows at most 25 suggestions


class Dispatcher:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def caller(self, actor: Actor, conversation: Conversation) -> Caller:
        person = await self.ctx.repo.people.by_account(actor.account)
        return Caller(actor, conversation, person)

    # -- commands ---------------------------------------------------------------------------

    async def command(self, event: CommandEvent) -> list[Prepared]:
        caller = await self.caller(event.actor, event.conversation)
        return await self._guard(caller, f"/{event.name}", lambda: self._command(caller, event))

    async def _command(self, caller: Caller, event: CommandEvent) -> Replies:
        cmd = self.ctx.registry.commands.get(event.name.lower())
        if cmd is None or (cmd.access is Access.STEWARD and not cmd.access.allows(caller.person)):
            return self._unknown(caller, event.name)  # steward tools stay out of sight
        if not cmd.access.allows(caller.person):
            key = "core.members_only" if cmd.access is Access.MEMBER else "core.role_only"
            return Reply(self.ctx.text(key, command=cmd.name, role=cmd.access.value))
        target, raw = resolve(cmd, event.raw, event.subcommand)
        scope = target.scope if target is not cmd else cmd.scope
        if target is not cmd and not target.access.allows(caller.person):
            return Reply(
                self.ctx.text("core.role_only", command=cmd.name, role=target.access.value)
            )
        if not scope.allows(caller.conversation.is_private):
            key = "core.private_only" if scope is Scope.PRIVATE else "core.space_only"
            return Reply(self.ctx.text(key, command=cmd.name))
        parent = cmd if target is not cmd else None
        args = bind(target, raw, event.options, event.mentioned, parent)
        assert target.handler is not None
        request = Request(caller, args, cmd.name, replied=event.reply_to)
        return await target.handler(self.ctx, request)

    def _unknown(self, caller: Caller, name: str) -> Replies:
        if not caller.conversation.is_private:
            return None  # in a group, a command we do not know may be for another bot
        names = [c.name for c in self.ctx.registry.visible_to(caller.person)]
        close = difflib.get_close_matches(name.lower(), names, n=1, cutoff=0.5)
        if not close:
            close = [n for n in names if n.startswith(name.lower()[:3])][:1]
        if close:
            shown = markup.escape(name)
            return Reply(self.ctx.text("core.unknown_close", command=shown, match=close[0]))
        return Reply(self.ctx.text("core.unknown", command=markup.escape(name)))

    # -- buttons ----------------------------------------------------------------------------

    async def button(self, event: ButtonEvent) -> list[Prepared]:
        caller = await self.caller(event.actor, event.conversation)
        return await self._guard(caller, "button", lambda: self._button(caller, event))

    async def _button(self, caller: Caller, event: ButtonEvent) -> Replies:
        token = event.token.removeprefix("pc:")
        stored = await self.ctx.repo.buttons.lookup(token, self.ctx.clock.now())
        action = self.ctx.registry.actions.get(stored.action) if stored else None
        if stored is None or action is None:
            return Reply(self.ctx.text("core.button_expired"))
        if stored.person_id is not None and (
            caller.person is None or caller.person.id != stored.person_id
        ):
            return Reply(self.ctx.text("core.button_not_yours"))
        if not action.access.allows(caller.person):
            key = (
                "core.button_members_only"
                if action.access is Access.MEMBER
                else "core.button_role_only"
            )
            return Reply(self.ctx.text(key, role=action.access.value))
        request = Request(caller, stored.payload, stored.action, event.message_id)
        return await action.handler(self.ctx, request)

    # -- autocomplete -----------------------------------------------------------------------

    async def autocomplete(self, event: AutocompleteEvent) -> list[str]:
        """Suggestions for an option being typed; never raises (a broken suggester gives [])."""
        caller = await self.caller(event.actor, event.conversation)
        cmd = self.ctx.registry.commands.get(event.name)
        if cmd is None or not cmd.access.allows(caller.person):
            return []
        target = cmd.sub(event.subcommand) if event.subcommand else cmd
        if target is None:
            return []
        opt = next((o for o in target.options if o.name == event.option), None)
        try:
            if opt is not None and opt.autocomplete is not None:
                request = Request(caller, dict(event.filled), cmd.name)
                found = await opt.autocomplete(self.ctx, request, event.partial)
            elif opt is not None and opt.choices:
                found = [c for c in opt.choices if c.startswith(event.partial.lower())]
            else:
                found = []
        except Exception as exc:
            log.error("autocomplete for /%s failed\n%s", cmd.name, describe_without_text(exc))
            return []
        return list(found)[:AUTOCOMPLETE_MAX]

    # -- plain text -------------------------------------------------------------------------

    async def text(self, event: TextEvent) -> list[Prepared]:
        """A message that is not a command, in a private chat: the feature that answers plain
        text does (crisis lines, when the words say someone needs support now), else a pointer
        to /help. The text stays in memory; it is never stored or logged."""
        if not event.conversation.is_private:
            return []
        caller = await self.caller(event.actor, event.conversation)
        answer = self.ctx.registry.text

        async def hint() -> Replies:
            request = Request(caller, {"text": event.text})
            for waiting in self.ctx.registry.typed_answers:
                taken = await waiting(self.ctx, request)
                if taken is not None:
                    return taken
            if answer is not None:
                return await answer(self.ctx, Request(caller, {"text": event.text}))
            return Reply(self.ctx.text("core.not_command"))

        return await self._guard(caller, "text", hint)

    # -- messages people post ----------------------------------------------------------------

    async def message(self, event: MessageEvent) -> list[Prepared]:
        """A message posted, edited or deleted that is not a command. The relay gets it first
        (a bridged space, or a private chat that is a debrief room); then each feature's
        hook; a plain private message nobody relayed is answered like :meth:`text`."""
        relayed = False
        relay = self.ctx.relay
        if relay is not None:
            try:
                relayed = await relay.handle(event)
            except Exception as exc:
                code = incident_code()
                log.error("incident %s: relaying failed\n%s", code, describe_without_text(exc))
                relayed = True  # never answer a relayed message as if it were to the bot
        await self._tell(self.ctx.registry.message_events, event)
        if relayed or not isinstance(event, MessagePosted):
            return []
        if not event.conversation.is_private or not event.text.text:
            return []
        text = TextEvent(event.actor, event.conversation, event.text.text, event.message_id)
        return await self.text(text)

    # -- scheduled jobs ---------------------------------------------------------------------

    async def job(self, row: ScheduleRow) -> None:
        """Run a due schedule's handler. Jobs send through the messenger themselves."""
        together = self.batch_job(row.kind)
        if together is not None:
            await together([row])
            return
        handler: Handler | None = self.ctx.registry.jobs.get(row.kind)
        if handler is None:
            log.error("schedule %d has kind %s, which no handler runs", row.id, row.kind)
            return
        await handler(self.ctx, Request(None, dict(row.payload), row.kind, schedule=row))

    def batch_job(self, kind: str) -> Callable[[Sequence[ScheduleRow]], Awaitable[None]] | None:
        """How to run many due schedules of ``kind`` at once, if its feature runs them
        together (:meth:`~bot.core.commands.Router.batch_job`); None runs them one by one."""
        handler = self.ctx.registry.batch_jobs.get(kind)
        if handler is None:
            return None

        async def run(rows: Sequence[ScheduleRow]) -> None:
            await handler(self.ctx, rows)

        return run

    # -- platform changes -------------------------------------------------------------------

    async def chat_moved(self, event: ChatMoved) -> None:
        """Tell every feature that a group now lives under a new id. Schedules that post to
        the group follow it first; then each feature's hook runs. One failing hook is logged
        and does not stop the others."""
        old = Destination(event.platform, "chat", event.old_chat_id)
        new = Destination(event.platform, "chat", event.new_chat_id)
        await self.ctx.repo.schedules.retarget(str(old), str(new))
        await self._tell(self.ctx.registry.chat_moved, event)

    async def space_event(self, event: SpaceEvent) -> None:
        """Tell the features that registered for this kind of event (someone joined, left,
        asked to join or posted)."""
        await self._tell(self.ctx.registry.space_events.get(type(event), ()), event)

    async def _tell(
        self, hooks: Sequence[Callable[[Context, E], Awaitable[None]]], event: E
    ) -> None:
        """Run each hook; one that fails is logged (without text) and does not stop the rest."""
        for hook in hooks:
            try:
                await hook(self.ctx, event)
            except Exception as exc:
                kind = type(event).__name__
                detail = describe_without_text(exc)
                log.error("incident %s: %s hook failed\n%s", incident_code(), kind, detail)

    # -- the boundary -----------------------------------------------------------------------

    async def _guard(
        self, caller: Caller, what: str, run: Callable[[], Awaitable[Replies]]
    ) -> list[Prepared]:
        person_id = caller.person.id if caller.person else None
        try:
            replies = as_list(await run())
        except UserFacingError as exc:
            replies = [Reply(exc.render(self.ctx.text))]
        except Exception as exc:
            if is_disk_full(exc):  # what was asked needs a write; the disk refused it
                log.warning("%s could not save: the disk is full", what)
                replies = [Reply(self.ctx.text("core.cannot_save"))]
            else:
                code = incident_code()
                log.error("incident %s: %s failed\n%s", code, what, describe_without_text(exc))
                replies = [Reply(self.ctx.text("core.error", code=code))]
        return [await self.ctx.messenger.prepare(r, person_id) for r in replies]
