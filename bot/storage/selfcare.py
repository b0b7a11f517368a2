"""Self-care prompts: the little the bot keeps so prompts rotate, and what people saved.

Rotation needs to know which prompt ids an audience (a person, or a space) has seen in the
current round of a theme; the round is cleared when every prompt of the theme has been seen.
Saving is the only thing that follows a person's tap, and it keeps just the prompt id. There
is deliberately no table for reactions ("not now", exercises tried): they are never recorded.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.storage.database import Database


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a prompt is for: one person, or one space (its destination string)."""

    person_id: int | None = None
    space: str | None = None

    def __post_init__(self) -> None:
        if (self.person_id is None) == (self.space is None):
            raise ValueError("an audience is either a person or a space")

    @property
    def column(self) -> str:
        return "person_id" if self.person_id is not None else "space"

    @property
    def key(self) -> int | str:
        return self.person_id if self.person_id is not None else str(self.space)


@dataclass(frozen=True, slots=True)
class RoundChange:
    """How one audience's round of one theme moved on: ``restarted`` clears it first, then
    ``added`` are marked seen, in order (so the oldest stays first)."""

    audience: Audience
    theme: str
    restarted: bool
    added: tuple[str, ...]


class SelfcareRepository:
    holds = ("selfcare_seen", "selfcare_saved")

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- rotation ---------------------------------------------------------------------------

    async def seen(self, audience: Audience, theme: str) -> list[str]:
        """Prompt ids seen in the current round of a theme, oldest first."""
        return (await self.seen_many([audience])).get(audience, {}).get(theme, [])

    async def seen_many(
        self, audiences: Iterable[Audience]
    ) -> dict[Audience, dict[str, list[str]]]:
        """Every theme's current round for each audience (theme -> prompt ids, oldest
        first), in one read per kind of audience: a burst of due prompts reads them all
        at once."""
        wanted = set(audiences)
        found: dict[Audience, dict[str, list[str]]] = {}
        for column in ("person_id", "space"):
            keys = sorted({str(a.key) for a in wanted if a.column == column})
            if not keys:
                continue
            rows = await self.db.fetchall(
                f"SELECT {column} AS who, theme, prompt_id FROM selfcare_seen"
                f" WHERE {column} IN (SELECT value FROM json_each(?)) ORDER BY rowid",
                (json.dumps([int(k) for k in keys] if column == "person_id" else keys),),
            )
            for r in rows:
                who = r["who"]
                audience = Audience(person_id=who) if column == "person_id" else Audience(space=who)
                found.setdefault(audience, {}).setdefault(r["theme"], []).append(r["prompt_id"])
        return found

    async def mark_seen(self, audience: Audience, theme: str, prompt_id: str) -> None:
        await self.save_rounds([RoundChange(audience, theme, restarted=False, added=(prompt_id,))])

    async def new_round(self, audience: Audience, theme: str, keep: str | None) -> None:
        """Start a theme over. ``keep`` (the prompt shown last) stays marked as seen, so a
        new round never opens with the prompt that closed the old one."""
        kept = (keep,) if keep is not None else ()
        await self.save_rounds([RoundChange(audience, theme, restarted=True, added=kept)])

    async def save_rounds(self, changes: Sequence[RoundChange]) -> None:
        """Several audiences' rounds moved on, in one transaction (a burst of due prompts)."""
        if not changes:
            return
        async with self.db.begin() as conn:
            for column in ("person_id", "space"):
                mine = [c for c in changes if c.audience.column == column]
                cleared = [(c.audience.key, c.theme) for c in mine if c.restarted]
                if cleared:
                    await conn.executemany(
                        f"DELETE FROM selfcare_seen WHERE {column} = ? AND theme = ?", cleared
                    )
                added = [(c.audience.key, c.theme, p) for c in mine for p in c.added]
                if added:
                    await conn.executemany(
                        f"INSERT OR IGNORE INTO selfcare_seen({column}, theme, prompt_id)"
                        " VALUES (?, ?, ?)",
                        added,
                    )

    async def move_space(self, old: str, new: str) -> None:
        """A group moved to a new id: its rotation goes with it."""
        await self.db.execute("UPDATE selfcare_seen SET space = ? WHERE space = ?", (new, old))

    async def forget_space(self, space: str) -> None:
        """A space stopped getting prompts: its rotation is not needed any more."""
        await self.db.execute("DELETE FROM selfcare_seen WHERE space = ?", (space,))

    # -- saved for later --------------------------------------------------------------------

    async def saved(self, person_id: int) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT prompt_id FROM selfcare_saved WHERE person_id = ? ORDER BY rowid",
            (person_id,),
        )
        return [r["prompt_id"] for r in rows]

    async def save(self, person_id: int, prompt_id: str) -> bool:
        """Save a prompt; False if it was already saved."""
        touched = await self.db.execute_rowcount(
            "INSERT OR IGNORE INTO selfcare_saved(person_id, prompt_id) VALUES (?, ?)",
            (person_id, prompt_id),
        )
        return touched > 0

    async def unsave(self, person_id: int, prompt_id: str) -> None:
        await self.db.execute(
            "DELETE FROM selfcare_saved WHERE person_id = ? AND prompt_id = ?",
            (person_id, prompt_id),
        )

    # -- personal data ----------------------------------------------------------------------

    async def export_person(self, person_id: int) -> dict[str, Any]:
        rows = await self.db.fetchall(
            "SELECT theme, prompt_id FROM selfcare_seen WHERE person_id = ? ORDER BY rowid",
            (person_id,),
        )
        seen: dict[str, list[str]] = {}
        for r in rows:
            seen.setdefault(r["theme"], []).append(r["prompt_id"])
        return {
            "selfcare_prompts_saved": await self.saved(person_id),
            "selfcare_prompts_seen_this_round": seen,
        }

    async def erase_person(self, person_id: int) -> None:
        await self.db.transaction(
            [
                ("DELETE FROM selfcare_seen WHERE person_id = ?", (person_id,)),
                ("DELETE FROM selfcare_saved WHERE person_id = ?", (person_id,)),
            ]
        )
