"""Groups of three or more: every group that can be cross-team is.

The objective sums ties, and in groups of three or more it may value one group holding three
teams (its novel tie between two small teams) over two groups holding two teams each — which
leaves a group of one team that need not be. The round's first rule is the most cross-team
groups (min(groups, N − L), L the largest team), so after the search this pass moves members
into every group of one team while another group can spare a member of a different team:
p = (x, …) all of team X, q holding y of team Y ≠ X and, without y, still another team than X.
Swapping x and y makes p cross-team and leaves q cross-team, so each move adds one cross-team
group. Of the moves, the one the objective prices best is taken, and none adds a repeat or a
never-pair.
"""

from __future__ import annotations

from bot.pairing.crowding import TeamPairCounts
from bot.pairing.improve import _swap_gain
from bot.pairing.objective import RoundObjective


def _teams(objective: RoundObjective, group: list[int]) -> set[int]:
    return {objective.team_of[m] for m in group}


def _clean(objective: RoundObjective, group: list[int]) -> bool:
    return not any(
        objective.is_never(a, b) or objective.is_recent(a, b)
        for i, a in enumerate(group)
        for b in group[i + 1 :]
    )


def _best_move(
    p: list[int], groups: list[list[int]], objective: RoundObjective, counts: TeamPairCounts
) -> tuple[float, list[int], int, int, list[int], list[int]] | None:
    """The best-priced swap that makes the one-team group ``p`` cross-team, keeping its partner
    group cross-team and adding no repeat or never-pair; None if there is none."""
    team = objective.team_of
    own = team[p[0]]
    best: tuple[float, list[int], int, int, list[int], list[int]] | None = None
    for q in groups:
        if q is p or len(_teams(objective, q)) < 2:
            continue
        for c, y in enumerate(q):
            rest = {team[m] for at, m in enumerate(q) if at != c}
            if team[y] == own or rest == {own}:
                continue
            for a in range(len(p)):
                after_p = [y if at == a else m for at, m in enumerate(p)]
                after_q = [p[a] if at == c else m for at, m in enumerate(q)]
                if not (_clean(objective, after_p) and _clean(objective, after_q)):
                    continue
                change, removed, added = counts.group_swap(p, q, a, c)
                gain = _swap_gain(objective, p, q, a, c) + change
                if best is None or gain > best[0]:
                    best = (gain, q, a, c, removed, added)
    return best


def cover_one_team_groups(
    groups: list[list[int]], objective: RoundObjective, counts: TeamPairCounts
) -> int:
    """Make cross-team, in place, every group of one team that a swap can; returns how many."""
    if all(len(g) <= 2 for g in groups):
        return 0  # pairs: the objective already counts every cross-team pair first
    made = 0
    for p in groups:
        if len(_teams(objective, p)) != 1:
            continue
        move = _best_move(p, groups, objective, counts)
        if move is None:
            continue
        _, q, a, c, removed, added = move
        p[a], q[c] = q[c], p[a]
        counts.apply(removed, added)
        made += 1
    return made
