"""The exact optimum of a round of pairs, by mixed-integer programming (scipy's HiGHS).

Far too slow beyond a few hundred members; it is the yardstick the engine is measured against
in the tests and the benchmark. It scores ties with the engine's own objective, crowding
included: a binary variable per possible pair, each member in one pair, and for every two
teams continuous steps whose (falling) worths price the round's second, third, … tie between
them — the steps fill in order because each is worth less than the one before.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from bot.errors import InputError
from bot.pairing.model import Candidate, PairingSettings, PastGroup
from bot.pairing.objective import NEVER, RoundObjective

EXACT_LIMIT = 500


def optimal_pairs(
    candidates: Sequence[Candidate],
    history: Sequence[PastGroup],
    settings: PairingSettings,
    round_index: int,
) -> list[tuple[str, ...]]:
    """The pairs of greatest worth, for an even number of members (at most ``EXACT_LIMIT``)."""
    objective = RoundObjective(candidates, history, settings, round_index)
    n = objective.size
    if n % 2 or n > EXACT_LIMIT:
        raise InputError(
            f"the exact optimum takes an even number of members, at most {EXACT_LIMIT}",
            usage=f"2, 4, … {EXACT_LIMIT} members",
        )
    edges = [(a, b) for a, b in combinations(range(n), 2) if objective.tie(a, b) > NEVER / 2]
    worth = [objective.tie(a, b) for a, b in edges]
    by_key: dict[int, list[int]] = {}
    for e, (a, b) in enumerate(edges):
        by_key.setdefault(objective.team_key(a, b), []).append(e)
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for e, (a, b) in enumerate(edges):
        rows += [a, b]
        cols += [e, e]
        values += [1.0, 1.0]
    lower = [1.0] * n
    upper = [1.0] * n
    steps: list[float] = []
    row = n
    for key, members in sorted(by_key.items()):
        most = min(len(members), n // 2)
        prices = [objective.crowding(key, k) for k in range(1, most)]
        if not any(prices):
            continue
        # Σ pairs of the key − Σ steps ≤ 1: every tie after the first takes a step.
        rows += [row] * len(members)
        cols += members
        values += [1.0] * len(members)
        for price in prices:
            rows.append(row)
            cols.append(len(edges) + len(steps))
            values.append(-1.0)
            steps.append(price)
        lower.append(-np.inf)
        upper.append(1.0)
        row += 1
    count = len(edges) + len(steps)
    matrix = coo_array((values, (rows, cols)), shape=(row, count)).tocsr()
    cost = -np.array(worth + steps, dtype=np.float64)
    integrality = np.array([1] * len(edges) + [0] * len(steps))
    result = milp(
        cost,
        constraints=LinearConstraint(matrix, lower, upper),
        integrality=integrality,
        bounds=Bounds(0.0, 1.0),
    )
    if result.x is None:
        raise InputError("the never-pair lists leave no way to pair everyone")
    chosen = [edges[e] for e in np.flatnonzero(result.x[: len(edges)] > 0.5).tolist()]
    pairs = [tuple(sorted((objective.ids[a], objective.ids[b]))) for a, b in chosen]
    return sorted(pairs)
