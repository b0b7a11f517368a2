"""Every kind of content the service loads, in one explicit list."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from pydantic import HttpUrl

from bot.content import cache, in_parts
from bot.content.calendar import load_trainings
from bot.content.problems import ContentError, Problem
from bot.content.schema.buddies import BuddiesFile
from bot.content.schema.checkins import CheckinsFile
from bot.content.schema.crisis import CrisisFile
from bot.content.schema.debrief import DebriefFile
from bot.content.schema.distress import DistressFile
from bot.content.schema.distress_examples import DistressExamplesFile
from bot.content.schema.glossary import GlossaryFile
from bot.content.schema.opportunities import OpportunitiesFile
from bot.content.schema.prompts import PromptsFile
from bot.content.schema.reflections import PowerFile, RolecheckFile
from bot.content.schema.resources import ResourcesFile
from bot.content.schema.trainings import TrainingsFile
from bot.content.store import Pending, Source
from bot.content.texts import Texts, load_texts
from bot.content.yamlfile import M, digest_of, load_yaml_model
from bot.directory import compiled
from bot.directory.distress import Distress
from bot.directory.distress_model import SHIPPED, Recogniser, prepare
from bot.directory.resources import INDEX_FORMAT, ResourceDirectory, docs_of
from bot.storage.search_index import FORMAT as index_format
from bot.storage.search_index import Building, SearchIndex

T = TypeVar("T")


class Confirmable(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def confirmed(self) -> bool: ...


def _crisis(directory: Path) -> CrisisFile:
    return load_yaml_model(directory / "crisis.yaml", CrisisFile, shown_as="crisis.yaml")


def _unconfirmed(file: str, entries: Iterable[Confirmable], until: str) -> list[str]:
    """One note per entry nobody has confirmed yet: crisis lines, resources and trainings
    are held the same way, so stewards see one list of what is left to check."""
    return [f'{file} — entry "{e.id}": {until}' for e in entries if not e.confirmed]


class Linked(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def url(self) -> HttpUrl | None: ...


#: The fewest characters a platform takes in one message: Discord's 2,000 (Telegram takes
#: 4,096, the console 4,000). Content accepts a link's address up to 2,083 (``HttpUrl``).
SHORTEST_MESSAGE = 2000


def _long_links(file: str, entries: Iterable[Linked]) -> list[str]:
    """One note per address too long for a message on every platform. On Discord an address
    shown as it is (as entries show theirs) is cut in two parts, neither of which opens the
    page; one under a label is sent whole in a part of its own, which Discord refuses, and the
    sender hears it failed. An address of up to 2,000 characters is shown whole: Discord gets
    it unescaped (``markup``), on a line of its own."""
    notes = []
    for entry in entries:
        if entry.url is not None and (length := len(str(entry.url))) > SHORTEST_MESSAGE:
            notes.append(
                f'{file} — entry "{entry.id}": its url is {length:,} characters long, more'
                f" than Discord takes in a whole message ({SHORTEST_MESSAGE:,}): there it"
                " cannot be shown whole, so it does not open; give a shorter address (the"
                " provider's page that leads to it)"
            )
    return notes


def _crisis_warnings(crisis: CrisisFile) -> list[str]:
    return _unconfirmed(
        "crisis.yaml",
        crisis.lines,
        "not shown until a person confirms it (dial-test or the provider's own page),"
        " then set confirmed: true",
    ) + _long_links("crisis.yaml", crisis.lines)


CRISIS: Source[CrisisFile] = Source("crisis", _crisis, _crisis_warnings)


def _distress(directory: Path) -> Recogniser:
    """The patterns that say someone needs support now, compiled once per loaded version, and
    the model beside them: the shipped weights when they learned from these very examples
    (else see ``prepare``). Both files are read, so a mistake in either is reported."""
    problems: list[Problem] = []
    try:
        file = load_yaml_model(directory / "distress.yaml", DistressFile, shown_as="distress.yaml")
    except ContentError as exc:
        problems += exc.problems
    try:
        examples = load_yaml_model(
            directory / "distress_examples.yaml",
            DistressExamplesFile,
            shown_as="distress_examples.yaml",
        )
    except ContentError as exc:
        problems += exc.problems
    if problems:
        raise ContentError(problems)
    compiled.keep()  # the patterns' programs, for the next start
    return Recogniser(Distress(file), *prepare(examples, file, directory))


def _distress_warnings(recogniser: Recogniser) -> list[str]:
    if recogniser.learn is None:
        return []
    return [
        f"{SHIPPED} was made from other examples than distress_examples.yaml and"
        " distress.yaml hold now: the bot uses it while it trains a new model in the"
        " background at its next start; run  python -m bot train-distress-model  and commit"
        f" {SHIPPED} with the examples"
    ]


DISTRESS: Source[Recogniser] = Source("distress", _distress, _distress_warnings)
TEXTS: Source[Texts] = Source("texts", load_texts)


NOT_CHECKED = 'shown as "not yet checked by a steward" until a person checks it'


def _resources_warnings(directory: ResourceDirectory) -> list[str]:
    return _unconfirmed(
        "resources.yaml",
        directory.resources,
        f"{NOT_CHECKED} on the provider's own page, then sets confirmed: true",
    ) + _long_links("resources.yaml", directory.resources)


def _trainings_warnings(file: TrainingsFile) -> list[str]:
    return _unconfirmed(
        "trainings.yaml",
        file.trainings,
        f"{NOT_CHECKED} (and its dates) with the provider, then sets confirmed: true",
    ) + _long_links("trainings.yaml", file.trainings)


def _opportunities_warnings(file: OpportunitiesFile) -> list[str]:
    return _long_links("opportunities.yaml", file.opportunities)


_indexed: list[ResourceDirectory] = []  # the last one built, reused while its file is unchanged


@dataclass(frozen=True, slots=True)
class _Ready(Generic[T]):
    """A load with nothing left to do."""

    value: T

    def result(self) -> T:
        return self.value

    def discard(self) -> None:
        pass


class _Indexing:
    """resources.yaml read and checked, its search index being built on a thread."""

    def __init__(self, file: ResourcesFile, key: str | None, building: Building | None) -> None:
        """``building``: the index already begun (``in_parts``), else begun now."""
        self._file = file
        self._key = key
        if building is None:
            building = Building(docs_of(file), keep_image=key is not None)
        self._building = building

    def result(self) -> ResourceDirectory:
        built = ResourceDirectory(self._file, self._building.result())
        if self._key is not None and self._building.image is not None:
            cache.write("index.resources", self._key, self._building.image)
        _indexed[:] = [built]
        return built

    def discard(self) -> None:
        self._building.discard()


def _begin_resources(directory: Path) -> Pending[ResourceDirectory]:
    """The directory and its search index, built together so a reload swaps both at once.
    An unchanged file gives back the very same model (see ``load_yaml_model``), and then the
    index built from it is reused too; at a start, the index kept on disk for these very
    bytes is (``bot.content.cache``). Else the index is built on a thread of its own
    (``Building``) while the other files load, and taken when they are done; a big file
    new to this process and to the content cache is read part by part, its index filled
    with each part as it is read (``in_parts``)."""
    path = directory / "resources.yaml"
    begun = in_parts.begin(path)
    if not isinstance(begun, in_parts.Whole):
        file, building, read_digest = begun  # the bytes read, whatever was kept since
        return _Indexing(file, f"{read_digest}-{INDEX_FORMAT}{index_format}", building)
    file = load_yaml_model(
        path, ResourcesFile, shown_as="resources.yaml", raw=begun.raw, digest=begun.digest
    )
    if _indexed and _indexed[0].file is file:
        return _Ready(_indexed[0])
    digest = digest_of(path, ResourcesFile, file)
    key = f"{digest}-{INDEX_FORMAT}{index_format}"  # the file, and this code's index
    image = cache.read("index.resources", key) if digest else None
    kept = SearchIndex.from_image(image, len(file.resources)) if image else None
    if kept is None:
        return _Indexing(file, key if digest else None, None)
    built = ResourceDirectory(file, kept)
    _indexed[:] = [built]
    return _Ready(built)


def _resources(directory: Path) -> ResourceDirectory:
    """``_begin_resources``, waited for."""
    return _begin_resources(directory).result()


def _markdown(directory: Path, name: str, what: str) -> str:
    path = directory / name
    try:
        text = path.read_text("utf-8").strip()
    except FileNotFoundError:
        raise ContentError([Problem(name, "the file is missing")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError([Problem(name, f"cannot be read ({exc})")]) from None
    if not text:
        raise ContentError([Problem(name, f"is empty; write {what} in it")])
    return text


def _yaml_source(
    name: str, model: type[M], warnings: Callable[[M], list[str]] | None = None
) -> Source[M]:
    """A content file that is one YAML document checked by one model: ``<name>.yaml``."""
    return Source(
        name,
        lambda d: load_yaml_model(d / f"{name}.yaml", model, shown_as=f"{name}.yaml"),
        warnings,
    )


def _agreements(directory: Path) -> str:
    return _markdown(directory, "agreements.md", "the agreements")


def _privacy(directory: Path) -> str:
    return _markdown(directory, "privacy.md", "what the bot keeps and who can see it")


RESOURCES: Source[ResourceDirectory] = Source(
    "resources", _resources, _resources_warnings, _begin_resources
)
TRAININGS: Source[TrainingsFile] = Source("trainings", load_trainings, _trainings_warnings)
OPPORTUNITIES: Source[OpportunitiesFile] = _yaml_source(
    "opportunities", OpportunitiesFile, _opportunities_warnings
)
GLOSSARY: Source[GlossaryFile] = _yaml_source("glossary", GlossaryFile)
AGREEMENTS: Source[str] = Source("agreements", _agreements)
PRIVACY: Source[str] = Source("privacy", _privacy)
PROMPTS: Source[PromptsFile] = _yaml_source("prompts", PromptsFile)
DEBRIEF: Source[DebriefFile] = _yaml_source("debrief", DebriefFile)
CHECKINS: Source[CheckinsFile] = _yaml_source("checkins", CheckinsFile)
BUDDIES: Source[BuddiesFile] = _yaml_source("buddies", BuddiesFile)

ROLECHECK: Source[RolecheckFile] = _yaml_source("rolecheck", RolecheckFile)
POWER: Source[PowerFile] = _yaml_source("power", PowerFile)

SOURCES: tuple[Source[Any], ...] = (
    CRISIS,
    DISTRESS,
    TEXTS,
    RESOURCES,
    TRAININGS,
    OPPORTUNITIES,
    GLOSSARY,
    AGREEMENTS,
    PROMPTS,
    PRIVACY,
    DEBRIEF,
    ROLECHECK,
    POWER,
    CHECKINS,
    BUDDIES,
)
