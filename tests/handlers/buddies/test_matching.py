"""Buddy rounds over many cycles, on the matching alone: no repeat while a new pair is
possible, do-not-pair honoured, odd counts, everyone paired."""

from __future__ import annotations

import itertools
import random

import pytest

from handlers.buddies.matching import GROUP_SIZE, Candidate, pair_up


def run_rounds(
    people: list[Candidate],
    rounds: int,
    avoid: set[frozenset[int]],
    seed: int = 7,
    group_size: int = GROUP_SIZE,
) -> list[list[tuple[int, ...]]]:
    history: dict[frozenset[int], int] = {}
    rng = random.Random(seed)
    made = []
    for round_no in range(1, rounds + 1):
        groups = pair_up(people, history, avoid, round_no, rng, group_size=group_size)
        for group in groups:
            for a, b in itertools.combinations(group, 2):
                history[frozenset((a, b))] = round_no
        made.append(groups)
    return made


def pairs_of(groups: list[tuple[int, ...]]) -> set[frozenset[int]]:
    return {frozenset(p) for g in groups for p in itertools.combinations(g, 2)}


def all_pairings(people: list[int]) -> list[list[frozenset[int]]]:
    """Every way to split an even number of people into pairs (brute force, for checking)."""
    if not people:
        return [[]]
    first, rest = people[0], people[1:]
    out = []
    for i, other in enumerate(rest):
        for tail in all_pairings(rest[:i] + rest[i + 1 :]):
            out.append([frozenset((first, other)), *tail])
    return out


@pytest.mark.parametrize("group_size", [GROUP_SIZE, 4, 2])
@pytest.mark.parametrize("seed", [7, 8, 9])
def test_no_pair_repeats_while_a_new_one_is_possible_and_everyone_is_paired(
    group_size: int, seed: int
) -> None:
    """Against every way to pair ten people, round after round; with small groups too (a
    group of four or two can only repeat inside itself: the repair pass looks across)."""
    ids = list(range(1, 11))
    every_way = all_pairings(ids)  # 945 ways to pair ten people
    rounds = run_rounds([Candidate(i) for i in ids], 12, set(), seed, group_size)
    seen: set[frozenset[int]] = set()
    for groups in rounds:
        assert sorted(p for g in groups for p in g) == ids  # everyone, once
        assert all(len(g) == 2 for g in groups)
        fewest = min(sum(p in seen for p in way) for way in every_way)
        repeats = len(pairs_of(groups) & seen)
        assert repeats == fewest, "a pair repeated while a new one was possible"
        seen |= pairs_of(groups)
    assert len(seen) >= 40  # most of the 45 possible pairs have met


def test_repeats_come_back_oldest_first_once_everyone_has_met() -> None:
    people = [Candidate(i) for i in range(1, 5)]  # three rounds meet all six pairs
    rounds = run_rounds(people, 6, set())
    first_three = [pairs_of(g) for g in rounds[:3]]
    assert len(set().union(*first_three)) == 6
    # Round 4 repeats, and not round 3's pairs (the newest); the oldest come back first.
    assert not pairs_of(rounds[3]) & first_three[2]
    assert pairs_of(rounds[3]) == first_three[0]


def test_an_odd_count_makes_one_group_of_three_every_round() -> None:
    people = [Candidate(i) for i in range(1, 10)]
    for groups in run_rounds(people, 12, set()):
        assert sorted(len(g) for g in groups) == [2, 2, 2, 3]
        assert sorted(p for g in groups for p in g) == list(range(1, 10))


def test_do_not_pair_is_honoured_in_every_round_even_in_a_group_of_three() -> None:
    people = [Candidate(i) for i in range(1, 8)]
    avoid = {frozenset((1, 2)), frozenset((1, 3)), frozenset((4, 5)), frozenset((6, 7))}
    for groups in run_rounds(people, 20, avoid):
        assert not pairs_of(groups) & avoid
        assert sorted(p for g in groups for p in g) == list(range(1, 8))


def test_shared_region_and_interests_are_preferred() -> None:
    people = [
        Candidate(1, "north", frozenset({"grief"})),
        Candidate(2, "island", frozenset({"harm-reduction"})),
        Candidate(3, "north", frozenset({"grief"})),
        Candidate(4, "island", frozenset({"harm-reduction"})),
    ]
    groups = run_rounds(people, 1, set())[0]
    assert pairs_of(groups) == {frozenset((1, 3)), frozenset((2, 4))}


def test_a_large_round_is_matched_in_groups_without_repeats_or_avoided_pairs() -> None:
    rng = random.Random(3)
    people = [Candidate(i, rng.choice(["north", "island", None])) for i in range(1, 301)]
    avoid = {frozenset(rng.sample(range(1, 301), 2)) for _ in range(200)}
    rounds = run_rounds(people, 6, avoid)
    seen: set[frozenset[int]] = set()
    for groups in rounds:
        assert sorted(p for g in groups for p in g) == list(range(1, 301))
        assert not pairs_of(groups) & avoid
        assert not pairs_of(groups) & seen
        seen |= pairs_of(groups)
    assert len(people) > GROUP_SIZE  # the grouping really was used


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_groups_never_force_a_repeat_while_another_group_holds_a_new_partner(seed: int) -> None:
    """200 people in groups of four for 30 rounds: each has met at most 30 of 199 others, so a
    new partner exists for everyone every round, though a group of four runs out fast."""
    rng = random.Random(seed)
    people = [Candidate(i, rng.choice(["north", "island", None])) for i in range(1, 201)]
    avoid = {frozenset(rng.sample(range(1, 201), 2)) for _ in range(100)}
    seen: set[frozenset[int]] = set()
    for groups in run_rounds(people, 30, avoid, seed, group_size=4):
        assert sorted(p for g in groups for p in g) == list(range(1, 201))
        assert all(len(g) == 2 for g in groups)
        assert not pairs_of(groups) & avoid
        assert not pairs_of(groups) & seen, "a repeat while a new partner was possible"
        seen |= pairs_of(groups)
