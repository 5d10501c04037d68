"""First partitions, built team by team before the local search refines them.

Pairs (:func:`pairs_by_team_plan`): a greedy plan over team pairs, best worth first and, among
equal worth, the team pair planned least often this round, so ties spread over many team pairs.
A feasibility rule keeps the number of cross-team pairs at its maximum: once the largest team
holds half of the members left, it takes a partner from every other team.

Groups of 3 to 6 (:func:`groups_by_dealing`): members dealt round-robin from the largest team
down, which spreads every team over as many groups as it can.
"""

from __future__ import annotations

import heapq
import random

import numpy as np

from bot.pairing.objective import RoundObjective

# Team pairs the plan ranks at most, per member of the round (and at least): with many small
# teams, T² team pairs would cost more than the round.
HEAP_PER_MEMBER = 4
MIN_HEAP = 20_000
PARTNER_SCAN = 6  # members of the partner team weighed for each tie
SPREAD = 1.0  # how much the plan weighs a tie's lesser worth later in the round


class _Sizes:
    """Members left per team, with the largest found quickly (a lazy max-heap)."""

    def __init__(self, sizes: list[int]) -> None:
        self.sizes = sizes
        self.open = np.array(sizes, dtype=np.int64) > 0
        self.total = sum(sizes)
        self._heap = [(-s, t) for t, s in enumerate(sizes) if s > 0]
        heapq.heapify(self._heap)

    def take(self, team: int, count: int = 1) -> None:
        self.sizes[team] -= count
        self.total -= count
        self.open[team] = self.sizes[team] > 0
        if self.sizes[team] > 0:
            heapq.heappush(self._heap, (-self.sizes[team], team))

    def largest(self, exclude: tuple[int, ...] = ()) -> int:
        """The team with the most members left outside ``exclude``, or -1."""
        held: list[tuple[int, int]] = []
        found = -1
        while self._heap:
            size, team = self._heap[0]
            if -size != self.sizes[team]:
                heapq.heappop(self._heap)
                continue
            if team in exclude:
                held.append(heapq.heappop(self._heap))
                continue
            found = team
            break
        for item in held:
            heapq.heappush(self._heap, item)
        return found

    def keeps_cross_feasible(self, i: int, j: int) -> bool:
        """Whether pairing teams ``i`` and ``j`` still lets every later pair cross teams."""
        left = self.total - 2
        room = left + left % 2
        for team in (self.largest((i, j)), i, j):
            if team < 0:
                continue
            size = self.sizes[team] - (1 if team in (i, j) else 0)
            if 2 * size > room:
                return False
        return True


def _pools(objective: RoundObjective, rng: random.Random) -> list[list[int]]:
    pools: list[list[int]] = [[] for _ in objective.teams]
    for member, team in enumerate(objective.team_of):
        pools[team].append(member)
    first = objective.first
    for pool in pools:
        rng.shuffle(pool)
        # Members who go first are drawn first (from the end): toward the best team pairs.
        pool.sort(key=first.__getitem__)
    return pools


def _take_partner(objective: RoundObjective, a: int, pool: list[int]) -> int:
    """Remove and return the member of ``pool`` (among the last few) best tied to ``a``."""
    best_at = len(pool) - 1
    best = objective.tie(a, pool[best_at])
    for at in range(len(pool) - 2, max(-1, len(pool) - 1 - PARTNER_SCAN), -1):
        worth = objective.tie(a, pool[at])
        if worth > best:
            best, best_at = worth, at
    pool[best_at], pool[-1] = pool[-1], pool[best_at]
    return pool.pop()


def pairs_by_team_plan(
    objective: RoundObjective,
    rng: random.Random,
    priced_team: int | None = None,
    spread: float = SPREAD,
) -> tuple[list[list[int]], list[int], int | None]:
    """Pairs, members left over (at most one), and the team that had to take every partner.

    ``spread`` weighs, for each further tie between two teams, how much less the next round
    would value it. With ``priced_team`` set, the other team pairs are ranked by their worth
    less the worth each member would have had with that team: the right ranking once it takes
    every partner left.
    """
    pools = _pools(objective, rng)
    sizes = _Sizes([len(p) for p in pools])
    worth = objective.team_worth
    count = len(objective.teams)
    upper = np.triu_indices(count, 1)
    score = worth[upper]
    if priced_team is not None:
        score = score - worth[priced_team][upper[0]] - worth[priced_team][upper[1]]
    live = sizes.open[upper[0]] & sizes.open[upper[1]]
    if priced_team is not None:
        live &= (upper[0] != priced_team) & (upper[1] != priced_team)
    order = np.flatnonzero(live)
    noise = np.random.default_rng(rng.getrandbits(64)).random(len(order))
    limit = max(HEAP_PER_MEMBER * sizes.total, MIN_HEAP)
    if len(order) > limit:
        # Many small teams: only the best team pairs can be planned in one round anyway.
        best = np.sort(np.argpartition(-(score[order] + noise * 1e-6), limit)[:limit])
        order, noise = order[best], noise[best]
    heap = list(
        zip(
            (-score[order]).tolist(),
            [0] * len(order),
            noise.tolist(),
            upper[0][order].tolist(),
            upper[1][order].tolist(),
            strict=True,
        )
    )
    heapq.heapify(heap)
    tiebreak = np.array([rng.random() for _ in range(count)]) * 1e-9
    planned = np.zeros(count, dtype=np.int64)
    pairs: list[list[int]] = []
    forced: int | None = None
    while sizes.total >= 2:
        big = sizes.largest()
        entry = None
        while heap:
            top = heap[0]
            i, j = top[3], top[4]
            if sizes.sizes[i] == 0 or sizes.sizes[j] == 0:
                heapq.heappop(heap)
                continue
            if sizes.keeps_cross_feasible(i, j):
                entry = heapq.heappop(heap)
            break
        if entry is not None:
            _, times, _, i, j = entry
            a = pools[i].pop()
            pairs.append([a, _take_partner(objective, a, pools[j])])
            sizes.take(i)
            sizes.take(j)
            if sizes.sizes[i] and sizes.sizes[j]:
                # Rank the next tie between these teams as if this one had already happened:
                # ties spread over many team pairs rather than pile up on the best one.
                later = objective.team_tie(i, j, times + 1) - objective.team_tie(i, j)
                heapq.heappush(heap, (entry[0] - later * spread, times + 1, rng.random(), i, j))
            continue
        # The largest team must take a partner from the best other team (all of it).
        row = worth[big] - planned * 1e-6 + tiebreak
        open_teams = sizes.open.copy()
        open_teams[big] = False
        if open_teams.any():
            forced = big if forced is None else forced
            j = int(np.argmax(np.where(open_teams, row, -np.inf)))
            units = min(sizes.sizes[j], sizes.sizes[big])
        else:
            j = big
            units = sizes.sizes[big] // 2
        for _ in range(units):
            a = pools[big].pop()
            pairs.append([a, _take_partner(objective, a, pools[j])])
        sizes.take(big, units)
        sizes.take(j, units)
        planned[j] += units
    left = [m for pool in pools for m in pool]
    return pairs, left, forced


def groups_by_dealing(
    objective: RoundObjective, rng: random.Random, size: int
) -> tuple[list[list[int]], list[int]]:
    """Groups of ``size`` dealt round-robin from the largest team down, and the remainder."""
    pools = _pools(objective, rng)
    order = sorted(range(len(pools)), key=lambda t: (-len(pools[t]), rng.random()))
    dealt = [m for t in order for m in pools[t]]
    count = len(dealt) // size
    groups: list[list[int]] = [[] for _ in range(count)]
    for at in range(count * size):
        groups[at % count].append(dealt[at])
    return groups, dealt[count * size :]
