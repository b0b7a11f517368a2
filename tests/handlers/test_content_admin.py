"""/reload: stewards load edited content live; broken files change nothing and are named."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.core.events import Actor, CommandEvent, Conversation
from bot.core.model import AccountRef, Platform, Role
from tests.directory.fixtures import NEW_RESOURCE, RESOURCES, content_dir
from tests.helpers import console_service, make_settings


async def test_reload_keeps_the_last_good_content_and_names_the_problem(tmp_path: Path) -> None:
    folder = content_dir(tmp_path)
    async with console_service(make_settings(tmp_path, content_dir=folder)) as (_, console):
        broken = RESOURCES.replace("topics: [grief]", "topics: [greif]", 1)
        (folder / "resources.yaml").write_text(broken + NEW_RESOURCE, "utf-8")
        refused = await console.say("/reload")
        old = await console.say("/resources grief region:north")
        new_missing = await console.say("/resources burnout")
        (folder / "resources.yaml").write_text(RESOURCES + NEW_RESOURCE, "utf-8")
        done = await console.say("/reload")
        new_found = await console.say("/resources burnout")
    line = 1 + broken.splitlines().index("    topics: [greif]")
    assert "I kept the content as it was: the new files have 1 problem(s)" in refused
    assert f"resources.yaml:{line} — entry resources[2] \"grief-north\" — field 'topics'" in refused
    assert "greif" in refused and "Nothing changed for anyone meanwhile" in refused
    assert "Northern grief circle" in old  # the last good content still answers
    assert "Burnout circle" not in new_missing
    assert "Reloaded. Now there are 14 resources" in done
    assert "Burnout circle for peers" in new_found  # the index was rebuilt


async def test_reload_is_for_stewards_only(tmp_path: Path) -> None:
    folder = content_dir(tmp_path)
    async with console_service(make_settings(tmp_path, content_dir=folder)) as (svc, _):
        account = AccountRef(Platform.CONSOLE, "peer")
        now = datetime(2026, 1, 1, tzinfo=UTC)
        await svc.ctx.repo.people.create(account, (Role.PEER,), now)
        where = Conversation(Platform.CONSOLE, "peer", is_private=True)
        (reply,) = await svc.dispatcher.command(CommandEvent(Actor(account), where, "reload"))
    assert "I don't know /reload" in reply.message.text
