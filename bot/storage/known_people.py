"""Who each platform account is, remembered between commands.

Why: every command, button and message starts by looking up who sent it (their roles decide
what they may do). Through the database that is a trip to aiosqlite's thread and back, which on
a busy machine costs a thread wake-up each way: most of a ``/resources`` answer's wait at 10,000
members, and what a ``/crisis`` typed during a burst of scheduled prompts queues behind. The
answer changes only when a person is written, and every such write goes through
:class:`~bot.storage.people.PeopleRepository` (a test holds every other file to that), which
forgets everything remembered here at each write and at any rolled-back transaction. So this is
never a second copy of membership rules: only what the database said, until it may differ.

Accounts that are nobody (someone not a member yet, typing ``/crisis``) are remembered too.
Only ids, roles and settings the database holds anyway; nothing is written anywhere, and an
erased person is forgotten here by the same write that erases them.
"""

from __future__ import annotations

from bot.core.model import AccountRef, Person

#: How many accounts are remembered at most (about 100 bytes each); the oldest go first.
MOST = 50_000


class KnownPeople:
    """Account → the person the database said it is (or None), until a write may change it."""

    def __init__(self, most: int = MOST) -> None:
        self._most = most
        self._known: dict[AccountRef, Person | None] = {}
        self._version = 0

    def get(self, account: AccountRef) -> tuple[bool, Person | None]:
        """(True, who) if remembered, else (False, None)."""
        if account in self._known:
            return True, self._known[account]
        return False, None

    @property
    def version(self) -> int:
        """Taken before a read of the database; ``keep`` refuses the read's answer if any
        write (or a rollback) happened while it was under way."""
        return self._version

    def keep(self, version: int, account: AccountRef, person: Person | None) -> None:
        if version != self._version:
            return
        if len(self._known) >= self._most:
            del self._known[next(iter(self._known))]
        self._known[account] = person

    def forget(self) -> None:
        """Everything may have changed (a person was written, or a transaction rolled back)."""
        self._version += 1
        self._known.clear()
