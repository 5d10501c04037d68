"""The groups of a round in which each two teams meet, so that moves see the whole objective.

A tie's worth (:meth:`RoundObjective.tie`) falls with the ties between the same two teams
earlier in the round (:meth:`RoundObjective.crowding`). :class:`TeamPairCounts` keeps those
counts for a round being searched and prices a move exactly: what it gains in ties, plus what
it changes in crowding. The order of ties within a round does not matter: the crowding of a
team pair depends on its count only.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import numpy.typing as npt

from bot.pairing.objective import NOVELTY, STEP, RoundObjective


def team_pairs(objective: RoundObjective, group: Sequence[int]) -> list[int]:
    """The team pairs (keys) that meet in ``group``, each once: a group of three with two
    members of one team and one of another is one meeting of the two teams."""
    if len(group) == 2:
        return [objective.team_key(group[0], group[1])]
    return sorted({objective.team_key(a, b) for a, b in combinations(group, 2)})


class TeamPairCounts:
    """The ties of a round per team pair (keys of :meth:`RoundObjective.team_key`)."""

    def __init__(self, objective: RoundObjective, groups: Sequence[Sequence[int]]) -> None:
        self.objective = objective
        teams = len(objective.teams)
        self.counts: list[int] = [0] * (teams * teams)
        for group in groups:
            for key in team_pairs(objective, group):
                self.counts[key] += 1

    def change(self, removed: Sequence[int], added: Sequence[int]) -> float:
        """What crowding changes (gained worth) if ties of team pairs ``removed`` go and
        ``added`` come; counts are left as they are."""
        crowding = self.objective.crowding
        counts = self.counts
        moved: dict[int, int] = {}
        total = 0.0
        for key in removed:
            now = counts[key] + moved.get(key, 0)
            total -= crowding(key, now - 1)
            moved[key] = moved.get(key, 0) - 1
        for key in added:
            now = counts[key] + moved.get(key, 0)
            total += crowding(key, now)
            moved[key] = moved.get(key, 0) + 1
        return total

    def apply(self, removed: Sequence[int], added: Sequence[int]) -> None:
        for key in removed:
            self.counts[key] -= 1
        for key in added:
            self.counts[key] += 1

    def pair_swap(self, x: int, u: int, y: int, v: int) -> tuple[float, list[int], list[int]]:
        """Pairs (x, u) and (y, v) becoming (y, u) and (x, v): the change in crowding and the
        team pairs removed and added."""
        key = self.objective.team_key
        removed = [key(x, u), key(y, v)]
        added = [key(y, u), key(x, v)]
        if sorted(removed) == sorted(added):
            return 0.0, removed, added
        return self.change(removed, added), removed, added

    def group_swap(
        self, p: Sequence[int], q: Sequence[int], a: int, c: int
    ) -> tuple[float, list[int], list[int]]:
        """Member ``p[a]`` and member ``q[c]`` changing groups: as :meth:`pair_swap`."""
        objective = self.objective
        after_p = [q[c] if at == a else m for at, m in enumerate(p)]
        after_q = [p[a] if at == c else m for at, m in enumerate(q)]
        removed = team_pairs(objective, p) + team_pairs(objective, q)
        added = team_pairs(objective, after_p) + team_pairs(objective, after_q)
        if sorted(removed) == sorted(added):
            return 0.0, removed, added
        return self.change(removed, added), removed, added

    def array(self) -> npt.NDArray[np.int64]:
        return np.array(self.counts, dtype=np.int64)

    def load(self, counts: npt.NDArray[np.int64]) -> None:
        self.counts = counts.tolist()


def crowding_of(
    objective: RoundObjective,
    history: npt.NDArray[np.float64],
    keys: npt.NDArray[np.int64],
    earlier: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    """:meth:`RoundObjective.crowding` for many ties at once (``history`` per key flattened,
    diagonal keys marked with NaN)."""
    so_far = history[keys]
    worth = NOVELTY / (1.0 + STEP * (so_far + earlier)) - NOVELTY / (1.0 + STEP * so_far)
    result: npt.NDArray[np.float64] = np.where(np.isnan(so_far) | (earlier == 0), 0.0, worth)
    return result


def history_by_key(objective: RoundObjective) -> npt.NDArray[np.float64]:
    """The history's ties per team-pair key, NaN on the diagonal (ties inside a team)."""
    history = objective.team_ties.astype(np.float64)
    np.fill_diagonal(history, np.nan)
    flat: npt.NDArray[np.float64] = history.ravel()
    return flat


def keys_of(
    team: npt.NDArray[np.int64], teams: int, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """``RoundObjective.team_key`` for many pairs of members at once."""
    ta, tb = team[a], team[b]
    keys: npt.NDArray[np.int64] = np.minimum(ta, tb) * teams + np.maximum(ta, tb)
    return keys


def swap_changes(
    objective: RoundObjective,
    counts: npt.NDArray[np.int64],
    history: npt.NDArray[np.float64],
    slots: tuple[npt.NDArray[np.int64], ...],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """For many moves at once, each removing ties of team pairs ``r1, r2`` and adding ``a1,
    a2`` (``slots``): the change in crowding, the four keys, and which of them change count."""
    r1, r2, a1, a2 = slots
    one = np.int64(1)
    same = [[np.equal(x, y).astype(np.int64) for y in slots] for x in slots]
    change = -crowding_of(objective, history, r1, counts[r1] - one)
    change -= crowding_of(objective, history, r2, counts[r2] - one - same[1][0])
    change += crowding_of(objective, history, a1, counts[a1] - same[2][0] - same[2][1])
    change += crowding_of(objective, history, a2, counts[a2] - same[3][0] - same[3][1] + same[3][2])
    signs = (-1, -1, 1, 1)
    net = np.stack([sum(signs[o] * same[s][o] for o in range(4)) for s in range(4)], axis=1)
    keys = np.stack(slots, axis=1)
    diagonal = np.isnan(history[keys])
    return change, keys, (net != 0) & ~diagonal


def independent(
    keys: npt.NDArray[np.int64], changed: npt.NDArray[np.bool_]
) -> npt.NDArray[np.bool_]:
    """Of moves in order of preference, those whose changed team pairs no earlier move
    changes: their crowding changes then add up exactly."""
    rows, cols = np.nonzero(changed)
    kept = np.ones(len(keys), dtype=bool)
    if not len(rows):
        return kept
    flat = keys[rows, cols]
    _, first, inverse = np.unique(flat, return_index=True, return_inverse=True)
    owner = rows[first][inverse]
    kept[rows[owner != rows]] = False
    return kept
