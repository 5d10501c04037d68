"""Local search: swap two members of different groups whenever the round gains worth.

Every move is scored by the objective itself, so the search needs no rule of its own: a swap
that breaks a never-pair or makes a repeat loses far more than anything it could gain. The
score of a move counts its ties and what it changes in crowding (:mod:`bot.pairing.crowding`):
the round's ties per team pair are kept in a :class:`TeamPairCounts` as groups change.
"""

from __future__ import annotations

import random

import numpy as np

from bot.pairing.crowding import (
    TeamPairCounts,
    history_by_key,
    independent,
    keys_of,
    swap_changes,
)
from bot.pairing.objective import NEVER, NOVELTY, RoundObjective

# Swaps tried per member, and at most in all: fixed counts, never a clock, so that the result
# depends on the inputs and the seed only.
TRIES_PER_MEMBER = 24
BASE_TRIES = 20_000  # small rounds are cheap: search them thoroughly
MAX_TRIES = 80_000
EPSILON = 1e-9
# No change in crowding gains more than this per tie moved: a move whose ties lose more cannot
# gain (the novelty of a tie is at most NOVELTY).
SPREAD_BOUND = NOVELTY


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
    if len(p) > 2 or len(q) > 2:
        bonus = objective.group_bonus
        after_p = [y if at == a else m for at, m in enumerate(p)]
        after_q = [x if at == c else m for at, m in enumerate(q)]
        gain += bonus(after_p) + bonus(after_q) - bonus(p) - bonus(q)
    return gain


def improve(
    groups: list[list[int]],
    objective: RoundObjective,
    rng: random.Random,
    counts: TeamPairCounts,
    tries: int = -1,
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
            if gain + 2 * SPREAD_BOUND <= EPSILON:
                continue
            change, removed, added = counts.pair_swap(x, u, y, v)
        else:
            gain = _swap_gain(objective, p, q, a, c)
            if gain + SPREAD_BOUND * (len(p) + len(q) - 2) <= EPSILON:
                continue
            change, removed, added = counts.group_swap(p, q, a, c)
        if gain + change > EPSILON:
            p[a], q[c] = q[c], p[a]
            counts.apply(removed, added)
            swaps += 1
    return swaps


def _has_violation(objective: RoundObjective, group: list[int]) -> bool:
    return any(
        objective.is_never(a, b) or objective.is_recent(a, b)
        for i, a in enumerate(group)
        for b in group[i + 1 :]
    )


def repair(
    groups: list[list[int]],
    objective: RoundObjective,
    rng: random.Random,
    counts: TeamPairCounts,
) -> None:
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
                best_move: tuple[list[int], list[int]] = ([], [])
                for c in range(len(q)):
                    change, removed, added = counts.group_swap(p, q, a, c)
                    gain = _swap_gain(objective, p, q, a, c) + change
                    if gain > best:
                        best, best_c, best_move = gain, c, (removed, added)
                if best_c >= 0:
                    p[a], q[best_c] = q[best_c], p[a]
                    counts.apply(*best_move)
                    break


def breaks_never(objective: RoundObjective, group: list[int]) -> bool:
    return any(
        objective.tie(a, b) <= NEVER / 2 for i, a in enumerate(group) for b in group[i + 1 :]
    )


def _best_of_two(
    p: list[int], q: list[int], objective: RoundObjective, counts: TeamPairCounts
) -> bool:
    """Pairs ``p`` and ``q`` the best of the three ways they can pair; whether they changed."""
    tie = objective.tie
    a, b = p
    c, d = q
    base = tie(a, b) + tie(c, d)
    across = tie(a, c) + tie(b, d) - base
    crossed = tie(a, d) + tie(b, c) - base
    if max(across, crossed) + 2 * SPREAD_BOUND <= EPSILON:
        return False
    # (a, b), (c, d) → (a, c), (b, d): b and c change places; → (a, d), (b, c): b and d do.
    change_across, removed_across, added_across = counts.pair_swap(b, a, c, d)
    change_crossed, removed_crossed, added_crossed = counts.pair_swap(b, a, d, c)
    across += change_across
    crossed += change_crossed
    if across > EPSILON and across >= crossed:
        p[1], q[0] = c, b
        counts.apply(removed_across, added_across)
        return True
    if crossed > EPSILON:
        p[1], q[1] = d, b
        counts.apply(removed_crossed, added_crossed)
        return True
    return False


def sweep_pairs(
    groups: list[list[int]], objective: RoundObjective, counts: TeamPairCounts, sweeps: int = 20
) -> None:
    """Try every two pairs both other ways, until no swap gains (or ``sweeps`` passes)."""
    pairs = [g for g in groups if len(g) == 2]
    for _ in range(sweeps):
        improved = False
        for at, p in enumerate(pairs):
            for q in pairs[at + 1 :]:
                improved |= _best_of_two(p, q, objective, counts)
        if not improved:
            return


def rotate_pairs(
    groups: list[list[int]],
    objective: RoundObjective,
    rng: random.Random,
    counts: TeamPairCounts,
    tries: int,
) -> None:
    """Random moves among three pairs at once, which two-pair swaps cannot reach."""
    tie = objective.tie
    key = objective.team_key
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
        if max(one_way, other_way) + 3 * SPREAD_BOUND <= EPSILON:
            continue
        removed = [key(a, b), key(c, d), key(e, f)]
        added_one = [key(a, d), key(c, f), key(e, b)]
        added_other = [key(a, f), key(c, b), key(e, d)]
        one_way += counts.change(removed, added_one)
        other_way += counts.change(removed, added_other)
        if one_way > EPSILON and one_way >= other_way:
            p[1], q[1], r[1] = d, f, b
            counts.apply(removed, added_one)
        elif other_way > EPSILON:
            p[1], q[1], r[1] = f, b, d
            counts.apply(removed, added_other)
        else:
            continue
        sweep_pairs(groups, objective, counts, sweeps=2)


def improve_pairs_in_batches(
    groups: list[list[int]],
    objective: RoundObjective,
    rng: random.Random,
    counts: TeamPairCounts,
    batches: int,
) -> None:
    """Random two-pair swaps, half the pairs at a time: each batch matches the pairs at random,
    scores both other ways of pairing each two with ``RoundObjective.ties`` and the change in
    crowding, and keeps gains whose team pairs no other kept swap of the batch changes."""
    pairs = [g for g in groups if len(g) == 2]
    count = len(pairs) // 2 * 2
    if count < 2:
        return
    members = np.array(pairs, dtype=np.int64)
    draws = np.random.default_rng(rng.getrandbits(64))
    worth = objective.ties(members[:, 0], members[:, 1])
    team = np.array(objective.team_of, dtype=np.int64)
    teams = len(objective.teams)
    history = history_by_key(objective)
    tally = counts.array()
    for _ in range(batches):
        order = draws.permutation(len(pairs))[:count]
        p, q = order[0::2], order[1::2]
        a, b, c, d = members[p, 0], members[p, 1], members[q, 0], members[q, 1]
        base = worth[p] + worth[q]
        ac, bd = objective.ties(a, c), objective.ties(b, d)
        ad, bc = objective.ties(a, d), objective.ties(b, c)
        k_ab, k_cd = keys_of(team, teams, a, b), keys_of(team, teams, c, d)
        k_ac, k_bd = keys_of(team, teams, a, c), keys_of(team, teams, b, d)
        k_ad, k_bc = keys_of(team, teams, a, d), keys_of(team, teams, b, c)
        change_across, keys_across, moved_across = swap_changes(
            objective, tally, history, (k_ab, k_cd, k_ac, k_bd)
        )
        change_crossed, keys_crossed, moved_crossed = swap_changes(
            objective, tally, history, (k_ab, k_cd, k_ad, k_bc)
        )
        across = ac + bd - base + change_across
        crossed = ad + bc - base + change_crossed
        one = (across > EPSILON) & (across >= crossed)
        other = (crossed > EPSILON) & ~one
        chosen = one | other
        keys = np.where(one[:, None], keys_across, keys_crossed)
        moved = np.where(one[:, None], moved_across, moved_crossed) & chosen[:, None]
        kept = independent(keys, moved)
        one &= kept
        other &= kept
        for slot, sign in ((0, -1), (1, -1), (2, 1), (3, 1)):
            np.add.at(tally, keys[one | other, slot], sign)
        members[p[one], 1] = c[one]
        members[q[one], 0] = b[one]
        worth[p[one]], worth[q[one]] = ac[one], bd[one]
        members[p[other], 1] = d[other]
        members[q[other], 1] = b[other]
        worth[p[other]], worth[q[other]] = ad[other], bc[other]
    for pair, (x, y) in zip(pairs, members.tolist(), strict=True):
        pair[0], pair[1] = x, y
    counts.load(tally)
