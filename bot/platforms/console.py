"""The console: a terminal chat with the bot, and the embedded default.

With no tokens set, ``python -m bot`` runs the whole service here on the local database, so
anyone can try every command on a fresh machine. It reads standard input line by line (typed
or piped), prints replies with choices as numbered options (type the number to press one of
the newest message's; an older message's stay reachable as ``MESSAGE.CHOICE``, e.g. ``4.2``),
and prints scheduled messages whenever they arrive. ``:space`` pretends you are typing in a
peer space, ``:private`` returns to your private chat, ``:quit`` leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import re
import sys
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from bot.core import markup
from bot.core.dispatch import Dispatcher
from bot.core.errors import describe_without_text, incident_code
from bot.core.events import Actor, ButtonEvent, CommandEvent, Conversation, TextEvent
from bot.core.model import AccountRef, Platform
from bot.messenger import Prepared
from bot.outbox import Button, Destination, Limit, Op, OutgoingMessage, PermanentFailure
from bot.platforms.console_spaces import ConsoleSpaces

log = logging.getLogger(__name__)

#: The longest line the console reads, as long as Telegram's longest message (4,096).
MAX_LINE = 4096
NOTE_CUT = "(that line was {length:,} characters long; I read the first {kept:,})\n\n"
NOTE_FAILED = "(that did not work; if it keeps happening, tell a steward: code {code})\n\n"

CONSOLE_ACCOUNT = AccountRef(Platform.CONSOLE, "local")
PRIVATE = Conversation(Platform.CONSOLE, "local", is_private=True)
SPACE = Conversation(Platform.CONSOLE, "space", is_private=False)

#: How many earlier messages keep their choices reachable by ``MESSAGE.CHOICE``.
KEPT_CHOICES = 20
_OLDER_CHOICE = re.compile(r"^(\d+)[.:](\d+)$")


async def stdin_lines() -> AsyncIterator[str]:
    """Lines from standard input, read on a daemon thread so scheduled messages can print
    while a person is typing, and so piped or redirected input works the same."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read, name="console-stdin", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line


class ConsolePlatform:
    platform = Platform.CONSOLE
    max_text = 4000
    global_limit: Limit | None = None

    def __init__(
        self,
        lines: AsyncIterator[str],
        write: Callable[[str], None],
        *,
        files_dir: Path = Path("data/console-files"),
        display_name: str = "you",
        on_handled: Callable[[], None] | None = None,
    ) -> None:
        self._lines = lines
        self._write = write
        self._files_dir = files_dir
        self._actor = Actor(CONSOLE_ACCOUNT, display_name)
        self._conversation = PRIVATE
        #: Choices of recent messages by message number, newest last.
        self._choices: dict[str, list[Button]] = {}
        self._ids = itertools.count(1)
        self._task: asyncio.Task[None] | None = None
        self._on_handled = on_handled
        self.finished = asyncio.Event()
        self.spaces = ConsoleSpaces((SPACE.chat_id,))

    def limit_for(self, destination: Destination) -> Limit | None:
        return None

    # -- output -----------------------------------------------------------------------------

    async def deliver(self, destination: Destination, message: OutgoingMessage) -> list[str]:
        if message.op is Op.DELETE:
            return []
        lines = []
        if destination.kind == "chat" and destination.id == SPACE.chat_id:
            lines.append("(in the space)")
        if message.op is Op.EDIT:
            lines.append("(updated)")
        lines.append(markup.render(message.text, markup.render_plain))
        message_id = str(next(self._ids))
        if message.buttons:
            choices = [b for row in message.buttons for b in row]
            self._choices[message_id] = choices
            while len(self._choices) > KEPT_CHOICES:
                del self._choices[next(iter(self._choices))]
            options = []
            for n, button in enumerate(choices, start=1):
                shown = f"[{n}] {button.label}"
                if button.url:
                    shown += f" → {button.url}"
                options.append(shown)
            options.append(f"(message {message_id})")
            lines.append("  " + "   ".join(options))
        if message.attachment is not None:
            self._files_dir.mkdir(parents=True, exist_ok=True)
            path = self._files_dir / Path(message.attachment.filename).name
            path.write_bytes(message.attachment.data)
            lines.append(f"(file saved: {path})")
        try:
            self._write("\n".join(lines) + "\n\n")
        except OSError:  # the terminal or pipe we print to has closed: nobody can read on
            self.finished.set()
            raise PermanentFailure("the console's output is closed") from None
        return [message_id]

    # -- input ------------------------------------------------------------------------------

    async def start(self, dispatcher: Dispatcher) -> None:
        self._task = asyncio.create_task(self._read(dispatcher), name="console-input")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _read(self, dispatcher: Dispatcher) -> None:
        try:
            async for raw in self._lines:
                line = raw.strip()
                if not line:
                    continue
                if line in (":quit", ":q", "/quit"):
                    break
                if len(line) > MAX_LINE:
                    # Nothing a person types needs more; a pasted file must not stall the bot.
                    self._write(NOTE_CUT.format(length=len(line), kept=MAX_LINE))
                    line = line[:MAX_LINE]
                try:
                    await self._handle(dispatcher, line)
                except Exception as exc:  # one line failing never ends the console
                    code = incident_code()
                    log.error(
                        "incident %s: console line failed\n%s", code, describe_without_text(exc)
                    )
                    self._write(NOTE_FAILED.format(code=code))
                if self._on_handled is not None:
                    self._on_handled()
        finally:
            self.finished.set()

    def _picked(self, line: str) -> tuple[str, Button] | str | None:
        """The button a typed number presses: ``2`` is the newest message's second choice,
        ``4.2`` message 4's. A note to print instead when the number fits nothing; None when
        the line is not a choice at all."""
        older = _OLDER_CHOICE.match(line)
        if older is not None:
            message_id, number = older.group(1), int(older.group(2))
            if message_id not in self._choices:
                return f"(message {message_id} has no choices I can still press)\n\n"
        elif line.isdigit() and self._choices:
            message_id, number = next(reversed(self._choices)), int(line)
        else:
            return None
        choices = self._choices[message_id]
        if not 1 <= number <= len(choices):
            return f"(message {message_id}: choose a number from 1 to {len(choices)})\n\n"
        button = choices[number - 1]
        if button.url:
            return f"(open {button.url} in your browser)\n\n"
        return message_id, button

    async def _handle(self, dispatcher: Dispatcher, line: str) -> None:
        if line == ":space":
            self._conversation = SPACE
            self._write("(you are now typing in a peer space; :private to go back)\n\n")
            return
        if line == ":private":
            self._conversation = PRIVATE
            self._write("(you are back in your private chat with the bot)\n\n")
            return
        prepared: list[Prepared]
        pressed: str | None = None
        picked = self._picked(line)
        if picked is not None:
            if isinstance(picked, str):
                self._write(picked)
                return
            pressed, button = picked
            assert button.token is not None
            prepared = await dispatcher.button(
                ButtonEvent(self._actor, self._conversation, button.token)
            )
        elif line.startswith("/"):
            name, _, rest = line[1:].partition(" ")
            prepared = await dispatcher.command(
                CommandEvent(self._actor, self._conversation, name, raw=rest)
            )
        else:
            prepared = await dispatcher.text(TextEvent(self._actor, self._conversation, line))
        person = await dispatcher.ctx.repo.people.by_account(self._actor.account)
        ids = await dispatcher.ctx.messenger.reply(
            self._conversation,
            self._actor,
            prepared,
            person_id=person.id if person else None,
            pressed_message_id=pressed,
        )
        # Print each answer before reading the next line; if one cannot be delivered in time,
        # carry on reading rather than stop.
        with contextlib.suppress(TimeoutError):
            await dispatcher.ctx.outbox.settled(ids, timeout=30)
