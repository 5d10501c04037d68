"""The demo's closing summary: who met across which teams, as a terminal shows it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.domain import TeamPath
from bot.network import NetworkReport, summarise


def summary_lines(
    rounds: Sequence[Sequence[tuple[str, ...]]],
    team_of: Mapping[str, TeamPath],
    outcomes: Mapping[str, int],
) -> list[str]:
    report = summarise(rounds, team_of)
    teams = len(report.teams)
    pairs = teams * (teams - 1) // 2
    met_pairs = _team_pairs_met(report)
    lines = [
        "",
        "Who met across which teams",
        f"  rounds: {len(rounds)}; cross-team ties: {report.cross_team_ties} "
        f"of {sum(report.ties_per_round)} ties",
        f"  team pairs that have met: {met_pairs} of {pairs} ({report.coverage_per_round[-1]:.0%})"
        if rounds
        else "  no rounds yet",
        f"  E-I index (−1 all inside teams, +1 all across): {report.ei_index:+.2f}",
        "  E-I index by round: " + ", ".join(f"{v:+.2f}" for v in report.ei_index_per_round),
        f"  people never yet grouped across teams: {len(report.never_crossed)}",
        "  follow-up answers: "
        + ", ".join(f"{name} {count}" for name, count in sorted(outcomes.items())),
        "  least-connected team pairs:",
    ]
    lines.extend(
        f"    {pair.first.name} – {pair.second.name}: {pair.ties} {_ties(pair.ties)}"
        for pair in report.least_connected
    )
    lines.append("  ties between teams (all rounds):")
    width = max(len(t.name) for t in report.teams) if report.teams else 0
    for team, row in zip(report.teams, report.coverage, strict=True):
        cells = " ".join(f"{n:3d}" for n in row)
        lines.append(f"    {team.name:<{width}} {cells}")
    return lines


def _team_pairs_met(report: NetworkReport) -> int:
    size = len(report.teams)
    return sum(1 for i in range(size) for j in range(i + 1, size) if report.coverage[i][j] > 0)


def _ties(count: int) -> str:
    return "tie" if count == 1 else "ties"
