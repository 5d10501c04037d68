"""The lift of the steering, estimated over a holdout: on simulated communities where the true
lift is known, the estimate's interval covers it."""

from __future__ import annotations

import random
from itertools import combinations

from bot.domain import TeamPath
from bot.lift import HOLDOUT_ROUNDS, Lift, lift_of
from bot.pairing import Candidate, PairingSettings, PastGroup, pair_round


def simulated(
    rng: random.Random, pairs: int, held_share: float, steered: float, chance: float
) -> Lift:
    """A community whose never-met team pairs meet with probability ``steered`` when steered
    to and ``chance`` when held out: the true lift is (steered − chance) × steered pairs."""
    held = set(rng.sample(range(pairs), round(held_share * pairs)))
    met = [rng.random() < (chance if k in held else steered) for k in range(pairs)]
    return Lift(
        rounds=HOLDOUT_ROUNDS,
        steered=pairs - len(held),
        steered_met=sum(m for k, m in enumerate(met) if k not in held),
        held=len(held),
        held_met=sum(m for k, m in enumerate(met) if k in held),
    )


def test_the_interval_covers_the_true_lift_of_simulated_communities_about_95_in_100() -> None:
    rng = random.Random(15)
    covered = 0
    trials = 400
    for _ in range(trials):
        lift = simulated(rng, pairs=600, held_share=0.1, steered=0.62, chance=0.40)
        truth = (0.62 - 0.40) * lift.steered
        low, high = lift.interval
        covered += low <= truth <= high
    assert 0.91 <= covered / trials <= 0.99


def test_without_steering_the_interval_covers_no_lift() -> None:
    rng = random.Random(16)
    lifts = [simulated(rng, 400, 0.1, 0.5, 0.5) for _ in range(200)]
    covering = sum(lift.interval[0] <= 0 <= lift.interval[1] for lift in lifts)
    assert covering / len(lifts) >= 0.9


def roster(teams: int, size: int) -> list[Candidate]:
    return [
        Candidate(id=f"t{t:02d}m{k}", team=TeamPath(("Acme", f"Dept{t % 4}", f"Team{t:02d}")))
        for t in range(teams)
        for k in range(size)
    ]


def play(
    members: list[Candidate], untargeted: frozenset[tuple[TeamPath, TeamPath]]
) -> list[list[tuple[str, ...]]]:
    settings = PairingSettings(untargeted=untargeted)
    past: list[PastGroup] = []
    rounds = []
    for number in range(1, HOLDOUT_ROUNDS + 1):
        groups = pair_round(members, past, settings, number)
        rounds.append(groups)
        past.extend(PastGroup(number, g) for g in groups)
    return rounds


def test_the_engine_meets_held_out_team_pairs_less_than_steered_ones() -> None:
    members = roster(teams=24, size=3)
    team_of = {c.id: c.team for c in members}
    pairs = list(combinations(sorted(set(team_of.values())), 2))
    held = set(random.Random(7).sample(range(len(pairs)), len(pairs) // 5))
    holdout = [(pair, k in held) for k, pair in enumerate(pairs)]
    lift = lift_of(holdout, play(members, frozenset(pairs[k] for k in held)), team_of)
    assert lift.rounds == HOLDOUT_ROUNDS and lift.held == len(held)
    assert lift.held_share < lift.steered_share
    assert lift.interval[0] > 0  # the steering joins more never-met team pairs than chance
