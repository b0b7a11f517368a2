"""The relay engine: from a message event at one endpoint to copies at every other endpoint of
its conversation, through the one outbox, with ids mapped for replies, edits and deletions.

Why it looks like this:
- Every copy is an outbox message, so per-chat limits, 429s, retries and restarts are the
  outbox's business; a burst into a backed-up destination is merged there (``coalesce``).
  The outbox reports each delivery with the platform's ids (origin ``relay:…``), and only then
  does the map learn the copy's ids. An edit or deletion that arrives before that waits in
  memory for the report, so it is never lost to a race.
- The map refuses duplicates: a message already relayed (a re-delivered event, catch-up going
  over what live events brought) is recognised by its id and not relayed again.
- Nothing here reads or logs what people wrote; text travels inside the events and messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.core.events import (
    MediaRef,
    MessageEdited,
    MessageEvent,
    MessagePosted,
    MessagesDeleted,
)
from bot.core.model import AccountRef, Platform
from bot.core.replies import Attachment
from bot.core.richtext import RichText, Span, Style
from bot.outbox import Op, Outbox, OutgoingMessage
from bot.outbox.delivery import DeliveryReport
from bot.outbox.message import Relayed
from bot.relay.maps import MemoryMap, MessageMap
from bot.relay.model import Copy, Endpoint, Failure, Group, MessageRef, RelayConversation
from bot.relay.ports import Fetched, RelayPort
from bot.storage.outbox import NewItem

log = logging.getLogger(__name__)

ORIGIN = "relay:"
#: Catch-up reaches this far back at most.
CATCH_UP_WINDOW = timedelta(hours=24)
#: Failures kept per conversation for /status.
FAILURES_KEPT = 20

#: Finds a member's account on another platform (linked accounts), for mentions.
Resolver = Callable[[AccountRef, Platform], Awaitable[AccountRef | None]]


@dataclass(frozen=True, slots=True)
class EndpointStatus:
    """What /status shows for one endpoint."""

    endpoint: Endpoint
    queued: int
    oldest_wait: float | None  # seconds the oldest queued copy has waited
    last_event: datetime | None  # last event the relay saw from it


class DeleteOutcome:
    DONE = "done"
    UNKNOWN = "unknown"
    NOT_YOURS = "not_yours"


class Relay:
    def __init__(
        self,
        outbox: Outbox,
        durable: MessageMap,
        *,
        now: Callable[[], datetime],
        resolve: Resolver | None = None,
    ) -> None:
        self._outbox = outbox
        self._durable = durable
        self._now = now
        self._resolve = resolve
        self._started = now()
        self._conversations: dict[str, RelayConversation] = {}
        self._by_endpoint: dict[Endpoint, str] = {}
        self._memory: dict[str, MemoryMap] = {}
        self.ports: dict[Platform, RelayPort] = {}
        self.last_seen: dict[Endpoint, datetime] = {}
        self._busy: set[MessageRef] = set()
        self._locks: dict[MessageRef, asyncio.Lock] = {}
        self._last_copy: dict[Endpoint, tuple[str, MessageRef, int]] = {}
        #: Copies queued and not yet reported, per original: (endpoint, item).
        self._inflight: dict[MessageRef, set[tuple[Endpoint, int]]] = {}
        self._waiting: dict[
            tuple[MessageRef, Endpoint, int], list[Callable[[Copy], Awaitable[None]]]
        ] = {}
        self.stats = {"relayed": 0, "duplicates": 0, "refused_unverified": 0, "catch_ups": 0}
        outbox.on_result(ORIGIN, self._reported)

    # -- conversations ------------------------------------------------------------------------

    def add(self, conversation: RelayConversation) -> None:
        """Start relaying a conversation (or update its endpoints)."""
        old = self._conversations.get(conversation.key)
        if old is not None:
            for ep in old.endpoints:
                self._by_endpoint.pop(ep, None)
        for ep in conversation.endpoints:
            owner = self._by_endpoint.get(ep)
            if owner is not None and owner != conversation.key:
                raise ValueError(f"{ep} is already in conversation {owner}")
        self._conversations[conversation.key] = conversation
        for ep in conversation.endpoints:
            self._by_endpoint[ep] = conversation.key
        if conversation.policy.ephemeral:
            self._memory.setdefault(conversation.key, MemoryMap())

    def remove(self, key: str) -> RelayConversation | None:
        """Stop relaying a conversation. A memory map goes with it (the durable one ages out)."""
        conv = self._conversations.pop(key, None)
        if conv is not None:
            for ep in conv.endpoints:
                if self._by_endpoint.get(ep) == key:
                    del self._by_endpoint[ep]
        self._memory.pop(key, None)
        return conv

    def get(self, key: str) -> RelayConversation | None:
        return self._conversations.get(key)

    def of(self, endpoint: Endpoint) -> RelayConversation | None:
        key = self._by_endpoint.get(endpoint)
        return None if key is None else self._conversations.get(key)

    def conversations(self) -> list[RelayConversation]:
        return list(self._conversations.values())

    def map_for(self, conversation: RelayConversation) -> MessageMap:
        return self._memory.get(conversation.key) or self._durable

    # -- events ---------------------------------------------------------------------------------

    async def handle(self, event: MessageEvent) -> bool:
        """Relay what happened; True if it happened in a relayed conversation (a private chat
        that is a debrief room is then the room's, not a chat with the bot)."""
        if isinstance(event, MessagePosted):
            return await self.posted(event)
        if isinstance(event, MessageEdited):
            return await self.edited(event)
        if isinstance(event, MessagesDeleted):
            return await self.deleted(event)
        return False

    async def posted(self, event: MessagePosted) -> bool:
        source = Endpoint.where(event.conversation, event.actor)
        conv = self.of(source)
        if conv is None:
            return False
        self.last_seen[source] = self._now()
        ref = MessageRef(source, event.message_id)
        mapping = self.map_for(conv)
        if ref in self._busy:
            self.stats["duplicates"] += 1
            return True
        self._busy.add(ref)
        try:
            person = await conv.policy.admit(conv, source, event.actor)
            if person is None:
                self.stats["refused_unverified"] += 1
                return True
            if not await mapping.add_source(conv.key, ref, person, event.at or self._now()):
                self.stats["duplicates"] += 1
                return True
            replied = []
            if event.reply_to is not None:
                replied = await mapping.groups_of(MessageRef(source, event.reply_to))
            files = await self._fetch(source.platform, conv.others(source), event.media)
            items: list[NewItem] = []
            for target in conv.others(source):
                items += await self._copies_for(conv, ref, person, event, target, replied, files)
            if items:
                self._track(items)
                await self._outbox.enqueue_many(items, ephemeral=conv.policy.ephemeral)
            self.stats["relayed"] += 1
        finally:
            self._busy.discard(ref)
        return True

    async def edited(self, event: MessageEdited) -> bool:
        source = Endpoint.where(event.conversation, event.actor)
        conv = self.of(source)
        if conv is None:
            return False
        self.last_seen[source] = self._now()
        person = await conv.policy.admit(conv, source, event.actor)
        if person is None:
            return True
        ref = MessageRef(source, event.message_id)
        async with self._lock(ref):
            await self._edit_everywhere(conv, ref, person, event)
        return True

    async def _edit_everywhere(
        self, conv: RelayConversation, ref: MessageRef, person: int, event: MessageEdited
    ) -> None:
        group = next((g for g in await self.map_for(conv).groups_of(ref) if g.source == ref), None)
        if group is None:
            return  # relayed before the map's window, or never relayed
        source = ref.endpoint
        for target in conv.others(source):
            shown = await conv.policy.shown(conv, person, event.actor, target)
            text = await self._mentions(event.text, target.platform)
            relayed = Relayed(shown.name, text, shown.avatar_url)

            async def edit(
                copy: Copy, target: Endpoint = target, relayed: Relayed = relayed
            ) -> None:
                await self._edit(conv, ref, person, target, copy, relayed)

            await self._when_known(group, target, 0, edit)

    async def deleted(self, event: MessagesDeleted) -> bool:
        where = Endpoint.where(event.conversation, event.actor)
        conv = self.of(where)
        if conv is None:
            return False
        self.last_seen[where] = self._now()
        for message_id in event.message_ids:
            for group in await self.map_for(conv).groups_of(MessageRef(where, message_id)):
                # Deleting the original deletes every copy; a copy deleted by someone who may
                # (a moderator) takes the original and the other copies with it.
                await self._delete_group(conv, group, skip=MessageRef(where, message_id))
        return True

    async def delete_request(self, ref: MessageRef, person_id: int, may_delete_any: bool) -> str:
        """``/delete`` as a reply: the author (or a steward) deletes the original where the bot
        may, and every copy. Returns a :class:`DeleteOutcome` value."""
        conv = self.of(ref.endpoint)
        if conv is None:
            return DeleteOutcome.UNKNOWN
        groups = await self.map_for(conv).groups_of(ref)
        if not groups:
            return DeleteOutcome.UNKNOWN
        if not may_delete_any and any(g.person_id != person_id for g in groups):
            return DeleteOutcome.NOT_YOURS
        for group in groups:
            await self._delete_group(conv, group)
        return DeleteOutcome.DONE

    async def delete_copies(self, key: str) -> int:
        """Delete every copy the relay made in a conversation (a debrief room closing), where
        the platforms allow, including copies still on their way; returns how many."""
        conv = self._conversations.get(key)
        if conv is None:
            return 0
        count = 0
        for group in await self.map_for(conv).groups_in(key):
            count += await self._delete_group(conv, group, keep_source=True)
        return count

    # -- catch-up -------------------------------------------------------------------------------

    async def catch_up(self, platform: Platform) -> int:
        """Relay, in order, what was posted on ``platform`` while the bot was away (up to 24 h
        back, after the last message the map knows there). Duplicates are refused by the map."""
        port = self.ports.get(platform)
        if port is None:
            return 0
        since = self._now() - CATCH_UP_WINDOW
        # Only what was mapped before the platform went quiet: copies made since (the other
        # side catching up first) may be newer than what was missed here.
        heard = [t for ep, t in self.last_seen.items() if ep.platform is platform]
        before = max(heard, default=self._started)
        count = 0
        for conv in list(self._conversations.values()):
            for ep in conv.endpoints:
                if ep.platform is not platform or ep.kind != "chat":
                    continue
                after = await self.map_for(conv).last_id(ep, before)
                try:
                    async for event in port.history(ep.id, after, since):
                        if await self.posted(event):
                            count += 1
                except Exception as exc:
                    log.warning(
                        "relay: catch-up in a %s chat stopped (%s)",
                        platform.value,
                        type(exc).__name__,
                    )
        if count:
            log.info("relay: caught up %d message(s) on %s", count, platform.value)
        self.stats["catch_ups"] += 1
        return count

    # -- status ---------------------------------------------------------------------------------

    def status(self, conversation: RelayConversation) -> list[EndpointStatus]:
        out = []
        for ep in conversation.endpoints:
            queued, oldest = self._outbox.waiting(ep.destination)
            out.append(EndpointStatus(ep, queued, oldest, self.last_seen.get(ep)))
        return out

    # -- internals ------------------------------------------------------------------------------

    async def _copies_for(
        self,
        conv: RelayConversation,
        ref: MessageRef,
        person: int,
        event: MessagePosted,
        target: Endpoint,
        replied: list[Group],
        files: list[tuple[MediaRef, Fetched]],
    ) -> list[NewItem]:
        shown = await conv.policy.shown(conv, person, event.actor, target)
        text = await self._mentions(event.text, target.platform)
        reply_to = next((g.ids_on(target)[0] for g in replied if g.ids_on(target)), None)
        attachments: list[Attachment] = []
        notes: list[str] = []
        port = self.ports.get(target.platform)
        for media, got in files:
            limit = port.upload_limit(target.destination, media) if port else 0
            if got.data is not None and len(got.data) <= limit:
                attachments.append(Attachment(got.filename, got.data, got.mime_type))
            else:
                size = got.size if got.size is not None else media.size
                notes.append(
                    await conv.policy.too_large(conv, person, target, media.filename, size)
                )
        if notes:
            joined = "\n".join(notes)
            sep = "\n" if text.text else ""
            text = RichText(text.text + sep + joined, text.spans)
        items = []
        first = attachments[0] if attachments else None
        if text.text or first is not None:
            relayed = Relayed(shown.name, text, shown.avatar_url, reply_to)
            message = OutgoingMessage(
                relayed.plain(),
                attachment=first,
                reply_to=reply_to,
                coalesce=first is None,
                relayed=(relayed,),
            )
            items.append(self._item(conv, "send", 0, ref, target, message, person))
        for index, extra in enumerate(attachments[1:], start=2):
            relayed = Relayed(shown.name, RichText(""), shown.avatar_url)
            message = OutgoingMessage(shown.name, attachment=extra, relayed=(relayed,))
            items.append(self._item(conv, "send", index, ref, target, message, person))
        return items

    def _item(
        self,
        conv: RelayConversation,
        op: str,
        item: int,
        source: MessageRef,
        target: Endpoint,
        message: OutgoingMessage,
        person: int | None,
    ) -> NewItem:
        origin = f"{ORIGIN}{op}:{item}:{conv.key}:{source}"
        return NewItem(target.destination, message, person, origin)

    def _track(self, items: list[NewItem]) -> None:
        for item in items:
            _, op, number, _, rest = (item.origin or "").split(":", 4)
            if op == "send":
                source = MessageRef.parse(rest)
                target = item.destination
                endpoint = Endpoint(target.platform, target.kind, target.id)
                self._inflight.setdefault(source, set()).add((endpoint, int(number)))

    async def _enqueue(
        self,
        conv: RelayConversation,
        op: str,
        item: int,
        source: MessageRef,
        target: Endpoint,
        message: OutgoingMessage,
        person: int | None,
    ) -> None:
        new = self._item(conv, op, item, source, target, message, person)
        self._track([new])
        await self._outbox.enqueue_many([new], ephemeral=conv.policy.ephemeral)

    async def _edit(
        self,
        conv: RelayConversation,
        ref: MessageRef,
        person: int,
        target: Endpoint,
        copy: Copy,
        relayed: Relayed,
    ) -> None:
        if copy.shared:
            # Merged with others' messages into one: editing it would overwrite their words,
            # so the new text crosses as a message of its own.
            edited = replace(relayed, author=relayed.author)
            message = OutgoingMessage(edited.plain(), coalesce=True, relayed=(edited,))
            await self._enqueue(conv, "send", 0, ref, target, message, person)
            return
        message = OutgoingMessage(
            relayed.plain(),
            op=Op.EDIT,
            target_id=copy.parts[0],
            relayed=(relayed,),
            parts=copy.parts,
        )
        await self._enqueue(conv, "edit", copy.item, ref, target, message, person)

    async def _delete_group(
        self,
        conv: RelayConversation,
        group: Group,
        skip: MessageRef | None = None,
        *,
        keep_source: bool = False,
    ) -> int:
        """Forget an original and delete its copies (and the original itself unless it is
        ``skip``, already deleted, or ``keep_source``); returns how many copies."""
        async with self._lock(group.source):
            mapping = self.map_for(conv)
            fresh = [g for g in await mapping.groups_of(group.source) if g.source == group.source]
            return await self._delete_locked(conv, fresh[0] if fresh else group, skip, keep_source)

    async def _delete_locked(
        self, conv: RelayConversation, group: Group, skip: MessageRef | None, keep_source: bool
    ) -> int:
        await self.map_for(conv).forget(group.source)
        count = 0
        if group.source != skip and not keep_source:
            message = OutgoingMessage("", op=Op.DELETE, target_id=group.source.message_id)
            await self._enqueue(
                conv, "delete", -1, group.source, group.source.endpoint, message, None
            )
        for copy in group.copies:
            if (
                skip is not None
                and skip.endpoint == copy.endpoint
                and skip.message_id in copy.parts
            ):
                rest = tuple(p for p in copy.parts if p != skip.message_id)
                if not rest:
                    continue
                copy = replace(copy, parts=rest)
            await self._queue_delete(conv, group, copy)
            count += 1
        known = {(c.endpoint, c.item) for c in group.copies}
        for target, item in self._inflight.get(group.source, set()) - known:
            # Not delivered yet: delete it as soon as it is (a pending edit no longer matters).

            async def late_delete(copy: Copy, group: Group = group) -> None:
                await self._queue_delete(conv, group, copy)

            self._waiting[(group.source, target, item)] = [late_delete]
            count += 1
        return count

    async def _queue_delete(self, conv: RelayConversation, group: Group, copy: Copy) -> None:
        message = OutgoingMessage(
            "", op=Op.DELETE, target_id=copy.parts[0] if copy.parts else None, parts=copy.parts
        )
        await self._enqueue(conv, "delete", copy.item, group.source, copy.endpoint, message, None)

    async def _when_known(
        self,
        group: Group,
        target: Endpoint,
        item: int,
        action: Callable[[Copy], Awaitable[None]],
    ) -> None:
        """Run ``action`` on the copy now, or as soon as its delivery is reported."""
        copy = group.on(target, item)
        if copy is not None:
            await action(copy)
            return
        key = (group.source, target, item)
        self._waiting.setdefault(key, []).append(action)

    async def _reported(self, report: DeliveryReport) -> None:
        """The outbox delivered (or gave up on) a copy: learn its ids, or report the refusal."""
        assert report.origin is not None
        try:
            _, op, item_text, key, rest = report.origin.split(":", 4)
            source, item = MessageRef.parse(rest), int(item_text)
        except ValueError:
            log.error("relay: a delivery report had an origin it cannot read")
            return
        target = Endpoint(
            report.destination.platform, report.destination.kind, report.destination.id
        )
        conv = self._conversations.get(key)
        mapping = self._memory.get(key) or (
            None if conv and conv.policy.ephemeral else self._durable
        )
        async with self._lock(source):
            if not report.delivered:
                self._settled(op, source, target, item)
                self._waiting.pop((source, target, item), None)
                await self._refused(conv, op, source, target, report)
                return
            if op in ("send", "edit") and mapping is not None and report.message_ids:
                ids = tuple(report.message_ids)
                # A merged batch is reported entry by entry, one after the other, with the
                # same ids: the copy is then shared, by this original and the one before.
                before = self._last_copy.get(target)
                shared = before is not None and before[0] == ids[0]
                self._last_copy[target] = (ids[0], source, item)
                copy = Copy(target, item, ids, shared)
                first_time = op == "send" and not shared
                await mapping.add_copy(key, source, copy, self._now(), first=first_time)
                if before is not None and shared and before[1] != source:
                    earlier = Copy(target, before[2], ids, shared=True)
                    await mapping.add_copy(key, before[1], earlier, self._now())
                self._settled(op, source, target, item)
                for action in self._waiting.pop((source, target, item), []):
                    await action(copy)

    def _settled(self, op: str, source: MessageRef, target: Endpoint, item: int) -> None:
        if op != "send":
            return
        pending = self._inflight.get(source)
        if pending is not None:
            pending.discard((target, item))
            if not pending:
                del self._inflight[source]

    async def _refused(
        self,
        conv: RelayConversation | None,
        op: str,
        source: MessageRef,
        target: Endpoint,
        report: DeliveryReport,
    ) -> None:
        reason = report.error or "refused"
        log.warning("relay: a copy to %s was refused for good (%s)", target.platform.value, reason)
        if conv is None:
            return
        conv.failures.append(Failure(self._now(), target, reason))
        del conv.failures[:-FAILURES_KEPT]
        groups = await self.map_for(conv).groups_of(source)
        person = next((g.person_id for g in groups if g.source == source), report.person_id)
        if op != "delete":
            await conv.policy.refused(conv, person, target, reason)

    @contextlib.asynccontextmanager
    async def _lock(self, source: MessageRef) -> AsyncIterator[None]:
        """One change at a time per original: a delivery report and an edit or deletion of
        the same message never interleave, so none of them misses the other."""
        lock = self._locks.get(source)
        if lock is None:
            lock = self._locks[source] = asyncio.Lock()
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and self._locks.get(source) is lock:
                del self._locks[source]

    async def _mentions(self, text: RichText, platform: Platform) -> RichText:
        """Mentions of linked members name their account on ``platform``; others lose their
        account and show as the text they were (a display name)."""
        if not any(s.style is Style.MENTION for s in text.spans):
            return text
        spans: list[Span] = []
        for span in text.spans:
            if span.style is Style.MENTION and span.account is not None:
                found = span.account if span.account.platform is platform else None
                if found is None and self._resolve is not None:
                    found = await self._resolve(span.account, platform)
                span = replace(span, account=found)
            spans.append(span)
        return RichText(text.text, tuple(spans))

    async def _fetch(
        self, platform: Platform, targets: Iterable[Endpoint], media: tuple[MediaRef, ...]
    ) -> list[tuple[MediaRef, Fetched]]:
        """Download each file once, up to the largest any target accepts."""
        if not media:
            return []
        port = self.ports.get(platform)
        out = []
        for item in media:
            limits = [
                p.upload_limit(t.destination, item)
                for t in targets
                if (p := self.ports.get(t.platform)) is not None
            ]
            limit = max(limits, default=0)
            if port is None or (item.size is not None and item.size > limit):
                out.append((item, Fetched(item.filename, None, item.mime_type, item.size)))
                continue
            try:
                out.append((item, await port.fetch(item, limit)))
            except Exception as exc:
                log.warning("relay: fetching a file failed (%s)", type(exc).__name__)
                out.append((item, Fetched(item.filename, None, item.mime_type, item.size)))
        return out
