from __future__ import annotations

import pytest

from bot.domain import TeamPath
from bot.network import TeamPairTies, ei_index, summarise

A, B, C = (TeamPath.parse(p) for p in ("Acme/Eng/A", "Acme/Eng/B", "Globex/Ops/C"))
TEAM_OF = {"a1": A, "a2": A, "b1": B, "b2": B, "c1": C, "c2": C}


def test_cross_team_ties_are_counted_per_round_and_in_all() -> None:
    report = summarise([[("a1", "b1"), ("a2", "b2"), ("c1", "c2")], [("a1", "c1", "b2")]], TEAM_OF)
    assert report.cross_team_ties_per_round == (2, 3)
    assert report.ties_per_round == (3, 3)
    assert report.cross_team_ties == 5


def test_coverage_counts_ties_between_every_two_teams() -> None:
    report = summarise([[("a1", "b1"), ("a2", "b2")], [("a1", "c1")]], TEAM_OF)
    at = {t: i for i, t in enumerate(report.teams)}
    assert report.coverage[at[A]][at[B]] == 2 == report.coverage[at[B]][at[A]]
    assert report.coverage[at[A]][at[C]] == 1
    assert report.coverage[at[B]][at[C]] == 0
    assert report.coverage_per_round == pytest.approx((1 / 3, 2 / 3))
    assert report.coverage_fraction == pytest.approx(2 / 3)


def test_ei_index_is_minus_one_inside_teams_and_plus_one_across() -> None:
    inside = summarise([[("a1", "a2"), ("b1", "b2")]], TEAM_OF)
    across = summarise([[("a1", "b1"), ("a2", "c1")]], TEAM_OF)
    assert inside.ei_index == -1.0 and inside.ei_index_per_round == (-1.0,)
    assert across.ei_index == 1.0


def test_cumulative_ei_index_counts_each_pair_who_met_once() -> None:
    # a1-a2 met twice, a1-b1 once: one internal and one external tie in the graph.
    report = summarise([[("a1", "a2")], [("a1", "a2")], [("a1", "b1")]], TEAM_OF)
    assert report.ei_index_per_round == (-1.0, -1.0, 1.0)
    assert report.ei_index == 0.0
    assert ei_index(3, 1) == 0.5


def test_members_never_matched_across_teams_are_listed() -> None:
    report = summarise([[("a1", "b1"), ("a2", "c1"), ("b2", "c2")], [("c2", "b2")]], TEAM_OF)
    assert report.never_crossed == ()
    report = summarise([[("a1", "a2"), ("b1", "c1")]], TEAM_OF)
    assert report.never_crossed == ("a1", "a2", "b2", "c2")


def test_least_connected_team_pairs_come_fewest_ties_first_then_furthest_apart() -> None:
    report = summarise([[("a1", "b1"), ("a2", "b2"), ("b1", "c1")]], TEAM_OF)
    assert report.least_connected[0] == TeamPairTies(A, C, 0)  # never met, other organisation
    assert report.least_connected[1] == TeamPairTies(B, C, 1)
    assert report.least_connected[2] == TeamPairTies(A, B, 2)
    assert len(summarise([], TEAM_OF, least=1).least_connected) == 1


def test_members_without_a_team_are_left_out() -> None:
    report = summarise([[("a1", "stranger"), ("b1", "c1")]], TEAM_OF)
    assert report.ties_per_round == (1,)


def test_no_rounds_give_empty_figures() -> None:
    report = summarise([], TEAM_OF)
    assert report.cross_team_ties == 0
    assert report.coverage_fraction == 0.0
    assert report.ei_index == 0.0
    assert len(report.never_crossed) == 6
