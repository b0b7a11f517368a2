"""Who is paired with whom in a round: an optimal matching, not a greedy loop.

Everyone waiting is a node; every two people who may be paired (neither has the other on
their do-not-pair list) are an edge. networkx's ``max_weight_matching`` with
``maxcardinality`` first pairs as many people as can be paired, then maximises the weight:

* a pair never made before weighs more than every repeat in the group put together, so a
  repeat is chosen only when no new pair can be made for someone;
* among repeats, the older the last pairing the heavier (repeats come back as they age);
* a shared region and shared interests add a little, to prefer them without overriding the
  rules above.

The blossom algorithm is cubic, so a large round is cut into groups of at most
:data:`GROUP_SIZE` (people of the same region side by side, the order shuffled within each
region every round, so each round meets new people). With an odd count one person is left;
they join the pair they fit best as a group of three.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx

#: The most people matched together at once (a round of 10,000 is about 160 such groups).
GROUP_SIZE = 64
REGION_BONUS = 4
INTEREST_BONUS = 2
MAX_SHARED_INTERESTS = 3
#: Repeats count their age in rounds up to this many; older ones are all equally fine.
AGE_CAP = 12
AGE_STEP = REGION_BONUS + INTEREST_BONUS * MAX_SHARED_INTERESTS + 1
#: More than any group's repeats together weigh.
NEW_PAIR = (GROUP_SIZE + 1) * (AGE_CAP * AGE_STEP + AGE_STEP) + 1


@dataclass(frozen=True, slots=True)
class Candidate:
    """Someone waiting for a buddy, with what they chose to be paired by."""

    person_id: int
    region: str | None = None
    interests: frozenset[str] = frozenset()


def weight(a: Candidate, b: Candidate, history: Mapping[frozenset[int], int], round_no: int) -> int:
    """How much pairing ``a`` with ``b`` is wanted this round (both may be paired)."""
    bonus = 0
    if a.region and a.region == b.region:
        bonus += REGION_BONUS
    bonus += INTEREST_BONUS * min(len(a.interests & b.interests), MAX_SHARED_INTERESTS)
    last = history.get(frozenset((a.person_id, b.person_id)))
    if last is None:
        return NEW_PAIR + bonus
    age = max(1, min(round_no - last, AGE_CAP))
    return age * AGE_STEP + bonus


def pair_up(
    waiting: Sequence[Candidate],
    history: Mapping[frozenset[int], int],
    avoid: set[frozenset[int]],
    round_no: int,
    rng: random.Random,
) -> list[tuple[int, ...]]:
    """The round's pairs (and at most one group of three), as tuples of person ids."""
    groups = _groups(waiting, rng)
    pairs: list[tuple[Candidate, ...]] = []
    left: list[Candidate] = []
    for group in groups:
        made, alone = _match(group, history, avoid, round_no)
        pairs += made
        left += alone
    if len(left) > 1:  # people no one in their group could be paired with: try across groups
        made, left = _match(left, history, avoid, round_no)
        pairs += made
    if len(left) == 1:
        _join_best(left[0], pairs, history, avoid, round_no)
    return [tuple(c.person_id for c in pair) for pair in pairs]


def _groups(waiting: Sequence[Candidate], rng: random.Random) -> list[list[Candidate]]:
    """Slices of at most GROUP_SIZE, each of an even size but perhaps the last."""
    by_region: dict[str, list[Candidate]] = {}
    for c in waiting:
        by_region.setdefault(c.region or "", []).append(c)
    ordered: list[Candidate] = []
    for region in sorted(by_region):
        people = by_region[region]
        rng.shuffle(people)
        ordered += people
    if len(ordered) <= GROUP_SIZE:
        return [ordered]
    return [ordered[i : i + GROUP_SIZE] for i in range(0, len(ordered), GROUP_SIZE)]


def _match(
    group: Sequence[Candidate],
    history: Mapping[frozenset[int], int],
    avoid: set[frozenset[int]],
    round_no: int,
) -> tuple[list[tuple[Candidate, ...]], list[Candidate]]:
    graph: nx.Graph[int] = nx.Graph()
    graph.add_nodes_from(range(len(group)))
    for i, a in enumerate(group):
        for j in range(i + 1, len(group)):
            b = group[j]
            if frozenset((a.person_id, b.person_id)) not in avoid:
                graph.add_edge(i, j, weight=weight(a, b, history, round_no))
    matched = nx.max_weight_matching(graph, maxcardinality=True)
    pairs = [(group[i], group[j]) for i, j in sorted(tuple(sorted(e)) for e in matched)]
    used = {i for edge in matched for i in edge}
    return list(pairs), [c for i, c in enumerate(group) if i not in used]


def _join_best(
    alone: Candidate,
    pairs: list[tuple[Candidate, ...]],
    history: Mapping[frozenset[int], int],
    avoid: set[frozenset[int]],
    round_no: int,
) -> None:
    """Make the one left over a third in the pair that suits them best (never with someone
    on either side's do-not-pair list); if there is none, they wait for the next round."""
    best: tuple[int, int] | None = None
    for index, pair in enumerate(pairs):
        if len(pair) != 2 or any(_avoided(alone, m, avoid) for m in pair):
            continue
        score = sum(weight(alone, m, history, round_no) for m in pair)
        if best is None or score > best[0]:
            best = (score, index)
    if best is not None:
        pairs[best[1]] = (*pairs[best[1]], alone)


def _avoided(a: Candidate, b: Candidate, avoid: set[frozenset[int]]) -> bool:
    return frozenset((a.person_id, b.person_id)) in avoid


def people_in(groups: Iterable[Sequence[int]]) -> set[int]:
    return {p for g in groups for p in g}
