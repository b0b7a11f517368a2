"""DESIGN rule 3 for membership: /privacy says what is kept, /mydata hands over everything held
about a person and nothing about anyone else, /forgetme leaves no row that refers to them."""

from __future__ import annotations

import json
from typing import Any

from bot.config import Settings
from bot.content.sources import PRIVACY
from bot.core.events import MemberPosted
from bot.service import Service
from tests.handlers.guests import Guest, code_in
from tests.helpers import ConsoleDriver, console_service

UNIQUE = "forget-me-7f3a"


async def member(svc: Service, console: ConsoleDriver, user_id: str, role: str = "") -> Guest:
    guest = Guest(svc, user_id)
    await guest.say(f"/join {code_in(await console.say(f'/invite {role}'.strip()))}")
    await guest.press("I agree")
    return guest


async def test_privacy_is_plain_words_for_anyone(settings: Settings) -> None:
    async with console_service(settings) as (svc, _):
        stranger = Guest(svc, "stranger")
        said = await stranger.say("/privacy")
        expected = svc.ctx.content[PRIVACY]
    assert said.startswith("What I keep, and who can see it")
    assert "I never keep a copy of what anyone writes" in said
    assert "Stewards: /members shows member numbers" in expected


async def test_mydata_holds_what_every_part_exports_and_nobody_else(settings: Settings) -> None:
    async with console_service(settings) as (svc, console):
        await console.say(":space")
        await console.say("/space add")
        await console.say(":private")
        ana = await member(svc, console, "ana-111", "mentor")
        bo = await member(svc, console, "bo-222")
        await ana.say("/settings timezone Toronto")
        await bo.say("/settings timezone Halifax")
        await ana.say("/invite")
        await svc.dispatcher.space_event(MemberPosted("space", ana.account))
        await svc.dispatcher.space_event(MemberPosted("space", bo.account))
        readable = await ana.say("/mydata")
        [prepared] = ana.last
        person = await svc.ctx.repo.people.by_account(ana.account)
        assert person is not None and prepared.message.attachment is not None
        exported: dict[str, Any] = {"member_number": person.id}
        for part in svc.ctx.personal_data:
            exported.update(await part.export_person(person.id))
    data = json.loads(prepared.message.attachment.data)
    assert data == json.loads(json.dumps(exported, default=str))
    assert data["accounts"] == ["console:ana-111"] and data["timezone"] == "America/Toronto"
    assert data["roles"] == ["mentor", "peer"]
    assert [i["role"] for i in data["invitations_you_issued"]] == ["peer"]
    assert data["peer_spaces_you_were_seen_in"] == ["the console space"]
    blob = prepared.message.attachment.data.decode()
    assert "bo-222" not in blob and "Halifax" not in blob
    assert "timezone: America/Toronto" in readable and "bo-222" not in readable


async def test_forgetme_asks_first_and_then_leaves_no_row_about_them(settings: Settings) -> None:
    async with console_service(settings) as (svc, console):
        await console.say(":space")
        await console.say("/space add")
        await console.say(":private")
        gone = await member(svc, console, UNIQUE, "mentor")
        await gone.say("/settings timezone Toronto")
        await gone.say("/settings quiet 22:00-07:00")
        await gone.say("/digest on")
        await gone.say("/invite")
        await gone.say("/link")
        await svc.dispatcher.space_event(MemberPosted("space", gone.account))
        person = await svc.ctx.repo.people.by_account(gone.account)
        assert person is not None
        await console.say(f"/members {person.id}")  # a steward's buttons that name them
        before = {row.split(".")[0] for row in await rows_naming(svc, person.id, UNIQUE)}
        await gone.say("/forgetme")
        kept = await gone.press("Keep it")
        still = await svc.ctx.repo.people.by_account(gone.account)
        await gone.say("/forgetme")
        erased = await gone.press("Erase everything")
        await svc.ctx.outbox.drain(timeout=5)
        leftovers = await rows_naming(svc, person.id, UNIQUE)
        inside = svc.ctx.platforms[gone.platform].spaces.inside["space"]  # type: ignore[attr-defined]
        after = await gone.say("/mydata")
    assert before >= {
        "people",
        "accounts",
        "roles",
        "codes",
        "space_presence",
        "digests",
        "schedules",
        "buttons",
    }
    assert "nothing was erased" in kept and still is not None
    assert "Everything I held about you is erased." in erased
    assert "Taken out of: the console space (Console)." in erased
    assert leftovers == []
    assert UNIQUE not in inside
    assert "I don't hold anything about you." in after


async def rows_naming(svc: Service, person_id: int, user_id: str) -> list[str]:
    """Every row, in every table, that refers to the person: by a column that holds a person
    id, a button payload naming them, or their account id anywhere."""
    db = svc.ctx.repo.db
    found = []
    for table in await db.tables():
        columns = await db.fetchall(f"PRAGMA table_info({table})")
        fks = {
            fk["from"]
            for fk in await db.fetchall(f"PRAGMA foreign_key_list({table})")
            if fk["table"] == "people"
        }
        people = {c["name"] for c in columns if c["name"].endswith("person_id")} | fks
        if table == "people":
            people.add("id")
        names = [c["name"] for c in columns]
        for row in await db.fetchall(f"SELECT * FROM {table}"):
            for name in names:
                value = row[name]
                if name in people and value == person_id:
                    found.append(f"{table}.{name}")
                elif isinstance(value, bytes | str) and user_id in str(value):
                    found.append(f"{table}.{name} mentions the account")
                elif name == "payload" and json.loads(value).get("person") == person_id:
                    found.append(f"{table}.payload names them")
    return found
