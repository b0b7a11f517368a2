"""Every kind of content the service loads, in one explicit list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.content.calendar import load_trainings
from bot.content.problems import ContentError, Problem
from bot.content.schema.buddies import BuddiesFile
from bot.content.schema.checkins import CheckinsFile
from bot.content.schema.crisis import CrisisFile
from bot.content.schema.glossary import GlossaryFile
from bot.content.schema.opportunities import OpportunitiesFile
from bot.content.schema.prompts import PromptsFile
from bot.content.schema.reflections import PowerFile, RolecheckFile
from bot.content.schema.resources import ResourcesFile
from bot.content.schema.trainings import TrainingsFile
from bot.content.store import Source
from bot.content.texts import Texts, load_texts
from bot.content.yamlfile import load_yaml_model
from bot.directory.resources import ResourceDirectory


def _crisis(directory: Path) -> CrisisFile:
    return load_yaml_model(directory / "crisis.yaml", CrisisFile, shown_as="crisis.yaml")


def _crisis_warnings(crisis: CrisisFile) -> list[str]:
    return [
        f'crisis.yaml — entry "{line.id}": not shown until a person confirms it '
        "(dial-test or the provider's own page), then set confirmed: true"
        for line in crisis.lines
        if not line.confirmed
    ]


CRISIS: Source[CrisisFile] = Source("crisis", _crisis, _crisis_warnings)
TEXTS: Source[Texts] = Source("texts", load_texts)


_indexed: list[ResourceDirectory] = []  # the last one built, reused while its file is unchanged


def _resources(directory: Path) -> ResourceDirectory:
    """The directory and its search index, built together so a reload swaps both at once.
    An unchanged file gives back the very same model (see ``load_yaml_model``), and then the
    index built from it is reused too."""
    file = load_yaml_model(directory / "resources.yaml", ResourcesFile, shown_as="resources.yaml")
    if _indexed and _indexed[0].file is file:
        return _indexed[0]
    built = ResourceDirectory(file)
    _indexed[:] = [built]
    return built


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


def _agreements(directory: Path) -> str:
    return _markdown(directory, "agreements.md", "the agreements")


def _privacy(directory: Path) -> str:
    return _markdown(directory, "privacy.md", "what the bot keeps and who can see it")


RESOURCES: Source[ResourceDirectory] = Source("resources", _resources)
TRAININGS: Source[TrainingsFile] = Source("trainings", load_trainings)
OPPORTUNITIES: Source[OpportunitiesFile] = Source(
    "opportunities",
    lambda d: load_yaml_model(
        d / "opportunities.yaml", OpportunitiesFile, shown_as="opportunities.yaml"
    ),
)
GLOSSARY: Source[GlossaryFile] = Source(
    "glossary",
    lambda d: load_yaml_model(d / "glossary.yaml", GlossaryFile, shown_as="glossary.yaml"),
)
AGREEMENTS: Source[str] = Source("agreements", _agreements)
PRIVACY: Source[str] = Source("privacy", _privacy)
PROMPTS: Source[PromptsFile] = Source(
    "prompts",
    lambda d: load_yaml_model(d / "prompts.yaml", PromptsFile, shown_as="prompts.yaml"),
)
CHECKINS: Source[CheckinsFile] = Source(
    "checkins",
    lambda d: load_yaml_model(d / "checkins.yaml", CheckinsFile, shown_as="checkins.yaml"),
)
BUDDIES: Source[BuddiesFile] = Source(
    "buddies",
    lambda d: load_yaml_model(d / "buddies.yaml", BuddiesFile, shown_as="buddies.yaml"),
)

ROLECHECK: Source[RolecheckFile] = Source(
    "rolecheck",
    lambda d: load_yaml_model(d / "rolecheck.yaml", RolecheckFile, shown_as="rolecheck.yaml"),
)
POWER: Source[PowerFile] = Source(
    "power",
    lambda d: load_yaml_model(d / "power.yaml", PowerFile, shown_as="power.yaml"),
)

SOURCES: tuple[Source[Any], ...] = (
    CRISIS,
    TEXTS,
    RESOURCES,
    TRAININGS,
    OPPORTUNITIES,
    GLOSSARY,
    AGREEMENTS,
    PROMPTS,
    PRIVACY,
    ROLECHECK,
    POWER,
    CHECKINS,
    BUDDIES,
)
