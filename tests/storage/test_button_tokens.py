"""Button tokens cannot be worked out from outside, and buttons keep working after a restart.

Regression: a token was an unkeyed hash of action, payload and person, so anyone who read the
code could compute the token of a button they were never sent (say, a steward's "remove #12")
and press it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from bot.core.events import Actor, ButtonEvent, CommandEvent
from bot.core.model import Platform
from bot.outbox.message import Destination, OutgoingMessage
from bot.platforms.console import CONSOLE_ACCOUNT, PRIVATE
from bot.storage.buttons import ButtonRepository
from bot.storage.database import Database, is_disk_full
from bot.storage.outbox import NewItem, OutboxRepository
from tests.helpers import console_service, make_settings
from tests.storage.test_database import NOW

ME = Actor(CONSOLE_ACCOUNT, "you")


def _unkeyed(action: str, payload: dict[str, object], person_id: int | None) -> str:
    """The old, predictable way a token was made."""
    blob = json.dumps([action, payload, person_id], sort_keys=True, separators=(",", ":"))
    return base64.b32encode(hashlib.sha256(blob.encode()).digest()).decode()[:12].lower()


async def test_a_button_token_cannot_be_computed_from_what_it_does(tmp_path: Path) -> None:
    payload = {"person": 12}
    tokens = []
    for name in ("one", "two"):  # two networks, each with its own database
        db = await Database.open(tmp_path / f"{name}.sqlite3")
        try:
            buttons = ButtonRepository(db)
            token = await buttons.mint("membership.remove", payload, None, NOW)
            assert await buttons.lookup(token, NOW) is not None
            forged = _unkeyed("membership.remove", payload, None)
            assert token != forged and await buttons.lookup(forged, NOW) is None
            tokens.append(token)
        finally:
            await db.close()
    assert tokens[0] != tokens[1]  # each database has its own key


async def test_a_button_keeps_working_and_its_token_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = await Database.open(path)
    try:
        first = await ButtonRepository(db).mint("crisis.group", {"group": "indigenous"}, None, NOW)
    finally:
        await db.close()
    db = await Database.open(path)
    try:
        buttons = ButtonRepository(db)
        stored = await buttons.lookup(first, NOW)
        again = await buttons.mint("crisis.group", {"group": "indigenous"}, None, NOW)
        count = await db.fetchone("SELECT COUNT(*) FROM buttons")
    finally:
        await db.close()
    assert stored is not None and stored.payload == {"group": "indigenous"}
    assert again == first and count is not None and count[0] == 1  # still one row


async def test_a_crisis_button_sent_before_a_restart_still_answers_after(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    async with console_service(settings) as (svc, _):
        [crisis] = await svc.dispatcher.command(CommandEvent(ME, PRIVATE, "crisis"))
        token = next(b.token for row in crisis.message.buttons for b in row if b.token)
    async with console_service(settings) as (svc, _):
        [answer] = await svc.dispatcher.button(ButtonEvent(ME, PRIVATE, token))
    assert "expired" not in answer.message.text
    assert answer.message.text != crisis.message.text and answer.message.buttons


async def test_a_button_written_while_someone_is_erased_keeps_working(tmp_path: Path) -> None:
    """A steward's "remove #12" button written while #12 is erased: the erasure deletes the
    row just written, so the next listing must write it again rather than trust its memo of
    rows already on disk (the button would say it expired)."""
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        buttons = ButtonRepository(db)
        await buttons.mint("crisis.group", {"group": "all"}, None, NOW)  # the key is made
        await asyncio.gather(
            buttons.mint("membership.remove", {"person": 12}, None, NOW), buttons.erase_person(12)
        )
        token = await buttons.mint("membership.remove", {"person": 12}, None, NOW)
        assert await buttons.lookup(token, NOW) is not None
    finally:
        await db.close()


async def test_a_button_written_in_a_batch_that_rolls_back_keeps_working(tmp_path: Path) -> None:
    """A burst of due schedules writes its buttons inside one transaction; when that fails,
    its rows are gone, so the next answer with the same button must write it again rather
    than trust its memo of rows already on disk (the button would say it expired)."""
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        buttons = ButtonRepository(db)
        await buttons.mint("crisis.group", {"group": "all"}, None, NOW)  # the key is made
        try:
            async with db.batch():
                await buttons.mint("checkin.answer", {"mood": "ok"}, None, NOW)
                raise RuntimeError("the burst fails")
        except RuntimeError:
            pass
        token = await buttons.mint("checkin.answer", {"mood": "ok"}, None, NOW)
        pressed = await buttons.lookup(token, NOW)
        assert pressed is not None and pressed.payload == {"mood": "ok"}
    finally:
        await db.close()


async def test_a_button_written_before_the_disk_filled_in_a_batch_keeps_working(
    tmp_path: Path,
) -> None:
    """A full disk met while a burst queues its prompts: the outbox sends them from memory
    (``Outbox.enqueue_many``), and SQLite may have undone the whole transaction, the rows of
    the buttons minted before it included. Those buttons must be written again by the next
    answer that mints them, not trusted as on disk, or a person's "Pause" would say it
    expired. The disk fills for real (SQLite's own limit on the file's pages), under a one-row
    INSERT, which SQLite answers by undoing the whole transaction. (Several rows in one
    statement are undone alone here: tests/storage/test_batch.py covers that path.)"""
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        buttons = ButtonRepository(db)
        outbox = OutboxRepository(db)
        await buttons.mint("crisis.group", {"group": "all"}, None, NOW)  # the key is made
        big = OutgoingMessage("x" * 200_000)  # more than the room left
        items = [NewItem(Destination(Platform.CONSOLE, "user", "1"), big)]
        with pytest.raises(sqlite3.OperationalError):  # the batch's commit finds nothing to commit
            async with db.batch():
                await buttons.mint("selfcare.pause", {"days": 7}, None, NOW)
                row = await db.fetchone("PRAGMA page_count")
                assert row is not None
                await db.fetchall(f"PRAGMA max_page_count = {int(row[0]) + 2}")
                with pytest.raises(sqlite3.OperationalError) as full:
                    await outbox.add_many(items, NOW)
                assert is_disk_full(full.value)  # what enqueue_many sends from memory on
                await db.fetchall("PRAGMA max_page_count = 1073741823")
                token = await buttons.mint("selfcare.pause", {"days": 7}, None, NOW)
        pressed = await buttons.lookup(token, NOW)
        assert pressed is not None and pressed.payload == {"days": 7}
    finally:
        await db.close()
