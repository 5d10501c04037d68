from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest

from bot.domain import TeamPath
from bot.errors import InputError
from bot.pairing import Candidate, PairingSettings, PastGroup
from bot.pairing.objective import (
    CONNECTOR,
    MAX_TIE,
    MIN_SHARED_SLOTS,
    SAME_TEAM,
    RoundObjective,
    team_tie_worth,
    working_slots,
)

WINTER = datetime(2024, 1, 15, 12)
SUMMER = datetime(2024, 7, 15, 12)


def shared_hours(a: str, b: str, on: datetime = WINTER) -> float:
    return (working_slots(a, (9, 17), on) & working_slots(b, (9, 17), on)).bit_count() / 4


def test_two_cross_team_ties_outweigh_one_inside_a_team_and_the_best_across() -> None:
    weakest_cross = team_tie_worth(1, 10**9)
    assert 2 * weakest_cross > SAME_TEAM + MAX_TIE


def test_a_tie_across_teams_is_worth_far_more_than_one_inside() -> None:
    assert team_tie_worth(1, 10**9) >= 10 * team_tie_worth(0, 0)


def test_teams_further_apart_are_worth_more() -> None:
    assert team_tie_worth(1, 0) < team_tie_worth(2, 0) < team_tie_worth(3, 0)


def test_teams_with_fewer_ties_so_far_are_worth_more() -> None:
    assert team_tie_worth(2, 0) > team_tie_worth(2, 1) > team_tie_worth(2, 5)


def test_working_hours_are_compared_in_utc() -> None:
    assert shared_hours("Europe/London", "America/New_York") == 3
    assert shared_hours("Europe/London", "Asia/Tokyo") == 0
    assert shared_hours("Europe/London", "Asia/Kolkata") == 2.5  # a half-hour offset
    assert shared_hours("Europe/London", "Europe/London") == 8


def test_daylight_saving_time_moves_working_hours() -> None:
    # London moves an hour earlier in UTC in summer; Kolkata never moves.
    assert shared_hours("Europe/London", "Asia/Kolkata", WINTER) == 2.5
    assert shared_hours("Europe/London", "Asia/Kolkata", SUMMER) == 3.5


def test_working_hours_may_run_past_midnight() -> None:
    night = working_slots("UTC", (22, 6), WINTER)
    assert night.bit_count() == 8 * 4
    assert (night & working_slots("UTC", (5, 13), WINTER)).bit_count() == MIN_SHARED_SLOTS - 4


def test_an_unknown_time_zone_is_an_input_error() -> None:
    with pytest.raises(InputError, match="Mars/Base"):
        RoundObjective([Candidate("a", TeamPath.parse("A"), "Mars/Base")], [], PairingSettings(), 1)


def test_sharing_two_working_hours_adds_worth() -> None:
    team_a, team_b = TeamPath.parse("Org/A"), TeamPath.parse("Org/B")
    members = [
        Candidate("ldn", team_a, "Europe/London"),
        Candidate("nyc", team_b, "America/New_York"),
        Candidate("tyo", team_b, "Asia/Tokyo"),
    ]
    objective = RoundObjective(members, [], PairingSettings(), 1)
    ldn, nyc, tyo = (objective.index[m] for m in ("ldn", "nyc", "tyo"))
    assert objective.tie(ldn, nyc) > objective.tie(ldn, tyo)


def test_a_repeat_costs_more_than_any_round_gains() -> None:
    members = [Candidate(f"m{k}", TeamPath.parse(f"Org/T{k}")) for k in range(6)]
    history = [PastGroup(1, ("m0", "m1"))]
    objective = RoundObjective(members, history, PairingSettings(), 2)
    with_repeat = objective.worth([("m0", "m1"), ("m2", "m3"), ("m4", "m5")])
    assert with_repeat < 0
    assert objective.worth([("m0", "m2"), ("m1", "m3"), ("m4", "m5")]) > 0


def test_team_ties_so_far_count_every_round_of_history() -> None:
    members = [Candidate("a", TeamPath.parse("Org/A")), Candidate("b", TeamPath.parse("Org/B"))]
    fresh = RoundObjective(members, [], PairingSettings(), 30)
    old = RoundObjective(members, [PastGroup(1, ("a", "b"))], PairingSettings(recency=2), 30)
    assert old.tie(0, 1) < fresh.tie(0, 1)
    assert not old.is_recent(0, 1)


def test_ties_at_once_agree_with_each_tie() -> None:
    zones = ("Europe/London", "Asia/Tokyo", "America/New_York", "Asia/Kolkata")
    members = [
        Candidate(
            f"m{k}",
            TeamPath.parse(f"Org{k % 2}/Dept{k % 3}/T{k % 5}"),
            zones[k % 4],
            never_with=frozenset({"m1"}) if k == 7 else frozenset(),
        )
        for k in range(12)
    ]
    history = [PastGroup(1, ("m0", "m5")), PastGroup(2, ("m2", "m3", "m4"))]
    objective = RoundObjective(members, history, PairingSettings(), 3)
    a = np.array([i for i in range(12) for _ in range(12)])
    b = np.array([j for _ in range(12) for j in range(12)])
    at_once = objective.ties(a, b)
    assert at_once.tolist() == [objective.tie(int(i), int(j)) for i, j in zip(a, b, strict=True)]
    assert min(at_once) < 0  # the never-pair and the repeats are among them


def test_a_second_tie_between_two_teams_in_a_round_is_worth_less_than_the_first() -> None:
    members = [Candidate(f"{t}{k}", TeamPath.parse(f"Org/{t}")) for t in "ABC" for k in range(2)]
    objective = RoundObjective(members, [], PairingSettings(), 1)
    twice = objective.worth([("A0", "B0"), ("A1", "B1"), ("C0", "C1")])
    spread = objective.worth([("A0", "B0"), ("A1", "C0"), ("B1", "C1")])
    assert spread > twice
    # The first tie keeps its full worth; the second loses the most of its novelty.
    first = objective.tie(objective.index["A0"], objective.index["B0"])
    inside = objective.tie(objective.index["C0"], objective.index["C1"])
    assert twice == pytest.approx(2 * first - 3.0 + inside)


def test_a_second_tie_in_a_round_is_worth_less_than_a_first_between_the_nearest_teams() -> None:
    far_again = team_tie_worth(3, 1)
    near_first = team_tie_worth(1, 0)
    assert far_again < near_first


def test_ties_of_the_round_and_of_the_history_count_alike() -> None:
    members = [Candidate(f"{t}{k}", TeamPath.parse(f"Org/{t}")) for t in "AB" for k in range(2)]
    ageless = PairingSettings(recency=0, half_life_weeks=0)
    fresh = RoundObjective(members, [], ageless, 2)
    met = RoundObjective(members, [PastGroup(1, ("A0", "B0"))], ageless, 2)
    assert fresh.team_tie(0, 1, more_ties=1) == pytest.approx(met.team_tie(0, 1))
    assert met.team_tie(0, 1) < fresh.team_tie(0, 1)


def test_ties_age_with_a_half_life() -> None:
    members = [Candidate(f"{t}{k}", TeamPath.parse(f"Org/{t}")) for t in "ABC" for k in range(2)]
    today = date(2026, 12, 3)
    history = [
        PastGroup(1, ("A0", "B0"), on=today - timedelta(weeks=52)),  # two half-lives: 1/4
        PastGroup(9, ("A1", "C0"), on=today - timedelta(weeks=1)),
    ]
    objective = RoundObjective(members, history, PairingSettings(today=today), 10)
    a, b, c = (objective.teams.index(TeamPath.parse(f"Org/{t}")) for t in "ABC")
    assert objective.team_ties[a, b] == pytest.approx(0.25)
    assert objective.team_ties[a, c] == pytest.approx(0.5 ** (1 / 26))
    # A silo that reopens: the old tie leaves A and B less connected than A and C.
    assert objective.team_tie(a, b) > objective.team_tie(a, c)
    ageless = RoundObjective(members, history, PairingSettings(today=today, half_life_weeks=0), 10)
    assert ageless.team_ties[a, b] == ageless.team_ties[a, c] == 1


def test_without_days_a_tie_ages_a_week_a_round() -> None:
    members = [Candidate("a", TeamPath.parse("Org/A")), Candidate("b", TeamPath.parse("Org/B"))]
    objective = RoundObjective(members, [PastGroup(1, ("a", "b"))], PairingSettings(), 27)
    assert objective.team_ties[0, 1] == pytest.approx(0.5)


def test_newcomers_and_members_without_a_cross_team_tie_go_first() -> None:
    members = [Candidate(f"{t}{k}", TeamPath.parse(f"Org/{t}")) for t in "AB" for k in range(4)]
    history = [PastGroup(r, ("A0", "B0")) for r in range(1, 4)]  # A0 and B0: three rounds
    history += [PastGroup(r, ("A1", "A2")) for r in range(1, 4)]  # A1, A2: no cross-team tie
    objective = RoundObjective(members, history, PairingSettings(recency=0), 4)
    first = {m for m in objective.ids if objective.first[objective.index[m]]}
    assert first == {"A1", "A2", "A3", "B1", "B2", "B3"}


def test_a_connector_in_a_group_of_three_adds_worth_for_two_who_go_first() -> None:
    teams = [TeamPath.parse(f"Org/T{k}") for k in range(8)]
    members = [Candidate(f"m{k}", teams[k]) for k in range(8)]
    # m0 meets m1 … m6 across teams: m0 is a connector; m7 has met nobody; m1 meets m2 twice
    # more (three rounds: no longer a newcomer); m6 is in its first round.
    history = [PastGroup(r, ("m0", f"m{r}")) for r in range(1, 7)]
    history += [PastGroup(r, ("m1", "m2")) for r in (7, 8)]
    objective = RoundObjective(members, history, PairingSettings(recency=0), 9)
    m = objective.index
    assert objective.connector[m["m0"]] and not objective.connector[m["m7"]]
    assert objective.first[m["m7"]] and not objective.first[m["m0"]]
    with_two_first = [m["m0"], m["m6"], m["m7"]]
    assert objective.group_bonus(with_two_first) == CONNECTOR
    assert objective.group_bonus([m["m0"], m["m7"]]) == 0  # only in groups of three or more
    assert objective.group_bonus([m["m0"], m["m1"], m["m7"]]) == 0  # m1 does not go first
