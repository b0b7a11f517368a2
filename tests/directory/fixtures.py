"""Small, fixed content for directory tests: the shipped content folder copied to a temporary
place, with the directory files replaced so results are the same on every run."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from tests.helpers import CONTENT


def _resource(
    rid: str,
    name: str,
    summary: str,
    topics: str,
    regions: str = "[bc]",
    cost: str = "free",
    formats: str = "[online]",
    extra: str = "",
) -> str:
    return textwrap.indent(
        textwrap.dedent(
            f"""\
            - id: {rid}
              name: {name}
              summary: {summary}
              topics: {topics}
              regions: {regions}
              cost: {cost}
              formats: {formats}
              source: A test source
              verified: 2026-01-15
            """
        )
        + textwrap.indent(textwrap.dedent(extra), "  "),
        "  ",
    )


RESOURCES = (
    textwrap.dedent(
        """\
        topics:
          - {id: naloxone, label: Naloxone}
          - {id: grief, label: Grief and loss}
          - {id: harm-reduction, label: Harm reduction}
          - {id: peer-work, label: Peer work and careers}
          - {id: crisis, label: Crisis support}
        resources:
        """
    )
    + _resource(
        "naloxone-kits",
        "Naloxone kits near you",
        "Where to pick up a free take-home naloxone kit in BC.",
        "[naloxone, harm-reduction]",
        formats="[in-person]",
        extra="phone: 1-800-000-0001\nhours: Mon-Fri 9-5\nkeywords: [narcan, kit]\n",
    )
    + _resource(
        "toward-the-heart",
        "Toward the Heart",
        "BC harm reduction programs, with a short page on naloxone training.",
        "[harm-reduction]",
    )
    + _resource(
        "grief-north",
        "Northern grief circle",
        "A peer-run grief support circle that meets in Prince George.",
        "[grief]",
        regions="[northern-bc]",
        formats="[in-person]",
        extra="peer_run: true\naddress: 123 Fake St, Prince George\n",
    )
    + _resource(
        "grief-island",
        "Island grief support line",
        "Grief support by phone, Indigenous-led, for people on the island.",
        "[grief]",
        regions="[vancouver-island]",
        cost="low-cost",
        formats="[phone]",
        extra="indigenous_led: true\nphone: 250-000-0002\n",
    )
    + _resource(
        "grief-online",
        "Grief group online",
        "An online grief support group open to peers across BC.",
        "[grief]",
    )
    + _resource(
        "crisis-chat",
        "Crisis chat for BC",
        "Chat with a trained responder when things feel like too much.",
        "[crisis]",
        formats="[online, text]",
        extra="crisis: true\n",
    )
    + "".join(
        _resource(
            f"peer-guide-{n}",
            f"Peer work guide {n}",
            f"Guide number {n} about peer work, pay and support at work.",
            "[peer-work]",
            regions="[canada]",
            formats="[guide]",
        )
        for n in range(1, 8)
    )
)

TRAININGS = textwrap.dedent(
    """\
    trainings:
      - id: peer-circle-weekly
        title: Weekly peer support circle
        summary: A drop-in circle for peer workers to talk shop and support each other.
        provider: Peer Circle
        cost: free
        formats: [online]
        regions: [bc]
        timezone: America/Vancouver
        starts: 2037-03-03T10:00:00
        duration_minutes: 90
        rrule: FREQ=WEEKLY;BYDAY=TU;COUNT=6
        source: A test source
        verified: 2026-01-15
      - id: naloxone-101
        title: Naloxone 101 in Prince George
        summary: Learn to respond to an overdose and give naloxone, hands on.
        provider: Northern harm reduction
        cost: paid
        cost_note: $20
        formats: [in-person]
        regions: [northern-bc]
        timezone: America/Vancouver
        starts: 2037-03-20T18:30:00
        duration_minutes: 120
        registration_deadline: 2037-03-15
        source: A test source
        verified: 2026-01-15
      - id: curriculum
        title: Provincial peer curriculum
        summary: The self-paced provincial peer support worker curriculum, online.
        provider: BCcampus
        cost: free
        formats: [self-paced, online]
        regions: [bc]
        source: A test source
        verified: 2026-01-15
      - id: wrap-workshop
        title: WRAP workshop
        summary: An in-person workshop whose dates the provider sets.
        provider: A provider
        cost: varies
        formats: [in-person]
        regions: [bc]
        source: A test source
        verified: 2026-01-15
      - id: last-year
        title: A session that already happened
        summary: This one is in the past and should never be shown.
        provider: Someone
        cost: free
        formats: [online]
        regions: [bc]
        starts: 2025-03-03T10:00:00
        source: A test source
        verified: 2026-01-15
    """
)

OPPORTUNITIES = textwrap.dedent(
    """\
    opportunities:
      - id: peer-navigator
        title: Peer navigator
        organization: Island harm reduction
        kind: job
        summary: Part-time peer navigator role, lived experience asked for.
        regions: [vancouver-island]
        pay: $28/hour
        posted: 2037-02-01
        closes: 2037-03-10
        source: A test source
        verified: 2037-02-01
      - id: advisory-seat
        title: Advisory seat for peers
        organization: Provincial network
        kind: call
        summary: Join an advisory table on peer pay and benefits; honoraria paid.
        regions: [bc]
        posted: 2037-02-10
        source: A test source
        verified: 2037-02-10
      - id: old-posting
        title: Old posting
        organization: Somewhere
        kind: job
        summary: This closed in February and should be gone by itself.
        regions: [bc]
        posted: 2026-01-01
        closes: 2037-02-20
        source: A test source
        verified: 2026-01-01
    """
)

GLOSSARY = textwrap.dedent(
    """\
    terms:
      - term: 4C exemption
        aliases: [4C]
        meaning: A BC rule that lets people on assistance keep peer support earnings.
        source: A test source
      - term: EFAP
        aliases: [Employee and Family Assistance Program]
        meaning: Counselling and wellness supports an employer pays for.
        source: A test source
      - term: PEEP
        meaning: People with lived experience, a word some programs use for peers.
        source: A test source
      - term: Peer
        meaning: Someone who brings their own lived or living experience to the work.
        source: A test source
    """
)

# Added during a test, to see a reload and a digest pick them up.
NEW_RESOURCE = """\
  - id: burnout-circle
    name: Burnout circle for peers
    summary: A monthly online circle about burnout, for peer workers only.
    topics: [peer-work]
    regions: [bc]
    cost: free
    formats: [online]
    source: A test source
    verified: 2026-01-15
"""
NEW_OPPORTUNITY = """\
  - id: speaker-call
    title: Call for peer speakers
    organization: Provincial conference
    kind: call
    summary: Share your experience as a peer worker on a conference panel.
    regions: [bc]
    posted: 2037-03-01
    source: A test source
    verified: 2037-03-01
"""


def content_dir(tmp_path: Path, **files: str) -> Path:
    """A copy of the shipped content with the fixture directory files; ``files`` replaces
    or adds more, by path relative to the folder (``calendar/x.ics``)."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target, ignore=shutil.ignore_patterns("schemas"))
    shutil.rmtree(target / "calendar", ignore_errors=True)
    (target / "calendar").mkdir()
    fixed = {
        "resources.yaml": RESOURCES,
        "trainings.yaml": TRAININGS,
        "opportunities.yaml": OPPORTUNITIES,
        "glossary.yaml": GLOSSARY,
        **files,
    }
    for name, text in fixed.items():
        (target / name).write_text(text, "utf-8")
    return target
