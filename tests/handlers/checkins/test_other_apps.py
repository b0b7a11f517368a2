"""Check-ins on Discord, on the console, and between a mentor on one app and a peer on the
other: propose, accept, the question at its time, an answer, share or keep. Through the real
discord.py and python-telegram-bot against both fakes; every request either fake recorded is
checked for what the peer kept to themselves."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from bot.core.model import Role
from tests.fakes import discord_model
from tests.fakes.discord_relay import say
from tests.fakes.telegram_world import BotMessage
from tests.handlers.checkins.apps import Apps, apps

KEPT, SHARED = "MARKER-kept-5521", "MARKER-shared-7730"


async def discord_peer_answers(
    a: Apps, peer: discord_model.User, mentor_id: int, peer_id: int
) -> None:
    """The peer (on Discord) answers two check-ins: the first kept, the second shared."""
    dm = a.dc.world.dm_for(peer)
    for note, choice in ((KEPT, "Keep it to myself"), (SHARED, None)):
        before = len(a.dms(peer))
        await a.fire(mentor_id, peer_id)
        question = await a.dm(peer, "How are you doing", after=before)
        answered = await a.dc.press(peer, question, "Struggling" if note == KEPT else "Okay")
        assert "type them now" in answered.text
        before = len(a.dms(peer))
        await say(a.dc, peer, dm, note)
        held = await a.dm(peer, "Share with", after=before)
        label = choice or next(b["label"] for b in held.buttons() if b["label"].startswith("Share"))
        done = await a.dc.press(peer, held, label)
        assert done.text


async def test_a_check_in_on_discord_from_proposal_to_a_shared_answer(tmp_path: Path) -> None:
    async with apps(tmp_path) as a:
        mentor, mentor_id = await a.discord("mo", "America/Toronto", Role.MENTOR)
        peer, peer_id = await a.discord("pat")
        nobody = await a.dc.slash(
            mentor, "checkin", subcommand="propose", options={"when": "weekly mon 10:00"}
        )
        assert "person" in nobody.text  # named plainly: who is missing
        proposed = await a.dc.slash(
            mentor,
            "checkin",
            subcommand="propose",
            options={"person": peer.id, "when": "weekly mon 10:00"},
        )
        # The peer's 10:00 as a Discord timestamp, which each viewer's app shows in their time.
        ten_in_vancouver = int(datetime(2026, 6, 1, 17, 0, tzinfo=UTC).timestamp())
        assert f"<t:{ten_in_vancouver}:" in proposed.text
        offer = await a.dm(peer, "Mondays at 10:00")
        assert {b["label"] for b in offer.buttons()} >= {"Accept", "Another time", "Decline"}
        assert await a.svc.ctx.repo.schedules.for_person(peer_id) == []  # nothing before accept
        await a.dc.press(peer, offer, "Accept")
        await a.dm(mentor, "accepted")
        mentor_before = len(a.dms(mentor))
        await discord_peer_answers(a, peer, mentor_id, peer_id)
        shared = await a.dm(mentor, SHARED, after=mentor_before)
        await a.settle()
        to_mentor = a.to_discord_user(mentor)
        mentor_after = len(a.dms(mentor))
    assert "doing okay" in shared.shown and "Reply" in {b["label"] for b in shared.buttons()}
    assert mentor_after == mentor_before + 1  # the shared answer, and nothing else
    assert KEPT not in to_mentor and "Struggling" not in to_mentor and "hard" not in to_mentor


async def test_a_check_in_with_the_console_by_member_number(tmp_path: Path) -> None:
    """The console proposes to a Discord peer by number; a Telegram mentor proposes to the
    console, which answers by typing the numbers of its choices."""
    async with apps(tmp_path) as a:
        me = await a.console_person()
        peer, peer_id = await a.discord("pat")
        proposed = await a.console.say(f"/checkin propose #{peer_id} daily 19:00")
        assert "19:00" in proposed
        offer = await a.dm(peer, "19:00")
        await a.dc.press(peer, offer, "Accept")
        await a.tg.wait_for(lambda: "accepted" in "".join(a.console.output))

        mentor, mentor_id = await a.telegram("Mentor Mo", "America/Toronto", Role.MENTOR)
        start = len(a.console.output)
        a.tg.say(mentor, f"/checkin propose #{me} weekly tue 09:00")
        await a.tg_said(mentor, "09:00")
        await a.tg.wait_for(lambda: "Accept" in a.console.printed_since(start))
        offer_text = a.console.printed_since(start)
        accept = _number(offer_text, "Accept")
        await a.console.say(accept)
        await a.tg_said(mentor, "accepted")
        for note, share in ((KEPT, False), (SHARED, True)):
            start = len(a.console.output)
            await a.fire(mentor_id, me)
            asked = await a.tg.wait_for(partial(_printed, a, start, "How are you doing"))
            mood = _number(asked, "Struggling" if not share else "Okay")
            thanks = await a.console.say(mood)
            assert "type them now" in thanks
            held = await a.console.say(note)
            label = "Share with" if share else "Keep it to myself"
            await a.console.say(_number(held, label))
        shared = await a.tg_said(mentor, SHARED)
        await a.settle()
        to_mentor = a.to_telegram_user(mentor)
    assert "doing okay" in shared.plain
    assert KEPT not in to_mentor and "Struggling" not in to_mentor


async def test_a_mentor_on_telegram_and_a_peer_on_discord(tmp_path: Path) -> None:
    async with apps(tmp_path) as a:
        mentor, mentor_id = await a.telegram("Mentor Mo", "America/Toronto", Role.MENTOR)
        peer, peer_id = await a.discord("pat")
        a.tg.say(mentor, f"/checkin propose #{peer_id} weekly mon 10:00")
        await a.tg_said(mentor, "13:00")
        offer = await a.dm(peer, "Mondays at 10:00")
        await a.dc.press(peer, offer, "Accept")
        await a.tg_said(mentor, "accepted")
        mentor_before = len(a.tg.messages_to(mentor.id))
        await discord_peer_answers(a, peer, mentor_id, peer_id)
        shared = await a.tg_said(mentor, SHARED, after=mentor_before)
        a.tg.press(mentor, shared, "Reply")
        await a.tg_said(mentor, "Type")
        a.tg.say(mentor, "thanks for telling me")
        passed = await a.dm(peer, "thanks for telling me")
        await a.settle()
        to_mentor = a.to_telegram_user(mentor)
        mentor_after = len(a.tg.messages_to(mentor.id))
    assert "doing okay" in shared.plain
    assert "Reply" in {b["label"] for b in passed.buttons()}
    assert mentor_after == mentor_before + 3  # the shared answer, "type", "sent"
    assert KEPT not in to_mentor and "Struggling" not in to_mentor


async def test_a_mentor_on_discord_and_a_peer_on_telegram(tmp_path: Path) -> None:
    async with apps(tmp_path) as a:
        mentor, mentor_id = await a.discord("mo", "America/Toronto", Role.MENTOR)
        peer, peer_id = await a.telegram("Peer Pat")
        await a.dc.slash(
            mentor,
            "checkin",
            subcommand="propose",
            options={"person_number": peer_id, "when": "weekly mon 10:00"},
        )
        offer = await a.tg_said(peer, "Mondays at 10:00")
        a.tg.press(peer, offer, "Accept")
        await a.dm(mentor, "accepted")
        mentor_before = len(a.dms(mentor))
        for note, share in ((KEPT, False), (SHARED, True)):
            start = len(a.tg.messages_to(peer.id))
            await a.fire(mentor_id, peer_id)
            question = await a.tg_said(peer, "How are you doing", after=start)
            a.tg.press(peer, question, "Struggling" if not share else "Okay")
            key = (peer.id, question.message_id)
            await a.tg.wait_for(
                partial(lambda k: "type them now" in a.tg.world.messages[k].plain, key)
            )
            start = len(a.tg.messages_to(peer.id))
            a.tg.say(peer, note)
            held = await a.tg_said(peer, "Keep it to myself", after=start)
            label = next(
                b["text"]
                for b in held.buttons
                if (b["text"].startswith("Share") if share else b["text"] == "Keep it to myself")
            )
            a.tg.press(peer, held, label)
        shared = await a.dm(mentor, SHARED, after=mentor_before)
        await a.settle()
        to_mentor = a.to_discord_user(mentor)
    assert "doing okay" in shared.shown and "Peer Pat" in shared.shown
    assert KEPT not in to_mentor and "Struggling" not in to_mentor


def _says(message: Callable[[], BotMessage | None], words: str) -> bool:
    found = message()
    return found is not None and words in found.plain


def _printed(a: Apps, start: int, words: str) -> str | None:
    printed = a.console.printed_since(start)
    return printed if words in printed else None


def _number(printed: str, label: str) -> str:
    """The number the console printed beside the choice ``label``."""
    found = re.findall(r"\[(\d+(?:\.\d+)?)\]\s+" + re.escape(label), printed)
    assert found, f"no choice {label!r} in:\n{printed}"
    return found[-1]
