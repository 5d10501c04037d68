"""The exact optimum of a round of pairs, by maximum-weight matching (networkx).

Far too slow beyond a few hundred members; it is the yardstick the engine is measured against
in the tests and the benchmark. It scores ties with the engine's own objective.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import networkx as nx

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
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    # Every perfect matching has n / 2 edges, so a common offset keeps the weights positive
    # without changing which perfect matching is best.
    offset = -objective.repeat_penalty + 1.0
    for a, b in combinations(range(n), 2):
        worth = objective.tie(a, b)
        if worth > NEVER / 2:
            graph.add_edge(a, b, weight=worth + offset)
    matching = nx.max_weight_matching(graph, maxcardinality=True)
    if 2 * len(matching) != n:
        raise InputError("the never-pair lists leave no way to pair everyone")
    pairs = [tuple(sorted((objective.ids[a], objective.ids[b]))) for a, b in matching]
    return sorted(pairs)
