"""What the outbox carries: a rendered, platform-neutral message and where it goes."""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Literal

from bot.core.model import AccountRef, Platform
from bot.core.replies import Attachment, ButtonStyle
from bot.core.richtext import RichText, Span, Style

DestinationKind = Literal["user", "chat"]


@dataclass(frozen=True, slots=True)
class Destination:
    """A person's private chat with the bot (``user``) or a group/channel (``chat``).
    Adapters resolve a ``user`` to whatever the platform needs (Discord opens a DM channel)."""

    platform: Platform
    kind: DestinationKind
    id: str

    def __str__(self) -> str:
        return f"{self.platform.value}:{self.kind}:{self.id}"

    @classmethod
    def parse(cls, text: str) -> Destination:
        platform, kind, ident = text.split(":", 2)
        if kind not in ("user", "chat"):
            raise ValueError(f"bad destination kind in {text!r}")
        return cls(Platform(platform), kind, ident)  # type: ignore[arg-type]


class Op(StrEnum):
    SEND = "send"
    EDIT = "edit"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class Button:
    """A rendered button: a token to route the press back, or a link."""

    label: str
    token: str | None = None
    url: str | None = None
    style: ButtonStyle = ButtonStyle.SECONDARY

    @property
    def custom_id(self) -> str:
        """What goes into Telegram callback data or a Discord custom id."""
        return f"pc:{self.token}"


@dataclass(frozen=True, slots=True)
class Relayed:
    """What someone wrote, relayed on their behalf (the bridge, debrief rooms). ``author`` is
    the name the conversation chose to show (a display name or a pseudonym); ``avatar_url`` only
    where a URL exists that holds no token. ``quote`` is the id, on the destination, of the
    message this answers when the platform cannot reply natively there (Discord webhooks): the
    adapter shows a short line with a link to it. Mention spans already name accounts on the
    destination's platform (the relay resolved them); any other mention is shown as text."""

    author: str
    text: RichText
    avatar_url: str | None = None
    quote: str | None = None

    def plain(self) -> str:
        """Name and words as plain text: the fallback every adapter can send, and what the
        outbox measures when merging."""
        return f"{self.author}: {self.text.text}" if self.text.text else self.author


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """Text in the markup subset, buttons in rows, an optional file. ``op`` EDIT and DELETE
    act on ``target_id``, a message the platform gave back earlier. ``coalesce`` lets the
    outbox merge it with the next plain messages to the same place when a burst backs up."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    attachment: Attachment | None = None
    op: Op = Op.SEND
    target_id: str | None = None
    reply_to: str | None = None
    coalesce: bool = False
    #: A relayed message (one, or several merged when a destination backed up). ``text`` then
    #: holds :meth:`Relayed.plain` for each, for adapters that render nothing richer.
    relayed: tuple[Relayed, ...] = ()
    #: EDIT and DELETE of a relayed message split into parts: every part's id, in order, so an
    #: edit can change each, add parts or remove the ones no longer needed.
    parts: tuple[str, ...] = ()
    #: The same on every attempt at sending this message, after a restart too (the outbox sets
    #: it from its queued rows): a platform that can refuse to create a second copy of one
    #: message uses it (Discord's nonce). Not stored; None outside the outbox.
    dedup_key: str | None = None

    def keyed(self, dedup_key: str) -> OutgoingMessage:
        """This message with its ``dedup_key`` set: what ``dataclasses.replace`` gives, built
        directly (replace looks every field up by name, several times the work, once for each
        message the outbox sends)."""
        return OutgoingMessage(
            self.text,
            self.buttons,
            self.attachment,
            self.op,
            self.target_id,
            self.reply_to,
            self.coalesce,
            self.relayed,
            self.parts,
            dedup_key,
        )

    def relayed_text(self, names: bool = True) -> RichText:
        """The relayed words as one text for an adapter to render, every merged message in
        order. With ``names``, each author's name in bold on its own line before their words
        (once for consecutive messages by the same author); without (a Discord webhook shows
        the one author's name itself), the words alone."""
        text, spans, previous = "", [], None
        for relayed in self.relayed:
            prefix = "\n" if text else ""
            start = len(text) + len(prefix)
            head = ""
            if names and relayed.author != previous:
                head = relayed.author + ("\n" if relayed.text.text else "")
                spans.append(Span(Style.BOLD, start, start + len(relayed.author)))
            previous = relayed.author
            body = start + len(head)
            spans += [
                replace(s, start=s.start + body, end=s.end + body) for s in relayed.text.spans
            ]
            text += prefix + head + relayed.text.text
        return RichText(text, tuple(spans))

    def to_json(self) -> str:
        buttons = self.buttons
        return _encode(
            {
                "text": self.text,
                "buttons": [
                    [[b.label, b.token, b.url, b.style.value] for b in row] for row in buttons
                ]
                if buttons
                else [],
                "op": self.op.value,
                "target_id": self.target_id,
                "reply_to": self.reply_to,
                "coalesce": self.coalesce,
                "relayed": [_relayed_json(r) for r in self.relayed] if self.relayed else [],
                "parts": list(self.parts),
                "attachment": None
                if self.attachment is None
                else [self.attachment.filename, self.attachment.mime_type],
            }
        )

    @classmethod
    def from_json(cls, body: str, attachment: bytes | None) -> OutgoingMessage:
        raw: dict[str, Any] = json.loads(body)
        att = None
        if raw.get("attachment"):
            name, mime = raw["attachment"]
            att = Attachment(name, attachment or b"", mime)
        return cls(
            text=raw["text"],
            buttons=tuple(
                tuple(Button(lbl, tok, url, ButtonStyle(style)) for lbl, tok, url, style in row)
                for row in raw["buttons"]
            ),
            attachment=att,
            op=Op(raw["op"]),
            target_id=raw.get("target_id"),
            reply_to=raw.get("reply_to"),
            coalesce=bool(raw.get("coalesce")),
            relayed=tuple(_relayed_from(r) for r in raw.get("relayed") or ()),
            parts=tuple(raw.get("parts") or ()),
        )


def merge(messages: Sequence[OutgoingMessage]) -> OutgoingMessage:
    """Consecutive messages to one place as one (the outbox merges a backed-up burst): their
    texts in order, and every relayed author with their words."""
    first = messages[0]
    if len(messages) == 1:
        return first
    return replace(
        first,
        text="\n".join(m.text for m in messages),
        relayed=tuple(r for m in messages for r in m.relayed),
    )


#: One encoder for every queued row (``json.dumps`` with options builds a new one each call).
_COMPACT = json.JSONEncoder(separators=(",", ":"))
#: Its C core, kept too: ``JSONEncoder.encode`` makes a new one for every call, more than half
#: of what encoding a short message cost, once for every message queued. No check for
#: circular references (``to_json`` builds a fresh tree of plain values, never circular); the
#: same text as ``_COMPACT.encode`` to the byte. None where the C core is missing (not
#: CPython): ``_COMPACT`` then.
_MAKE: Callable[..., Callable[[object, int], Iterable[str]]] | None = getattr(
    json.encoder, "c_make_encoder", None
)
_C_COMPACT = (
    None
    if _MAKE is None
    else _MAKE(
        None,
        _COMPACT.default,
        json.encoder.encode_basestring_ascii,
        None,
        ":",
        ",",
        False,
        False,
        True,
    )
)


def _encode(value: dict[str, Any]) -> str:
    if _C_COMPACT is None:
        return _COMPACT.encode(value)
    return "".join(_C_COMPACT(value, 0))


def _relayed_json(r: Relayed) -> dict[str, Any]:
    spans = [
        [
            s.style.value,
            s.start,
            s.end,
            s.url,
            s.language,
            None if s.account is None else str(s.account),
        ]
        for s in r.text.spans
    ]
    return {
        "author": r.author,
        "text": r.text.text,
        "spans": spans,
        "avatar": r.avatar_url,
        "quote": r.quote,
    }


def _relayed_from(raw: dict[str, Any]) -> Relayed:
    spans = tuple(
        Span(Style(style), start, end, url, language, AccountRef.parse(acc) if acc else None)
        for style, start, end, url, language, acc in raw.get("spans") or ()
    )
    return Relayed(raw["author"], RichText(raw["text"], spans), raw.get("avatar"), raw.get("quote"))
