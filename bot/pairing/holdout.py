"""Team pairs held out of steering, so that the steering's lift can be measured.

The engine steers toward team pairs that have met least: a tie's novelty is
``NOVELTY / (1 + STEP × ties so far)``. A held-out team pair is not steered to: it counts as
connected as the round's average team pair — the ties that give the mean novelty over every two
teams of the round — whatever its own ties. Its members are still paired (the pair is worth
what any cross-team tie of average novelty is worth), and its ties still crowd within a round.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence, Set

import numpy as np
import numpy.typing as npt

from bot.domain import TeamPath


def untargeted_ties(
    ties: npt.NDArray[np.float64],
    teams: Sequence[TeamPath],
    untargeted: Set[tuple[TeamPath, TeamPath]],
    average: Callable[[npt.NDArray[np.float64]], float],
) -> npt.NDArray[np.float64]:
    """``ties`` (between every two teams, symmetric) with each untargeted team pair's entry set
    to ``average(ties between every two teams)``: the ties of a team pair of average novelty."""
    count = len(teams)
    if not untargeted or count < 2:
        return ties
    code = {team: i for i, team in enumerate(teams)}
    held = [(code[a], code[b]) for a, b in untargeted if a in code and b in code and a != b]
    if not held:
        return ties
    level = average(ties[np.triu_indices(count, 1)])
    changed = ties.copy()
    rows = np.array([i for i, _ in held], dtype=np.int64)
    cols = np.array([j for _, j in held], dtype=np.int64)
    changed[rows, cols] = level
    changed[cols, rows] = level
    return changed
