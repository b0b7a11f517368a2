"""Other people on the console: the console itself is one person (the local steward), so tests
that need a newcomer talk to the real dispatcher as another account, the way an adapter does,
and read the neutral answers it returns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core import markup
from bot.core.events import Actor, ButtonEvent, CommandEvent, Conversation
from bot.core.model import AccountRef, Platform
from bot.messenger import Prepared
from bot.service import Service

CODE = re.compile(r"\b[A-Z2-9]{5}-[A-Z2-9]{5}\b")


def code_in(text: str) -> str:
    found = CODE.search(text)
    assert found, f"no code in: {text}"
    return found.group(0)


@dataclass
class Guest:
    svc: Service
    user_id: str
    platform: Platform = Platform.CONSOLE
    last: list[Prepared] = field(default_factory=list)

    @property
    def account(self) -> AccountRef:
        return AccountRef(self.platform, self.user_id)

    @property
    def actor(self) -> Actor:
        return Actor(self.account, "guest")

    def _where(self, space: str | None) -> Conversation:
        if space is None:
            return Conversation(self.platform, self.user_id, is_private=True)
        return Conversation(self.platform, space, is_private=False)

    async def say(self, line: str, space: str | None = None) -> str:
        name, _, rest = line.removeprefix("/").partition(" ")
        event = CommandEvent(self.actor, self._where(space), name, raw=rest)
        self.last = await self.svc.dispatcher.command(event)
        return self.text

    async def press(self, label: str) -> str:
        for prepared in self.last:
            for row in prepared.message.buttons:
                for button in row:
                    if button.label == label and button.token:
                        event = ButtonEvent(self.actor, self._where(None), button.token)
                        self.last = await self.svc.dispatcher.button(event)
                        return self.text
        raise AssertionError(f"no button {label!r} in: {self.text}")

    @property
    def text(self) -> str:
        return "\n".join(markup.render(p.message.text, markup.render_plain) for p in self.last)

    @property
    def labels(self) -> list[str]:
        return [b.label for p in self.last for row in p.message.buttons for b in row]
