"""Regions as people say them ("north", "the island", "vancouver"), and which entries serve
a place: something for all of BC or all of Canada serves every region too."""

from __future__ import annotations

from collections.abc import Sequence

from bot.content.schema.common import Region
from bot.core import markup
from bot.core.commands import Option
from bot.core.context import Context, Request
from bot.core.errors import UserFacingError
from bot.directory.words import fold

ALIASES: dict[str, Region] = {
    "north": Region.NORTHERN_BC,
    "northern": Region.NORTHERN_BC,
    "northern bc": Region.NORTHERN_BC,
    "prince george": Region.NORTHERN_BC,
    "island": Region.VANCOUVER_ISLAND,
    "the island": Region.VANCOUVER_ISLAND,
    "vancouver island": Region.VANCOUVER_ISLAND,
    "victoria": Region.VANCOUVER_ISLAND,
    "nanaimo": Region.VANCOUVER_ISLAND,
    "fraser": Region.FRASER_VALLEY,
    "fraser valley": Region.FRASER_VALLEY,
    "surrey": Region.FRASER_VALLEY,
    "abbotsford": Region.FRASER_VALLEY,
    "interior": Region.INTERIOR,
    "kelowna": Region.INTERIOR,
    "kamloops": Region.INTERIOR,
    "lower mainland": Region.LOWER_MAINLAND,
    "mainland": Region.LOWER_MAINLAND,
    "vancouver": Region.LOWER_MAINLAND,
    "metro vancouver": Region.LOWER_MAINLAND,
    "lm": Region.LOWER_MAINLAND,
    "bc": Region.BC,
    "british columbia": Region.BC,
    "province": Region.BC,
    "provincial": Region.BC,
    "canada": Region.CANADA,
    "national": Region.CANADA,
    "worldwide": Region.INTERNATIONAL,
    "global": Region.INTERNATIONAL,
    "online anywhere": Region.INTERNATIONAL,
}


LABELS = {
    Region.LOWER_MAINLAND: "Lower Mainland",
    Region.FRASER_VALLEY: "Fraser Valley",
    Region.VANCOUVER_ISLAND: "Vancouver Island",
    Region.INTERIOR: "Interior",
    Region.NORTHERN_BC: "Northern BC",
    Region.BC: "BC-wide",
    Region.CANADA: "Canada-wide",
    Region.INTERNATIONAL: "International",
}


def find_region(text: str) -> Region | None:
    """A region from its id, its plain name, or a place people name it by."""
    words = " ".join(fold(text).replace("-", " ").split())
    for region in Region:
        if words == region.value.replace("-", " "):
            return region
    return ALIASES.get(words)


def serving(region: Region) -> tuple[str, ...]:
    """The regions whose entries serve a person in ``region``: their own, and the wider ones.
    International entries are online and open to anyone, so they serve every region."""
    wide = Region.INTERNATIONAL.value
    if region is Region.INTERNATIONAL:
        return (wide,)
    if region is Region.CANADA:
        return (Region.CANADA.value, wide)
    if region is Region.BC:
        return (Region.BC.value, Region.CANADA.value, wide)
    return (region.value, Region.BC.value, Region.CANADA.value, wide)


def region_suggestions(partial: str) -> list[str]:
    """Region ids for autocomplete; a typed alias ("nor", "isl") finds its region."""
    needle = fold(partial).strip()
    found = [r.value for r in Region if r.value.startswith(needle.replace(" ", "-"))]
    found += [r.value for name, r in ALIASES.items() if name.startswith(needle)]
    return list(dict.fromkeys(found or [r.value for r in Region]))


async def _suggest(ctx: Context, req: Request, partial: str) -> Sequence[str]:
    return region_suggestions(partial)


#: The ``region:`` filter shared by /resources, /training and /jobs.
REGION_OPTION = Option("region", "Where, e.g. north or island", keyword=True, autocomplete=_suggest)


def region_filter(ctx: Context, value: object) -> Region | None:
    """The region a person asked for, or None if they didn't; a plain answer if unknown."""
    if not value:
        return None
    region = find_region(str(value))
    if region is None:
        raise UserFacingError(
            ctx.text("directory.unknown_region", region=markup.escape(str(value)))
        )
    return region
