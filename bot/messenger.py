"""Turning neutral replies into queued messages: minting button tokens, choosing where a
person is reached, and answering in the right place for a reply's privacy."""

from __future__ import annotations

import collections
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bot.clock import Clock
from bot.core.events import Actor, Conversation
from bot.core.identity import KeptByIdentity
from bot.core.replies import Choice, Payload, Privacy, Reply
from bot.outbox import Button, Destination, Op, Outbox, OutgoingMessage
from bot.storage.buttons import ButtonRepository
from bot.storage.outbox import NewItem
from bot.storage.people import PeopleRepository

#: Origin of a personal answer that went to someone's private chat because they asked in a
#: space, followed by that space's destination (``redirected-from:telegram:chat:-100``). If the
#: private chat cannot be reached, an adapter listening for this origin can say so in the space.
REDIRECTED_FROM = "redirected-from:"
#: Origin of the note that tells someone their role changed. An adapter that shows commands
#: per person (Telegram's steward menu in their private chat) listens for it to update them.
ROLE_CHANGED = "role-changed"


@dataclass(frozen=True, slots=True)
class Prepared:
    """A reply ready for an adapter: rendered buttons plus how it should be shown."""

    message: OutgoingMessage
    privacy: Privacy
    replace: bool = False
    in_memory: bool = False


def _tied_to(reply: Reply, choice: Choice, person_id: int | None) -> int | None:
    """Who a button is tied to: its person only where others see it (see ``prepare``)."""
    shared = reply.privacy is not Privacy.PERSONAL
    return person_id if shared and not choice.anyone else None


def _render(reply: Reply, tokens: Iterator[str], run_only: Iterator[str]) -> Prepared:
    """The reply as a message, each action button with the next token (a run-only one for a
    button kept in memory)."""
    rows = []
    for row in reply.choices:
        rendered = []
        for choice in row:
            if choice.url:
                rendered.append(Button(choice.label, url=choice.url, style=choice.style))
            else:
                token = next(run_only) if choice.in_memory else next(tokens)
                rendered.append(Button(choice.label, token=token, style=choice.style))
        rows.append(tuple(rendered))
    message = OutgoingMessage(reply.text, tuple(rows), reply.attachment)
    return Prepared(message, reply.privacy, reply.replace, reply.in_memory)


#: Replies given to several people at once kept for the next call (see ``prepare_many``).
_SHARED_KEEP = 1024


class Messenger:
    def __init__(
        self, outbox: Outbox, buttons: ButtonRepository, people: PeopleRepository, clock: Clock
    ) -> None:
        self._outbox = outbox
        self._buttons = buttons
        self._people = people
        self._clock = clock
        #: Replies given to several people at once: id -> (the reply, its tokens, prepared).
        self._shared: KeptByIdentity[Reply, tuple[tuple[str, ...], Prepared]] = KeptByIdentity(
            _SHARED_KEEP
        )

    async def prepare(self, reply: Reply, person_id: int | None) -> Prepared:
        """Mint a token for each action button (all in one write; none for a button that
        lives ``in_memory``).

        A button is tied to ``person_id`` only where others can see it (a reply in a space) and
        the choice does not say anyone may press it. A personal reply is only ever seen by its
        person (a private chat, an ephemeral answer), so its buttons name nobody: the bot then
        keeps no record linking a person to what they searched for or were shown."""
        (prepared,) = await self.prepare_many([(reply, person_id)])
        return prepared

    async def prepare_many(self, replies: Sequence[tuple[Reply, int | None]]) -> list[Prepared]:
        """:meth:`prepare` for many replies, with every button minted in one write (a burst of
        due prompts, each with the same few buttons). Buttons that only mean something while
        this run lasts (``in_memory``) are remembered, never written.

        The same reply to many people, naming none of them (a prompt that thousands drew in
        a burst), is the same message for each: its buttons are minted and it is rendered
        once. Such a reply given to several people at once is also kept for the next call
        (the next batch of the burst gives the same reply objects again), until
        ``_SHARED_KEEP`` are kept; its buttons are still minted each time, so their rows are
        there however long it is kept."""
        wanted: list[tuple[str, Payload, int | None]] = []
        kept: list[tuple[str, Payload, int | None]] = []
        shared: dict[int, int] = {}  # a shareable reply -> how many tokens it takes
        given: collections.Counter[int] = collections.Counter()
        for reply, person_id in replies:
            given[id(reply)] += 1
            if id(reply) in shared:
                continue
            shareable = True
            start = len(wanted)
            for row in reply.choices:
                for choice in row:
                    if not choice.url:
                        button = (choice.action, choice.payload, _tied_to(reply, choice, person_id))
                        (kept if choice.in_memory else wanted).append(button)
                        shareable = shareable and button[2] is None and not choice.in_memory
            if shareable:
                shared[id(reply)] = len(wanted) - start
        tokens = iter(await self._buttons.mint_many(wanted, self._clock.now()))
        run_only = iter(self._buttons.remember(kept))
        made: dict[int, Prepared] = {}
        prepared = []
        for reply, _ in replies:
            count = shared.get(id(reply))
            if count is None:
                prepared.append(_render(reply, tokens, run_only))
                continue
            done = made.get(id(reply))
            if done is None:
                own = tuple(itertools.islice(tokens, count))
                known = self._shared.get(reply)
                if known is not None and known[0] == own:
                    done = known[1]
                else:
                    done = _render(reply, iter(own), run_only)
                    if given[id(reply)] > 1:
                        self._shared.keep(reply, (own, done))
                made[id(reply)] = done
            prepared.append(done)
        return prepared

    async def to_person(
        self,
        person_id: int,
        reply: Reply,
        *,
        origin: str | None = None,
        ephemeral: bool = False,
        once: bool = False,
    ) -> int | None:
        """Send to a person wherever they are reached; None if they have no account left, or
        if ``once`` and a message from the same ``origin`` is still waiting to reach them."""
        (queued,) = await self.to_people(
            [(person_id, reply)], origin=origin, ephemeral=ephemeral, once=once
        )
        return queued

    async def to_people(
        self,
        replies: Sequence[tuple[int, Reply]],
        *,
        origin: str | None = None,
        ephemeral: bool = False,
        once: bool = False,
    ) -> list[int | None]:
        """:meth:`to_person` for many people at once (a burst of due prompts): one read of
        where they are reached, one write of buttons, one of outbox rows. Each answer is the
        outbox id, or None as for :meth:`to_person`."""
        accounts = await self._people.reach_accounts(person_id for person_id, _ in replies)
        sending: list[tuple[int, Destination, Reply]] = []
        for n, (person_id, reply) in enumerate(replies):
            account = accounts.get(person_id)
            if account is None:
                continue
            destination = Destination(account.platform, "user", account.user_id)
            if once and origin is not None and self._outbox.waiting(destination, origin):
                continue
            sending.append((n, destination, reply))
        prepared = await self.prepare_many([(reply, replies[n][0]) for n, _, reply in sending])
        queued: list[int | None] = [None] * len(replies)
        # Stored and in-memory answers are queued apart, each kind in one write.
        for in_memory in (False, True):
            chosen = [
                (n, NewItem(destination, p.message, replies[n][0], origin))
                for (n, destination, _), p in zip(sending, prepared, strict=True)
                if (ephemeral or p.in_memory) is in_memory
            ]
            if chosen:
                ids = await self._outbox.enqueue_many(
                    [item for _, item in chosen], ephemeral=in_memory
                )
                for (n, _), new_id in zip(chosen, ids, strict=True):
                    queued[n] = new_id
        return queued

    async def to_destination(
        self,
        destination: Destination,
        reply: Reply,
        *,
        person_id: int | None = None,
        origin: str | None = None,
        ephemeral: bool = False,
    ) -> int:
        prepared = await self.prepare(reply, person_id)
        return await self._outbox.enqueue(
            destination,
            prepared.message,
            person_id=person_id,
            origin=origin,
            ephemeral=ephemeral or reply.in_memory,
        )

    async def reply(
        self,
        conversation: Conversation,
        actor: Actor,
        prepared: Sequence[Prepared],
        *,
        person_id: int | None,
        pressed_message_id: str | None = None,
    ) -> list[int]:
        """Queue answers to something a person did. A personal answer to a command used in a
        space goes to their private chat; ``replace`` edits the message a button was on.

        A private conversation is addressed as the person (``user``), the same destination
        ``to_person`` uses, so one private chat has one queue and one rate limit."""
        items = []
        you = Destination(actor.account.platform, "user", actor.account.user_id)
        here = (
            you
            if conversation.is_private
            else Destination(conversation.platform, "chat", conversation.chat_id)
        )
        for p in prepared:
            origin = None
            if p.privacy is Privacy.PERSONAL and not conversation.is_private:
                dest = you
                origin = f"{REDIRECTED_FROM}{here}"
            else:
                dest = here
            message = p.message
            if p.replace and pressed_message_id is not None and dest == here:
                message = OutgoingMessage(
                    message.text, message.buttons, None, Op.EDIT, pressed_message_id
                )
            items.append((NewItem(dest, message, person_id, origin), p.in_memory))
        # Queue in order, each run of in-memory answers apart from the stored ones.
        ids: list[int] = []
        for in_memory, run in itertools.groupby(items, key=lambda item: item[1]):
            batch = [item for item, _ in run]
            ids += await self._outbox.enqueue_many(batch, ephemeral=in_memory)
        return ids
