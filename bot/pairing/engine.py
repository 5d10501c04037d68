"""The pairing engine: one round's partition of members into cross-team groups.

``pair_round`` builds first partitions team by team (:mod:`bot.pairing.greedy`), keeps the one
the objective (:mod:`bot.pairing.objective`) values most, places the remainder where it adds
most, then improves the round by member swaps (:mod:`bot.pairing.improve`). It is a pure,
deterministic function of its inputs and the seed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from bot.errors import InputError
from bot.pairing.balance import let_small_teams_meet
from bot.pairing.cover import cover_one_team_groups
from bot.pairing.crowding import TeamPairCounts
from bot.pairing.greedy import SPREAD, groups_by_dealing, pairs_by_team_plan
from bot.pairing.improve import (
    breaks_never,
    improve,
    improve_pairs_in_batches,
    repair,
    rotate_pairs,
    sweep_pairs,
)
from bot.pairing.model import Candidate, PairingSettings, PastGroup
from bot.pairing.objective import RoundObjective

__all__ = ["Candidate", "PairingSettings", "PastGroup", "pair_round", "round_rng"]

# Rounds of up to this many pairs also get exhaustive two-pair sweeps and three-pair moves.
THOROUGH_UP_TO = 300
ROTATIONS = 3_000
# Swaps weighed in batches (half the pairs each), whatever the size of the round.
BATCH_SWAPS = 250_000
MIN_BATCHES, MAX_BATCHES = 20, 400
TRIES_AFTER_BATCHES = 10_000  # single swaps after the batches, which also reach the trio


def round_rng(settings: PairingSettings, round_index: int) -> random.Random:
    """The only source of chance in a round: the seed and the round's index."""
    return random.Random(f"bridgework:{settings.seed}:{round_index}")


def _place_remainder(groups: list[list[int]], left: list[int], objective: RoundObjective) -> None:
    """Each member left over joins the smallest group where they add most worth."""
    for member in left:
        smallest = min(len(g) for g in groups)
        best_at, best = -1, 0.0
        for at, group in enumerate(groups):
            if len(group) != smallest:
                continue
            gain = sum(objective.tie(member, other) for other in group)
            if best_at < 0 or gain > best:
                best_at, best = at, gain
        groups[best_at].append(member)


def _first_pairs(
    objective: RoundObjective, rng: random.Random, spread: float
) -> tuple[list[list[int]], list[int]]:
    """The plan's pairs, priced for the team that had to take every partner if that is worth
    more. In a large round where one team holds a third or more, only the priced plan is made:
    that team will take every partner."""
    sizes = objective.team_sizes()
    largest = max(range(len(sizes)), key=sizes.__getitem__)
    if objective.size > 2 * THOROUGH_UP_TO and 3 * sizes[largest] >= objective.size:
        pairs, left, _ = pairs_by_team_plan(objective, rng, largest, spread=spread)
        return pairs, left
    pairs, left, forced = pairs_by_team_plan(objective, rng, spread=spread)
    if forced is not None:
        priced, priced_left, _ = pairs_by_team_plan(objective, rng, forced, spread=spread)
        if objective.round_worth(priced) > objective.round_worth(pairs):
            return priced, priced_left
    return pairs, left


def _searched(
    groups: list[list[int]], left: list[int], objective: RoundObjective, rng: random.Random
) -> list[list[int]]:
    """``groups`` with the remainder placed, improved by local search, violations repaired."""
    pairs = all(len(g) == 2 for g in groups)
    _place_remainder(groups, left, objective)
    counts = TeamPairCounts(objective, groups)
    if pairs and len(groups) > THOROUGH_UP_TO:
        batches = min(MAX_BATCHES, max(MIN_BATCHES, BATCH_SWAPS // max(1, len(groups))))
        improve_pairs_in_batches(groups, objective, rng, counts, batches)
        tries = min(20 * objective.size, TRIES_AFTER_BATCHES)
        improve(groups, objective, rng, counts, tries=tries)
    else:
        improve(groups, objective, rng, counts)
    if pairs and len(groups) <= THOROUGH_UP_TO:
        sweep_pairs(groups, objective, counts)
        rotate_pairs(groups, objective, rng, counts, min(ROTATIONS, 30 * len(groups)))
    repair(groups, objective, rng, counts)
    if pairs:
        let_small_teams_meet(groups, objective, rng)
    else:
        cover_one_team_groups(groups, objective, counts)
    return groups


def _build(
    objective: RoundObjective, settings: PairingSettings, round_index: int
) -> list[list[int]]:
    rng = round_rng(settings, round_index)
    if settings.group_size != 2:
        groups, left = groups_by_dealing(objective, rng, settings.group_size)
        return _searched(groups, left, objective, rng)
    spread = _searched(*_first_pairs(objective, rng, SPREAD), objective, rng)
    if objective.size > 2 * THOROUGH_UP_TO:
        return spread
    # Small rounds are cheap: also search from the plan that does not spread ties, keep the best.
    plain = _searched(*_first_pairs(objective, rng, 0.0), objective, rng)
    return max((spread, plain), key=objective.round_worth)


def pair_round(
    candidates: Sequence[Candidate],
    history: Sequence[PastGroup],
    settings: PairingSettings,
    round_index: int,
) -> list[tuple[str, ...]]:
    """Partition ``candidates`` into groups of ``settings.group_size`` (the remainder joins
    groups), respecting never-pair lists, avoiding recent repeats, maximising the round's worth.

    Raises ``InputError`` when the never-pair lists leave no valid partition the engine finds.
    """
    objective = RoundObjective(candidates, history, settings, round_index)
    n = objective.size
    if n == 0:
        return []
    if n < 2 * settings.group_size:
        groups = [list(range(n))]
    else:
        groups = _build(objective, settings, round_index)
    if any(breaks_never(objective, g) for g in groups):
        raise InputError(
            "the never-pair lists leave no way to group everyone in this round",
            usage="shorter never-pair lists, or a smaller group size",
        )
    named = [tuple(sorted(objective.ids[m] for m in g)) for g in groups]
    return sorted(named)
