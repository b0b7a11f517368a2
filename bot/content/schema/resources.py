"""``content/resources.yaml``: the curated resource directory.

``topics`` at the top of the file is the list of topics stewards may use; each resource's topics
must come from it, so a typo is caught instead of hiding the entry from searches.
"""

from __future__ import annotations

from datetime import date
from itertools import chain
from operator import attrgetter

from pydantic import Field, HttpUrl, model_validator

from bot.content.schema.base import Strict, duplicate_ids, raise_at
from bot.content.schema.common import Cost, Format, Region

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
NOT_VERIFIED = "say when a person checked it (YYYY-MM-DD), or set confirmed: false"


class Topic(Strict):
    id: str = Field(pattern=SLUG)
    label: str = Field(min_length=2, max_length=40)


class Resource(Strict):
    id: str = Field(pattern=SLUG, description="Short stable id, e.g. toward-the-heart")
    name: str = Field(min_length=2, max_length=100)
    summary: str = Field(min_length=10, max_length=200, description="One plain line")
    description: str | None = Field(default=None, max_length=800)
    topics: list[str] = Field(min_length=1)
    regions: list[Region] = Field(min_length=1)
    cost: Cost
    formats: list[Format] = Field(min_length=1)
    indigenous_led: bool = False
    peer_run: bool = False
    crisis: bool = Field(default=False, description="Offer first when someone signals crisis")
    phone: str | None = None
    url: HttpUrl | None = None
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    address: str | None = Field(default=None, max_length=160)
    hours: str | None = Field(default=None, max_length=80)
    keywords: list[str] = Field(default_factory=list, description="Extra words people search")
    source: str = Field(min_length=3, description="Where the facts come from")
    verified: date | None = Field(
        default=None, description="When a person last checked the facts (needed once confirmed)"
    )
    confirmed: bool = Field(
        default=True,
        description="false: added from general knowledge, not yet checked against the"
        " provider's own page; shown with 'not yet checked by a steward' until one does",
    )

    @model_validator(mode="after")
    def _checked(self) -> Resource:
        if self.confirmed and self.verified is None:
            raise_at("Resource", [(("verified",), NOT_VERIFIED)])
        return self


class ResourcesFile(Strict):
    topics: list[Topic] = Field(min_length=1)
    resources: list[Resource] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> ResourcesFile:
        """Ids used once, topics from the list. Run at every cold load over 10,000 entries, so
        the usual case (no mistake) is seen in C: every id and topic read by ``attrgetter``,
        then one set comparison each; only a file with a mistake is gone through entry by
        entry, to name them."""
        known = {t.id for t in self.topics}
        mistakes = duplicate_ids("topics", [t.id for t in self.topics], "topics")
        ids = list(map(attrgetter("id"), self.resources))
        mistakes += duplicate_ids("resources", ids, "resources")
        named = chain.from_iterable(map(attrgetter("topics"), self.resources))
        if not known.issuperset(named):
            for i, r in enumerate(self.resources):
                unknown = [t for t in r.topics if t not in known]
                if unknown:
                    mistakes.append(
                        (
                            ("resources", i, "topics"),
                            f"topic(s) {', '.join(unknown)} are not in the topics list at the"
                            " top of the file; fix the spelling or add the topic there",
                        )
                    )
        raise_at("ResourcesFile", mistakes)
        return self
