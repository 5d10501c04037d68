"""How connected the teams are: the figures the digest and the demo's summary show.

``summarise(rounds, team_of)`` reads rounds of groups (each a tuple of member ids) and the team
of every member, and returns a :class:`NetworkReport`:

* cross-team ties per round and in all (a tie: two members in one group);
* the team-pair coverage: how many ties joined each two teams, and the fraction of team pairs
  that met at least once, after each round;
* Krackhardt's E-I index, (external − internal) / (external + internal) over the who-met-whom
  graph (each two members who met count once), for each round and for all rounds together:
  −1 when everyone only meets their own team, +1 when every tie crosses teams;
* the members never yet grouped with anyone from another team;
* the least connected team pairs: fewest ties first, then the furthest apart in the team path.

Members of a round missing from ``team_of`` are left out of every figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import numpy.typing as npt

from bot.domain import TeamPath
from bot.pairing.objective import team_distances

LEAST_CONNECTED = 10


@dataclass(frozen=True)
class TeamPairTies:
    """The ties between two teams so far (``first < second``)."""

    first: TeamPath
    second: TeamPath
    ties: int


@dataclass(frozen=True)
class NetworkReport:
    teams: tuple[TeamPath, ...]  # sorted; the rows and columns of ``coverage``
    cross_team_ties_per_round: tuple[int, ...]
    cross_team_ties: int
    ties_per_round: tuple[int, ...]
    coverage: tuple[tuple[int, ...], ...]  # ties between every two teams, all rounds together
    coverage_per_round: tuple[float, ...]  # fraction of team pairs met, after each round
    ei_index_per_round: tuple[float, ...]
    ei_index: float  # over every round together
    never_crossed: tuple[str, ...]  # members never grouped with another team, sorted
    least_connected: tuple[TeamPairTies, ...]

    @property
    def team_pairs(self) -> int:
        count = len(self.teams)
        return count * (count - 1) // 2

    @property
    def coverage_fraction(self) -> float:
        """The fraction of team pairs that have met, after the last round (1.0 for one team)."""
        if self.coverage_per_round:
            return self.coverage_per_round[-1]
        return 0.0 if self.team_pairs else 1.0


def ei_index(external: int, internal: int) -> float:
    """Krackhardt's E-I index; 0.0 when there are no ties at all."""
    total = external + internal
    return (external - internal) / total if total else 0.0


def summarise(
    rounds: Sequence[Sequence[tuple[str, ...]]],
    team_of: Mapping[str, TeamPath],
    least: int = LEAST_CONNECTED,
) -> NetworkReport:
    """The network figures of ``rounds`` (oldest first) for members in teams ``team_of``."""
    teams = tuple(sorted(set(team_of.values())))
    code = {team: i for i, team in enumerate(teams)}
    member_team = {m: code[t] for m, t in team_of.items()}
    count = len(teams)
    pairs_total = count * (count - 1) // 2
    matrix = np.zeros((count, count), dtype=np.int64)
    met: set[tuple[str, str]] = set()
    met_external = met_internal = 0
    crossed: set[str] = set()
    cross_per_round: list[int] = []
    ties_per_round: list[int] = []
    coverage_per_round: list[float] = []
    ei_per_round: list[float] = []
    covered = 0
    for groups in rounds:
        rows: list[int] = []
        cols: list[int] = []
        round_pairs: set[tuple[str, str]] = set()
        internal = 0
        for group in groups:
            known = sorted(m for m in set(group) if m in member_team)
            for a, b in combinations(known, 2):
                ta, tb = member_team[a], member_team[b]
                round_pairs.add((a, b))
                if ta == tb:
                    internal += 1
                    continue
                rows.append(min(ta, tb))
                cols.append(max(ta, tb))
                crossed.add(a)
                crossed.add(b)
        for pair in round_pairs - met:
            if member_team[pair[0]] == member_team[pair[1]]:
                met_internal += 1
            else:
                met_external += 1
        met |= round_pairs
        if rows:
            before = int(np.count_nonzero(np.triu(matrix, 1)))
            np.add.at(matrix, (np.array(rows), np.array(cols)), 1)
            covered += int(np.count_nonzero(np.triu(matrix, 1))) - before
        cross_per_round.append(len(rows))
        ties_per_round.append(len(rows) + internal)
        coverage_per_round.append(covered / pairs_total if pairs_total else 1.0)
        ei_per_round.append(ei_index(len(rows), internal))
    symmetric = matrix + matrix.T
    return NetworkReport(
        teams=teams,
        cross_team_ties_per_round=tuple(cross_per_round),
        cross_team_ties=sum(cross_per_round),
        ties_per_round=tuple(ties_per_round),
        coverage=tuple(tuple(int(v) for v in row) for row in symmetric),
        coverage_per_round=tuple(coverage_per_round),
        ei_index_per_round=tuple(ei_per_round),
        ei_index=ei_index(met_external, met_internal),
        never_crossed=tuple(sorted(m for m in team_of if m not in crossed)),
        least_connected=_least_connected(teams, matrix, least),
    )


def _least_connected(
    teams: tuple[TeamPath, ...], matrix: npt.NDArray[np.int64], least: int
) -> tuple[TeamPairTies, ...]:
    count = len(teams)
    if count < 2 or least <= 0:
        return ()
    first, second = np.triu_indices(count, 1)
    ties = matrix[first, second]
    distance = team_distances(teams)[first, second]
    # Fewest ties first, then furthest apart, then by name (the pairs come in sorted order).
    order = np.lexsort((np.arange(len(ties)), -distance, ties))[:least]
    return tuple(
        TeamPairTies(teams[int(first[k])], teams[int(second[k])], int(ties[k])) for k in order
    )
