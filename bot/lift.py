"""The lift of the steering, estimated against team pairs held out of it (``set holdout``).

When a holdout starts, every two teams (of the members taking part) that have never met are
listed, and a random share of them is held out of steering for ``HOLDOUT_ROUNDS`` rounds (the
engine values them as a team pair of average connection, never for being unmet). The pairs were
assigned at random, so the held-out ones show what the engine makes of never-met team pairs
without steering toward them — the "chance" the steered ones are compared with.

Each listed team pair is one unit: it *met* if at least one group of the holdout's rounds
joined the two teams. With ``p_s`` and ``p_h`` the shares of steered and held-out pairs that met
(over ``n_s`` and ``n_h`` pairs), the lift is the difference of proportions, with a normal
(Wald) 95% interval::

    d = p_s − p_h,   se = √(p_s(1 − p_s)/n_s + p_h(1 − p_h)/n_h),   d ± 1.96 se

and the new cross-team ties the steering made beyond chance are ``n_s × d`` team pairs (the
interval scaled alike). It is an estimate: the interval is wide when few pairs are held out,
and the held-out pairs, while not sought, are not quite untouched either (they still take part
in rounds that steer toward the others).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from bot.domain import TeamPath

HOLDOUT_ROUNDS = 12
Z95 = 1.959964

TeamPair = tuple[TeamPath, TeamPath]  # lower team first


@dataclass(frozen=True)
class Lift:
    """An estimate of how many more never-met team pairs the steering joined than chance."""

    rounds: int  # holdout rounds run so far (at most HOLDOUT_ROUNDS)
    steered: int  # never-met team pairs steered to
    steered_met: int
    held: int  # never-met team pairs held out
    held_met: int

    @property
    def steered_share(self) -> float:
        return self.steered_met / self.steered if self.steered else 0.0

    @property
    def held_share(self) -> float:
        return self.held_met / self.held if self.held else 0.0

    @property
    def difference(self) -> float:
        """p_s − p_h: how much likelier a steered never-met team pair was to meet."""
        return self.steered_share - self.held_share

    @property
    def standard_error(self) -> float:
        if not self.steered or not self.held:
            return math.inf
        s, h = self.steered_share, self.held_share
        return math.sqrt(s * (1 - s) / self.steered + h * (1 - h) / self.held)

    @property
    def extra(self) -> float:
        """The estimated new team-pair ties the steering made beyond chance."""
        return self.steered * self.difference

    @property
    def interval(self) -> tuple[float, float]:
        """The 95% interval of ``extra`` (infinite without pairs on both sides)."""
        margin = self.steered * Z95 * self.standard_error
        if math.isinf(margin):
            return (-math.inf, math.inf)
        return (self.extra - margin, self.extra + margin)

    def as_dict(self) -> dict[str, float | int | str]:
        low, high = self.interval
        return {
            "label": "estimate",
            "rounds": self.rounds,
            "steered_pairs": self.steered,
            "steered_met": self.steered_met,
            "held_out_pairs": self.held,
            "held_out_met": self.held_met,
            "steered_share": round(self.steered_share, 4),
            "held_out_share": round(self.held_share, 4),
            "extra_team_pairs_met": round(self.extra, 2),
            "interval_low": round(low, 2) if math.isfinite(low) else "",
            "interval_high": round(high, 2) if math.isfinite(high) else "",
            "interval": "95% normal (Wald) interval of a difference of proportions",
        }


def lift_of(
    pairs: Iterable[tuple[TeamPair, bool]],
    rounds: Sequence[Sequence[tuple[str, ...]]],
    team_of: Mapping[str, TeamPath],
) -> Lift:
    """The lift over the holdout's team ``pairs`` (each with whether it is held out) after the
    holdout's ``rounds`` of groups (member ids; ``team_of`` their teams)."""
    met: set[TeamPair] = set()
    for groups in rounds:
        for group in groups:
            met.update(combinations(sorted({team_of[m] for m in group if m in team_of}), 2))
    held: list[bool] = []
    steered: list[bool] = []
    for (a, b), is_held in pairs:
        (held if is_held else steered).append((min(a, b), max(a, b)) in met)
    return Lift(len(rounds), len(steered), sum(steered), len(held), sum(held))
