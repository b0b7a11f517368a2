"""What each part of the store holds about a person, and how to hand it over or erase it.

Every repository whose tables name a person implements :class:`PersonalData`. ``/mydata`` calls
every ``export`` and ``/forgetme`` every ``erase``; a test fails if a table that names a person is
covered by none of them. A part that holds nothing still says so ("this has been considered").
"""

from __future__ import annotations

from typing import Any, Protocol


class PersonalData(Protocol):
    @property
    def holds(self) -> tuple[str, ...]:
        """Tables this part is responsible for."""
        ...

    async def export_person(self, person_id: int) -> dict[str, Any]:
        """Everything held about the person, in plain JSON-able values."""
        ...

    async def erase_person(self, person_id: int) -> None:
        """Remove every row about the person."""
        ...
