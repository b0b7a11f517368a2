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
region every round, so each round meets new people). A group can only repeat a pair when no
new one is possible *inside it*, though a new partner may sit in another group; so a repair
pass follows: everyone who got a repeat or no partner is matched again across groups, exactly
on that pool, and while repeats remain the pool takes in the pairs of people they could newly
meet, for as long as that helps (see :func:`_repair`). With an odd count one person is left;
they join the pair they fit best as a group of three.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

#: The most people matched together at once (a round of 10,000 is about 160 such groups).
GROUP_SIZE = 64
REGION_BONUS = 4
INTEREST_BONUS = 2
MAX_SHARED_INTERESTS = 3
#: Repeats count their age in rounds up to this many; older ones are all equally fine.
AGE_CAP = 12
AGE_STEP = REGION_BONUS + INTEREST_BONUS * MAX_SHARED_INTERESTS + 1
#: The most a repeat can weigh (its age, and every bonus).
MOST_A_REPEAT_WEIGHS = AGE_CAP * AGE_STEP + AGE_STEP
#: The repair pool grows to at most this many people (the blossom algorithm is cubic).
REPAIR_MOST = 4 * GROUP_SIZE
#: How many pairs each person still in a repeat brings into the pool per step.
REPAIR_REACH = 3


@dataclass(frozen=True, slots=True)
class Candidate:
    """Someone waiting for a buddy, with what they chose to be paired by."""

    person_id: int
    region: str | None = None
    interests: frozenset[str] = frozenset()


def new_pair_weight(people: int) -> int:
    """What a pair never made before weighs, matching ``people`` at once: more than every
    repeat such a matching could hold put together."""
    return (people + 1) * MOST_A_REPEAT_WEIGHS + 1


def weight(
    a: Candidate,
    b: Candidate,
    history: Mapping[frozenset[int], int],
    round_no: int,
    new_pair: int = new_pair_weight(GROUP_SIZE),
) -> int:
    """How much pairing ``a`` with ``b`` is wanted this round (both may be paired)."""
    bonus = 0
    if a.region and a.region == b.region:
        bonus += REGION_BONUS
    bonus += INTEREST_BONUS * min(len(a.interests & b.interests), MAX_SHARED_INTERESTS)
    last = history.get(frozenset((a.person_id, b.person_id)))
    if last is None:
        return new_pair + bonus
    age = max(1, min(round_no - last, AGE_CAP))
    return age * AGE_STEP + bonus


def pair_up(
    waiting: Sequence[Candidate],
    history: Mapping[frozenset[int], int],
    avoid: set[frozenset[int]],
    round_no: int,
    rng: random.Random,
    *,
    group_size: int = GROUP_SIZE,
    repair_most: int = REPAIR_MOST,
) -> list[tuple[int, ...]]:
    """The round's pairs (and at most one group of three), as tuples of person ids.
    ``group_size`` and ``repair_most`` are parameters so tests can make groups matter."""
    groups = _groups(waiting, rng, group_size)
    pairs: list[tuple[Candidate, ...]] = []
    left: list[Candidate] = []
    for group in groups:
        made, alone = _match(group, history, avoid, round_no)
        pairs += made
        left += alone
    if len(groups) > 1:
        pairs, left = _repair(waiting, pairs, left, history, avoid, round_no, rng, repair_most)
    if len(left) == 1:
        _join_best(left[0], pairs, history, avoid, round_no)
    return [tuple(c.person_id for c in pair) for pair in pairs]


def _repair(
    waiting: Sequence[Candidate],
    pairs: list[tuple[Candidate, ...]],
    left: list[Candidate],
    history: Mapping[frozenset[int], int],
    avoid: set[frozenset[int]],
    round_no: int,
    rng: random.Random,
    most: int,
) -> tuple[list[tuple[Candidate, ...]], list[Candidate]]:
    """Match again, across groups, everyone who got a repeat or no partner. The pool's
    matching is exact, and the pairs it had are one of its choices, so a step never makes
    more repeats or fewer pairs. While repeats remain, the pool takes in the pairs of people
    someone in a repeat has never met (a few each, at random), and is matched again; it stops
    when nothing is left to fix, the pool cannot grow, or it reaches ``most`` people."""
    pool = {c.person_id for c in left}
    pool |= {c.person_id for pair in pairs if _repeat(pair, history) for c in pair}
    if len(pool) < 2:
        return pairs, left
    while True:
        kept = [pair for pair in pairs if not any(c.person_id in pool for c in pair)]
        members = [c for c in waiting if c.person_id in pool]
        made, left = _match(members, history, avoid, round_no)
        pairs = kept + made
        stuck = [c for pair in made if _repeat(pair, history) for c in pair] + left
        if not stuck or len(pool) >= most:
            return pairs, left
        partner = {c.person_id: pair for pair in pairs for c in pair}
        grown = set(pool)
        for person in stuck:
            unmet = [
                c
                for c in waiting
                if c.person_id not in grown
                and c.person_id in partner
                and frozenset((person.person_id, c.person_id)) not in history
                and not _avoided(person, c, avoid)
            ]
            for c in rng.sample(unmet, min(REPAIR_REACH, len(unmet))):
                grown |= {m.person_id for m in partner[c.person_id]}
            if len(grown) >= most:
                break
        if grown == pool:
            return pairs, left
        pool = grown


def _repeat(pair: Sequence[Candidate], history: Mapping[frozenset[int], int]) -> bool:
    return frozenset(c.person_id for c in pair) in history


def _groups(waiting: Sequence[Candidate], rng: random.Random, size: int) -> list[list[Candidate]]:
    """Slices of at most ``size``, each of an even size but perhaps the last."""
    by_region: dict[str, list[Candidate]] = {}
    for c in waiting:
        by_region.setdefault(c.region or "", []).append(c)
    ordered: list[Candidate] = []
    for region in sorted(by_region):
        people = by_region[region]
        rng.shuffle(people)
        ordered += people
    size += size % 2
    if len(ordered) <= size:
        return [ordered]
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def _match(
    group: Sequence[Candidate],
    history: Mapping[frozenset[int], int],
    avoid: set[frozenset[int]],
    round_no: int,
) -> tuple[list[tuple[Candidate, ...]], list[Candidate]]:
    # Imported here, not at the top: networkx is a fifth of a second of every start, and
    # only a pairing round needs it.
    import networkx as nx

    graph: nx.Graph[int] = nx.Graph()
    graph.add_nodes_from(range(len(group)))
    new_pair = new_pair_weight(len(group))
    for i, a in enumerate(group):
        for j in range(i + 1, len(group)):
            b = group[j]
            if frozenset((a.person_id, b.person_id)) not in avoid:
                graph.add_edge(i, j, weight=weight(a, b, history, round_no, new_pair))
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
