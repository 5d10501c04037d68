"""Planning several rounds ahead: each round counts the rounds before it as history."""

from __future__ import annotations

from collections.abc import Sequence

from bot.pairing.engine import pair_round
from bot.pairing.model import Candidate, PairingSettings, PastGroup

PlannedRound = tuple[int, list[tuple[str, ...]]]


def plan_rounds(
    candidates: Sequence[Candidate],
    history: Sequence[PastGroup],
    settings: PairingSettings,
    rounds: int,
) -> list[PlannedRound]:
    """``rounds`` rounds numbered on from the last round of ``history`` (from 1 without one)."""
    past = list(history)
    first = max((g.round_index for g in past), default=0) + 1
    planned: list[PlannedRound] = []
    for number in range(first, first + rounds):
        groups = pair_round(candidates, past, settings, number)
        planned.append((number, groups))
        past.extend(PastGroup(number, g) for g in groups)
    return planned
