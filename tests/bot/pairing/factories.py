"""Small factories for rosters and histories."""

from __future__ import annotations

import random
from collections.abc import Sequence

from bot.domain import TeamPath
from bot.pairing import Candidate, PastGroup

ORGANISATIONS = ("Acme", "Globex")


def team(number: int) -> TeamPath:
    """Team ``number``: nested in one of two organisations and a few departments."""
    return TeamPath((ORGANISATIONS[number % 2], f"Dept{number % 3}", f"Team{number}"))


def a_roster(sizes: Sequence[int], timezone: str = "UTC") -> list[Candidate]:
    """Members ``t<team>m<k>`` in teams of the given sizes."""
    return [
        Candidate(id=f"t{t}m{k}", team=team(t), timezone=timezone)
        for t, size in enumerate(sizes)
        for k in range(size)
    ]


def a_history(members: Sequence[Candidate], rounds: int, seed: int = 1) -> list[PastGroup]:
    """``rounds`` rounds of random pairs, numbered 1 to ``rounds``."""
    rng = random.Random(seed)
    past: list[PastGroup] = []
    for number in range(1, rounds + 1):
        ids = sorted(c.id for c in members)
        rng.shuffle(ids)
        past.extend(PastGroup(number, tuple(ids[k : k + 2])) for k in range(0, len(ids) - 1, 2))
    return past


def cross_team_groups(groups: Sequence[tuple[str, ...]], members: Sequence[Candidate]) -> int:
    team_of = {c.id: c.team for c in members}
    return sum(1 for g in groups if len({team_of[m] for m in g}) > 1)


def cross_team_bound(groups: Sequence[tuple[str, ...]], members: Sequence[Candidate]) -> int:
    """With a largest team of L out of N: min(groups, N − L)."""
    sizes: dict[TeamPath, int] = {}
    for c in members:
        sizes[c.team] = sizes.get(c.team, 0) + 1
    return min(len(groups), len(members) - max(sizes.values()))


def ties(groups: Sequence[tuple[str, ...]]) -> set[frozenset[str]]:
    return {frozenset((a, b)) for g in groups for a in g for b in g if a < b}
