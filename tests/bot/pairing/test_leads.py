"""Leads across levels: leads take turns joining cross-team groups, other teams each round."""

from __future__ import annotations

from dataclasses import replace

from bot.domain import TeamPath
from bot.pairing import PairingSettings, PastGroup, pair_round
from bot.pairing.leads import leads_this_round, place_leads
from tests.bot.pairing.factories import a_roster


def test_leads_take_turns_round_after_round() -> None:
    leads = ["c", "a", "b"]
    assert [leads_this_round(leads, 1, n) for n in (1, 2, 3, 4)] == [["a"], ["b"], ["c"], ["a"]]
    assert [leads_this_round(leads, 2, n) for n in (1, 2, 3)] == [
        ["a", "b"],
        ["c", "a"],
        ["b", "c"],
    ]
    assert leads_this_round(leads, 5, 1) == ["a", "b", "c"]
    assert leads_this_round(leads, 0, 1) == []


def test_a_lead_joins_a_cross_team_group_and_meets_other_teams_each_round() -> None:
    roster = a_roster([10, 8, 8, 8, 8, 8, 8])
    lead = roster[0]
    others = roster[1:]
    team_of = {c.id: c.team for c in roster}
    settings = PairingSettings()
    history: list[PastGroup] = []
    met: list[set[TeamPath]] = []
    for number in range(1, 7):
        groups = pair_round(others, history, settings, number)
        placed = place_leads(groups, [lead], others, team_of, history, settings, number)
        assert placed is not None
        [mine] = [g for g in placed if lead.id in g]
        teams = {team_of[m] for m in mine if m != lead.id}
        assert len(mine) == 3 and len(teams) == 2  # a cross-team group of members
        assert lead.team not in teams  # never with the lead's own team
        met.append(teams)
        history.extend(PastGroup(number, g) for g in placed)
    for before, after in zip(met, met[1:], strict=False):
        assert not before & after  # other teams than the round before
    assert len(set().union(*met)) == 6  # every other team in turn


def test_a_lead_never_joins_a_never_pair_nor_a_recent_partner() -> None:
    roster = a_roster([1, 2, 2])
    lead, others = roster[0], roster[1:]
    team_of = {c.id: c.team for c in roster}
    groups = [("t1m0", "t2m0"), ("t1m1", "t2m1")]
    shy = replace(lead, never_with=frozenset({"t1m0"}))
    history = [PastGroup(1, ("t0m0", "t2m1"))]
    settings = PairingSettings()
    assert place_leads(groups, [shy], others, team_of, [], settings, 2) == [
        ("t1m0", "t2m0"),
        ("t0m0", "t1m1", "t2m1"),
    ]
    assert place_leads(groups, [shy], others, team_of, history, settings, 2) is None
