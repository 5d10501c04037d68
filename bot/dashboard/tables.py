"""Every chart's table, and the same table as CSV: a page and its download cannot disagree."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from bot.dashboard.pages import CheckInThemes, Network, Overview, RoundDetail

Cell = str | int | float


@dataclass(frozen=True)
class Table:
    name: str  # the CSV's file name, without .csv
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def to_csv(table: Table) -> bytes:
    """The table as UTF-8 CSV; a text cell a spreadsheet would run as a formula is quoted."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headers)
    writer.writerows(tuple(_cell(c) for c in row) for row in table.rows)
    return out.getvalue().encode("utf-8", "replace")


def _cell(value: Cell) -> Cell:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def overview(o: Overview) -> dict[str, Table]:
    f = o.figures
    summary = Table(
        "summary",
        ("figure", "value"),
        (
            ("since", f.since.isoformat()),
            ("taking_part", f.active),
            ("paused", f.paused),
            ("opted_out", f.opted_out),
            ("introduced_this_period", f.paired),
            ("rounds_this_period", f.period_rounds),
            ("groups_this_period", f.groups),
            ("groups_met_this_period", f.groups_met),
            ("undeliverable_this_period", f.undeliverable),
            ("cross_team_ties_this_period", o.period_cross_team_ties),
            ("cross_team_ties_in_all", f.network.cross_team_ties),
            ("team_pairs_met", o.team_pairs_met),
            ("team_pairs", f.network.team_pairs),
            ("ei_index", round(f.network.ei_index, 2)),
        ),
    )
    rounds = Table(
        "rounds",
        (
            "round",
            "date",
            "groups",
            "people",
            "groups_met",
            "we_met_rate",
            "cross_team_ties",
            "team_pair_coverage",
            "ei_index",
        ),
        tuple(
            (
                r.number,
                r.run_on.isoformat(),
                r.groups,
                r.people,
                r.groups_met,
                "" if r.met_rate is None else round(r.met_rate, 2),
                r.cross_team_ties,
                round(r.coverage, 2),
                round(r.ei_index, 2),
            )
            for r in o.rounds
        ),
    )
    least = Table(
        "least-connected",
        ("team", "other_team", "ties"),
        tuple((p.first.name, p.second.name, p.ties) for p in o.least_connected),
    )
    return {t.name: t for t in (summary, rounds, least)}


def network(n: Network) -> dict[str, Table]:
    teams = Table("teams", ("team", "members_taking_part"), n.teams)
    ties = Table(
        "ties",
        ("team", "other_team", "meetings_held", "new_this_period"),
        tuple((t.first, t.second, t.meetings, "yes" if t.new else "no") for t in n.ties),
    )
    return {t.name: t for t in (teams, ties)}


def themes(found: tuple[CheckInThemes, ...]) -> dict[str, Table]:
    table = Table(
        "themes",
        ("checkin", "theme", "answers", "respondents_at_least", "teams"),
        tuple(
            (
                c.checkin_id,
                t.name,
                t.count,
                t.respondents,
                "; ".join(f"{team} {count}" for team, count in t.by_team),
            )
            for c in found
            for t in c.themes
        ),
    )
    return {table.name: table}


def rounds(found: tuple[RoundDetail, ...]) -> dict[str, Table]:
    table = Table(
        "groups",
        ("round", "date", "group", "first_name", "team", "outcome"),
        tuple(
            (r.number, r.run_on.isoformat(), g.position, name, team, g.outcome)
            for r in found
            for g in r.groups
            for name, team in g.people
        ),
    )
    return {table.name: table}
