"""When one team holds a third or more of a round, let a few small teams meet each other.

With a team of L ≥ N / 3 members, most other members must be paired with it for the round to
have the most cross-team groups (min(N / 2, N − L)), and the smaller teams meet one another in
only N / 2 − L pairs a round (none at all once L > N / 2). The issue's balance: give up a few
cross-team groups a round — at most ``GIVE_UP_SHARE`` of the bound, so a round keeps at least
97.5% of it — for ties between small teams that have never met: two pairs (big, small₁) and
(big, small₂) become (big, big) and (small₁, small₂).

This is the one rule the engine applies over its objective; it changes nothing unless one team
holds a third of the round or more. What it may give up is bounded twice: in groups (above), and
in the objective — the regroups together cost at most ``GIVE_UP_WORTH`` (0.8%) of the round's
worth, cheapest first, so a round the search left within 0.2% of the optimum stays within 1% of
it (a small round, where one regroup costs more than that, is left as the objective wants it).
"""

from __future__ import annotations

import random

import numpy as np

from bot.pairing.crowding import TeamPairCounts
from bot.pairing.objective import RoundObjective

GIVE_UP_SHARE = 0.025
GIVE_UP_WORTH = 0.008
SCAN = 4  # pairs of each small team weighed for one regroup
TRIES_PER_REGROUP = 3  # team pairs weighed at most, per regroup the budget allows


def let_small_teams_meet(
    groups: list[list[int]], objective: RoundObjective, rng: random.Random
) -> int:
    """Regroup pairs in place so that never-met small teams meet; returns how many."""
    sizes = objective.team_sizes()
    big = max(range(len(sizes)), key=sizes.__getitem__)
    n = objective.size
    if 3 * sizes[big] < n:
        return 0
    budget = int(GIVE_UP_SHARE * min(n // 2, n - sizes[big]))
    team = objective.team_of
    by_team: dict[int, list[list[int]]] = {}
    for group in groups:
        if len(group) == 2 and (team[group[0]] == big) != (team[group[1]] == big):
            if team[group[0]] != big:
                group.reverse()  # the big team's member first
            by_team.setdefault(team[group[1]], []).append(group)
    if budget == 0 or len(by_team) < 2:
        return 0
    present = np.zeros(len(sizes), dtype=bool)
    present[list(by_team)] = True
    first, second = np.nonzero(np.triu(objective.team_ties == 0, 1) & np.outer(present, present))
    noise = np.array([rng.random() for _ in range(len(first))])
    order = np.lexsort((noise, -objective.team_worth[first, second]))
    counts = TeamPairCounts(objective, groups)
    allowance = GIVE_UP_WORTH * objective.round_worth(groups)
    made = 0
    for k in order[: TRIES_PER_REGROUP * budget].tolist():
        if made == budget or allowance <= 0:
            break
        mine, theirs = by_team[int(first[k])], by_team[int(second[k])]
        cost = _regroup(mine, theirs, objective, counts, allowance)
        if cost is not None:
            allowance -= cost
            made += 1
    return made


def _regroup(
    mine: list[list[int]],
    theirs: list[list[int]],
    objective: RoundObjective,
    counts: TeamPairCounts,
    allowance: float,
) -> float | None:
    """Turn the pair of each list that costs the round least into (big, big) and (small, small),
    if no rule breaks and it costs at most ``allowance`` of worth; what it cost (None: none)."""
    tie, key = objective.tie, objective.team_key
    best: tuple[float, list[int], list[int]] | None = None
    for p in mine[:SCAN]:
        for q in theirs[:SCAN]:
            (b1, s1), (b2, s2) = p, q
            if objective.tie(b1, b2) <= 0 or objective.tie(s1, s2) <= 0:
                continue
            removed, added = [key(b1, s1), key(b2, s2)], [key(b1, b2), key(s1, s2)]
            gain = tie(b1, b2) + tie(s1, s2) - tie(b1, s1) - tie(b2, s2)
            cost = -(gain + counts.change(removed, added))
            if cost <= allowance and (best is None or cost < best[0]):
                best = (cost, p, q)
    if best is not None:
        cost, p, q = best
        (b1, s1), (b2, s2) = p, q
        p[1], q[0] = b2, s1
        counts.apply([key(b1, s1), key(b2, s2)], [key(b1, b2), key(s1, s2)])
        mine.remove(p)
        theirs.remove(q)
        return cost
    return None
