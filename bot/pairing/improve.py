"""Local search: swap two members of different groups whenever the round gains worth.

Every move is scored by the objective itself, so the search needs no rule of its own: a swap
that breaks a never-pair or makes a repeat loses far more than anything it could gain.
"""

from __future__ import annotations

import random

import numpy as np

from bot.pairing.objective import NEVER, RoundObjective

# Swaps tried per member, and at most in all: fixed counts, never a clock, so that the result
# depends on the inputs and the seed only.
TRIES_PER_MEMBER = 24
BASE_TRIES = 20_000  # small rounds are cheap: search them thoroughly
MAX_TRIES = 80_000
EPSILON = 1e-9


def _swap_gain(objective: RoundObjective, p: list[int], q: list[int], a: int, c: int) -> float:
    """What the round gains when member ``p[a]`` and member ``q[c]`` change groups."""
    tie = objective.tie
    x, y = p[a], q[c]
    gain = 0.0
    for at, other in enumerate(p):
        if at != a:
            gain += tie(y, other) - tie(x, other)
    for at, other in enumerate(q):
        if at != c:
            gain += tie(x, other) - tie(y, other)
    return gain


def improve(
    groups: list[list[int]], objective: RoundObjective, rng: random.Random, tries: int = -1
) -> int:
    """Improve ``groups`` in place by random member swaps; returns the number of swaps made."""
    count = len(groups)
    if count < 2:
        return 0
    members = sum(len(g) for g in groups)
    budget = (
        min(TRIES_PER_MEMBER * members + min(BASE_TRIES, 200 * members), MAX_TRIES)
        if tries < 0
        else tries
    )
    draw = rng.random
    tie = objective.tie
    swaps = 0
    for _ in range(budget):
        p = groups[int(draw() * count)]
        q = groups[int(draw() * count)]
        if p is q:
            continue
        a = int(draw() * len(p))
        c = int(draw() * len(q))
        if len(p) == 2 and len(q) == 2:
            x, y, u, v = p[a], q[c], p[1 - a], q[1 - c]
            gain = tie(y, u) + tie(x, v) - tie(x, u) - tie(y, v)
        else:
            gain = _swap_gain(objective, p, q, a, c)
        if gain > EPSILON:
            p[a], q[c] = q[c], p[a]
            swaps += 1
    return swaps


def _has_violation(objective: RoundObjective, group: list[int]) -> bool:
    return any(
        objective.is_never(a, b) or objective.is_recent(a, b)
        for i, a in enumerate(group)
        for b in group[i + 1 :]
    )


def repair(groups: list[list[int]], objective: RoundObjective, rng: random.Random) -> None:
    """Swap members out of groups that break a never-pair or repeat a recent tie, if any swap
    with another group gains worth (which removing a violation does, unless it adds one)."""
    count = len(groups)
    for at in range(count):
        p = groups[at]
        if not _has_violation(objective, p):
            continue
        order = list(range(count))
        rng.shuffle(order)
        for a in range(len(p)):
            if not _has_violation(objective, p):
                break
            for other in order:
                q = groups[other]
                if q is p:
                    continue
                best, best_c = EPSILON, -1
                for c in range(len(q)):
                    gain = _swap_gain(objective, p, q, a, c)
                    if gain > best:
                        best, best_c = gain, c
                if best_c >= 0:
                    p[a], q[best_c] = q[best_c], p[a]
                    break


def breaks_never(objective: RoundObjective, group: list[int]) -> bool:
    return any(
        objective.tie(a, b) <= NEVER / 2 for i, a in enumerate(group) for b in group[i + 1 :]
    )


def sweep_pairs(groups: list[list[int]], objective: RoundObjective, sweeps: int = 20) -> None:
    """Try every two pairs both other ways, until no swap gains (or ``sweeps`` passes)."""
    tie = objective.tie
    pairs = [g for g in groups if len(g) == 2]
    for _ in range(sweeps):
        improved = False
        for at, p in enumerate(pairs):
            for q in pairs[at + 1 :]:
                a, b = p
                c, d = q
                base = tie(a, b) + tie(c, d)
                across = tie(a, c) + tie(b, d) - base
                crossed = tie(a, d) + tie(b, c) - base
                if across > EPSILON and across >= crossed:
                    p[1], q[0] = c, b
                    improved = True
                elif crossed > EPSILON:
                    p[1], q[1] = d, b
                    improved = True
        if not improved:
            return


def rotate_pairs(
    groups: list[list[int]], objective: RoundObjective, rng: random.Random, tries: int
) -> None:
    """Random moves among three pairs at once, which two-pair swaps cannot reach."""
    tie = objective.tie
    pairs = [g for g in groups if len(g) == 2]
    if len(pairs) < 3:
        return
    for _ in range(tries):
        p, q, r = rng.sample(pairs, 3)
        a, b = p
        c, d = q
        e, f = r
        base = tie(a, b) + tie(c, d) + tie(e, f)
        one_way = tie(a, d) + tie(c, f) + tie(e, b) - base
        other_way = tie(a, f) + tie(c, b) + tie(e, d) - base
        if one_way > EPSILON and one_way >= other_way:
            p[1], q[1], r[1] = d, f, b
        elif other_way > EPSILON:
            p[1], q[1], r[1] = f, b, d
        else:
            continue
        sweep_pairs(groups, objective, sweeps=2)


def improve_pairs_in_batches(
    groups: list[list[int]], objective: RoundObjective, rng: random.Random, batches: int
) -> None:
    """Random two-pair swaps, half the pairs at a time: each batch matches the pairs at random,
    scores both other ways of pairing each two with ``RoundObjective.ties`` and keeps gains."""
    pairs = [g for g in groups if len(g) == 2]
    count = len(pairs) // 2 * 2
    if count < 2:
        return
    members = np.array(pairs, dtype=np.int64)
    draws = np.random.default_rng(rng.getrandbits(64))
    worth = objective.ties(members[:, 0], members[:, 1])
    for _ in range(batches):
        order = draws.permutation(len(pairs))[:count]
        p, q = order[0::2], order[1::2]
        a, b, c, d = members[p, 0], members[p, 1], members[q, 0], members[q, 1]
        base = worth[p] + worth[q]
        ac, bd = objective.ties(a, c), objective.ties(b, d)
        ad, bc = objective.ties(a, d), objective.ties(b, c)
        across, crossed = ac + bd - base, ad + bc - base
        one = (across > EPSILON) & (across >= crossed)
        other = (crossed > EPSILON) & ~one
        members[p[one], 1] = c[one]
        members[q[one], 0] = b[one]
        worth[p[one]], worth[q[one]] = ac[one], bd[one]
        members[p[other], 1] = d[other]
        members[q[other], 1] = b[other]
        worth[p[other]], worth[q[other]] = ad[other], bc[other]
    for pair, (x, y) in zip(pairs, members.tolist(), strict=True):
        pair[0], pair[1] = x, y
