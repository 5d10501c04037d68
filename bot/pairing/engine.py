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
from bot.pairing.greedy import groups_by_dealing, pairs_by_team_plan
from bot.pairing.improve import breaks_never, improve, repair, rotate_pairs, sweep_pairs
from bot.pairing.model import Candidate, PairingSettings, PastGroup
from bot.pairing.objective import RoundObjective

__all__ = ["Candidate", "PairingSettings", "PastGroup", "pair_round", "round_rng"]

# Rounds of up to this many pairs also get exhaustive two-pair sweeps and three-pair moves.
THOROUGH_UP_TO = 300
ROTATIONS = 3_000


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


def _build(
    objective: RoundObjective, settings: PairingSettings, round_index: int
) -> list[list[int]]:
    rng = round_rng(settings, round_index)
    if settings.group_size == 2:
        pairs, left, forced = pairs_by_team_plan(objective, rng)
        if forced is not None:
            priced, priced_left, _ = pairs_by_team_plan(objective, rng, priced_team=forced)
            if sum(map(objective.group, priced)) > sum(map(objective.group, pairs)):
                pairs, left = priced, priced_left
        groups = pairs
    else:
        groups, left = groups_by_dealing(objective, rng, settings.group_size)
    _place_remainder(groups, left, objective)
    improve(groups, objective, rng)
    if settings.group_size == 2 and len(groups) <= THOROUGH_UP_TO:
        sweep_pairs(groups, objective)
        rotate_pairs(groups, objective, rng, ROTATIONS)
    repair(groups, objective, rng)
    return groups


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
