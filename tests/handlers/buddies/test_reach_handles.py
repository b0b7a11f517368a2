"""The introduction's way to reach a buddy, through the real libraries and both fakes: a
Telegram @username when the person set one (read with getChat each time, never kept), a
Discord mention (a Telegram reader sees their @name), else "Say hi", which the bot relays."""

from __future__ import annotations

from pathlib import Path

from handlers.buddies.common import NETWORK, ROUND_KIND
from tests.handlers.checkins.apps import Apps, apps


async def round_now(a: Apps, *people: int) -> None:
    """Everyone named joins the buddy rounds; the next round runs as its timer would."""
    for person_id in people:
        await a.svc.ctx.repo.buddies.join(person_id, None, [], a.clock.now())
    first = a.tg.world.users[min(a.tg.world.users)]
    a.tg.say(first, "/buddy join")  # a command, which starts the rounds
    await a.tg_said(first, "You're in the buddy rounds")
    (row,) = await a.svc.ctx.repo.schedules.for_target(NETWORK, ROUND_KIND)
    due = a.svc.ctx.scheduler.following(row.id, row.last_fired_at)
    assert due is not None
    a.clock.set(due)
    assert await a.svc.ctx.scheduler.fire(row.id)


async def test_a_telegram_username_and_a_discord_mention(tmp_path: Path) -> None:
    async with apps(tmp_path) as a:
        pat, pat_id = await a.telegram("Pat")
        pat.username = "pat_peer"
        dee, dee_id = await a.discord("dee")
        await round_now(a, dee_id)  # Pat joins by command
        to_pat = await a.tg_said(pat, "Meet your buddy")
        to_dee = await a.dm(dee, "Meet your buddy")
        await a.settle()
        await a.svc.ctx.repo.db.scrub()
        asked = [c for c in a.tg.calls if c.method.lower() == "getchat"]
        db = a.svc.ctx.settings.database_path
    # On Telegram, the Discord buddy by their Discord name; on Discord, Pat's @username.
    assert f"member #{dee_id} is on Discord as dee." in to_pat.plain
    assert "@dee" not in to_pat.plain  # Telegram would link "@dee" to a stranger's account
    assert f"member #{pat_id} is on Telegram as @" in to_dee.shown and "pat_peer" in to_dee.shown
    assert "@\u200b" in to_dee.content  # shown as written, and it can ping no one
    assert any(c.params.get("chat_id") == pat.id for c in asked)
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        if path.exists():
            assert b"pat_peer" not in path.read_bytes()  # asked each time, never kept


async def test_a_mention_between_discord_users_and_say_hi_without_a_username(
    tmp_path: Path,
) -> None:
    async with apps(tmp_path) as a:
        bo, bo_id = await a.telegram("Bo")  # no username set
        dee, dee_id = await a.discord("dee")
        eve, eve_id = await a.discord("eve")
        await round_now(a, dee_id, eve_id)  # three people: one group of three
        to_bo = await a.tg_said(bo, "Meet your buddies")
        to_dee = await a.dm(dee, "Meet your buddies")
        await a.settle()
    assert f"<@{eve.id}>" in to_dee.content  # a real mention: Discord shows eve, a tap away
    assert f"member #{bo_id} is on Telegram: use Say hi below" in to_dee.shown
    assert "on Discord as dee" in to_bo.plain and "on Discord as eve" in to_bo.plain
    assert {b["label"] for b in to_dee.buttons()} == {
        f"Say hi to member #{bo_id}",
        f"Say hi to member #{eve_id}",
    }
