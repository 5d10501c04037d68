"""Pairing benchmark: the engine against three baselines on skewed, nested rosters.

Run: ``python -m bench pairing`` (``--quick`` for a smoke run). Each (system, size) runs in its
own subprocess, so that its peak memory (maximum resident set size) is its own.

Systems:
* ``bridgework`` — :func:`bot.pairing.pair_round`;
* ``random`` — shuffle into adjacent pairs (Icebreaker and several coffee bots);
* ``s'up`` — constraint search in the style of S'Up: shuffle, reject a pair from one team or
  repeated within the window, backtrack within a time budget, then pair the rest as they come;
* ``exact`` — the optimum of the engine's own objective by maximum-weight matching (N ≤ 500).

Each system plays 12 consecutive rounds after 12 rounds of history (random pairs, as a coffee
bot would have made), every round counting the rounds before it; then again from an empty
history (a new community), on the skewed rosters, on rosters of many small teams, and on a
held-out roster the engine was never tuned on (another generator, another seed), reported apart.
The **degree bound** caps the team pairs a roster can meet: a team of s members meets at most
min(T − 1, s × rounds) other teams, so at most Σ min(T − 1, s × rounds) / 2 of the T(T − 1)/2
team pairs are met.
"""

from __future__ import annotations

import json
import math
import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.domain import TeamPath
from bot.network import summarise
from bot.pairing import Candidate, PairingSettings, PastGroup, pair_round
from bot.pairing.exact import EXACT_LIMIT, optimal_pairs
from bot.pairing.objective import RoundObjective

SIZES = (100, 1_000, 10_000, 100_000)
QUICK_SIZES = (100, 1_000)
ROUNDS = 12
HISTORY_ROUNDS = 12
BIG_TEAM_SHARE = 0.4
SUP_BUDGET_SECONDS = 1.0
OPTIMUM_CHECKED_UP_TO = min(EXACT_LIMIT, 100)  # the optimum takes ~0.4 s a round at 100
SYSTEMS = ("bridgework", "random", "s'up", "exact")
EMPTY_SIZES = (1_000, 10_000)
QUICK_EMPTY_SIZES = (1_000,)
SHAPES = ("skewed", "small-teams")
HELD_OUT = "held-out"  # never used while tuning the engine: report it apart
ORGANISATIONS = ("Acme", "Globex", "Initech")
DEPARTMENTS = ("Engineering", "Sales", "Operations", "Research", "Finance")
TIME_ZONES = (
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
)

Round = list[tuple[str, ...]]
System = Callable[[Sequence[Candidate], Sequence[PastGroup], PairingSettings, int], Round]


def generate_roster(n: int, seed: int = 7) -> list[Candidate]:
    """``n`` members: one team holds 40%, the others Zipf-skewed, teams nested 3 or 4 deep."""
    rng = random.Random(f"roster:{n}:{seed}")
    team_count = max(6, round(1.5 * math.sqrt(n)))
    teams = [TeamPath(("Acme", "Engineering", "Platform"))]
    for t in range(1, team_count):
        org = ORGANISATIONS[t % len(ORGANISATIONS)]
        dept = DEPARTMENTS[(t // len(ORGANISATIONS)) % len(DEPARTMENTS)]
        path = (org, dept, f"Team{t}") if t % 4 else (org, dept, f"Group{t % 3}", f"Team{t}")
        teams.append(TeamPath(path))
    big = round(BIG_TEAM_SHARE * n)
    weights = [1 / (k + 1) ** 0.8 for k in range(team_count - 1)]
    share = [(n - big) * w / sum(weights) for w in weights]
    sizes = [max(1, int(s)) for s in share]
    for k in sorted(range(len(sizes)), key=lambda k: share[k] - int(share[k]), reverse=True):
        if sum(sizes) >= n - big:
            break
        sizes[k] += 1
    while sum(sizes) > n - big:
        sizes[sizes.index(max(sizes))] -= 1
    members: list[Candidate] = []
    for team, size in zip(teams, [big, *sizes], strict=True):
        home = rng.randrange(len(TIME_ZONES))
        for _ in range(size):
            zone = TIME_ZONES[home] if rng.random() < 0.7 else rng.choice(TIME_ZONES)
            hours = (rng.choice((7, 8, 10, 12)), 0) if rng.random() < 0.1 else None
            working = None if hours is None else (hours[0], hours[0] + 8)
            members.append(
                Candidate(
                    id=f"m{len(members):06d}", team=team, timezone=zone, working_hours=working
                )
            )
    return members


def generate_small_teams(n: int, seed: int = 5) -> list[Candidate]:
    """``n`` members in many small teams of 2 to 12 members, two or three levels deep."""
    rng = random.Random(f"small:{n}:{seed}")
    members: list[Candidate] = []
    t = 0
    while len(members) < n:
        size = min(rng.randint(2, 12), n - len(members))
        org = ORGANISATIONS[t % len(ORGANISATIONS)]
        path = (org, DEPARTMENTS[(t // 3) % len(DEPARTMENTS)], f"Team{t}")
        zone = TIME_ZONES[rng.randrange(len(TIME_ZONES))]
        for _ in range(size):
            members.append(Candidate(id=f"m{len(members):06d}", team=TeamPath(path), timezone=zone))
        t += 1
    return members


def generate_held_out(n: int, seed: int = 4099) -> list[Candidate]:
    """The roster the engine is never tuned on: ~1.9·√N teams, one holding 40%, the others of
    uniformly random weight, two levels deep, every member in UTC."""
    rng = random.Random(f"held-out:{n}:{seed}")
    team_count = max(6, round(1.9 * math.sqrt(n)))
    big = round(BIG_TEAM_SHARE * n)
    weights = [rng.random() + 0.05 for _ in range(team_count - 1)]
    sizes = [big] + [max(1, int((n - big) * w / sum(weights))) for w in weights]
    while sum(sizes) < n:
        sizes[1 + rng.randrange(team_count - 1)] += 1
    while sum(sizes) > n:
        sizes[sizes.index(max(sizes[1:]), 1)] -= 1
    members: list[Candidate] = []
    for t, size in enumerate(sizes):
        path = TeamPath((f"Unit{t % 7}", f"Team{t}"))
        first = len(members)
        members.extend(Candidate(id=f"h{first + k:06d}", team=path) for k in range(size))
    return members


ROSTERS: dict[str, Callable[[int], list[Candidate]]] = {
    "skewed": generate_roster,
    "small-teams": generate_small_teams,
    HELD_OUT: generate_held_out,
}


def degree_bound(members: Sequence[Candidate], rounds: int) -> float:
    """The share of team pairs a roster can meet in ``rounds`` rounds of pairs at most."""
    sizes: dict[TeamPath, int] = {}
    for c in members:
        sizes[c.team] = sizes.get(c.team, 0) + 1
    t = len(sizes)
    if t < 2:
        return 0.0
    reach = sum(min(t - 1, s * rounds) for s in sizes.values()) / 2
    return reach / (t * (t - 1) / 2)


def generate_history(members: Sequence[Candidate], rounds: int, seed: int = 11) -> list[PastGroup]:
    """``rounds`` rounds of random pairs, numbered 1 to ``rounds``."""
    past: list[PastGroup] = []
    for number in range(1, rounds + 1):
        settings = PairingSettings(seed=seed)
        past.extend(PastGroup(number, g) for g in random_pairs(members, past, settings, number))
    return past


def random_pairs(
    members: Sequence[Candidate], history: Sequence[PastGroup], settings: PairingSettings, at: int
) -> Round:
    """Baseline (a): shuffle, then adjacent pairs; an odd member out joins the last pair."""
    ids = sorted(c.id for c in members)
    random.Random(f"random:{settings.seed}:{at}").shuffle(ids)
    groups = [ids[k : k + 2] for k in range(0, len(ids) - 1, 2)]
    if len(ids) % 2 and groups:
        groups[-1].append(ids[-1])
    return [tuple(g) for g in groups]


def sup_pairs(
    members: Sequence[Candidate], history: Sequence[PastGroup], settings: PairingSettings, at: int
) -> Round:
    """Baseline (b): shuffle; pair each member with the first later one from another team not
    met within the window (nor on a never-pair list); backtrack on a dead end; when the time
    budget runs out, pair whoever is left in shuffled order."""
    ids = sorted(c.id for c in members)
    random.Random(f"sup:{settings.seed}:{at}").shuffle(ids)
    n = len(ids)
    index = {m: k for k, m in enumerate(ids)}
    team = {c.id: c.team for c in members}
    teams = [team[m] for m in ids]
    banned: set[tuple[int, int]] = set()
    for past in history:
        if at - settings.recency <= past.round_index < at:
            known = sorted(index[m] for m in past.members if m in index)
            banned.update((a, b) for k, a in enumerate(known) for b in known[k + 1 :])
    for c in members:
        for other in c.never_with:
            if other in index:
                a, b = sorted((index[c.id], index[other]))
                banned.add((a, b))
    deadline = time.perf_counter() + SUP_BUDGET_SECONDS
    used = [False] * n
    stack: list[tuple[int, int]] = []
    first, start, steps = 0, 1, 0
    while True:
        while first < n and used[first]:
            first += 1
        if n - 2 * len(stack) < 2:
            break
        found = -1
        for j in range(max(start, first + 1), n):
            steps += 1
            if not used[j] and teams[j] != teams[first] and (first, j) not in banned:
                found = j
                break
        if found >= 0:
            used[first] = used[found] = True
            stack.append((first, found))
            start = 1
            continue
        if not stack or (steps > 4096 and time.perf_counter() > deadline):
            break
        if steps > 4096:
            steps = 0
        first, last = stack.pop()
        used[first] = used[last] = False
        start = last + 1
    groups = [[ids[a], ids[b]] for a, b in stack]
    rest = [ids[k] for k in range(n) if not used[k]]
    groups.extend(rest[k : k + 2] for k in range(0, len(rest) - 1, 2))
    if len(rest) % 2:
        groups[-1].append(rest[-1])
    return [tuple(g) for g in groups]


SYSTEM_FUNCTIONS: dict[str, System] = {
    "bridgework": pair_round,
    "random": random_pairs,
    "s'up": sup_pairs,
    "exact": optimal_pairs,
}


@dataclass(frozen=True)
class Result:
    system: str
    n: int
    seconds_per_round: float
    peak_mb: float
    cross_of_bound: float  # the worst round
    repeats: int
    coverage: float  # team pairs met in the history or the rounds played
    ei_index: float  # over the rounds played
    of_optimum: float | None  # the worst round; None where the optimum is not computed
    shape: str = "skewed"
    history_rounds: int = HISTORY_ROUNDS
    degree_bound: float = 1.0  # the most coverage the roster allows (see the module docstring)
    cpu_seconds_per_round: float = 0.0


def _ties(groups: Sequence[tuple[str, ...]]) -> set[tuple[str, str]]:
    """Every two members grouped together."""
    return {(a, b) for g in groups for a in g for b in g if a < b}


def measure(
    system: str, n: int, rounds: int, history_rounds: int = HISTORY_ROUNDS, shape: str = "skewed"
) -> Result:
    """Play ``rounds`` rounds of ``system`` on the roster of size ``n`` (in this process)."""
    members = ROSTERS[shape](n)
    past = generate_history(members, history_rounds)
    settings = PairingSettings()
    play = SYSTEM_FUNCTIONS[system]
    team_of = {c.id: c.team for c in members}
    largest = max(sum(1 for c in members if c.team == t) for t in set(team_of.values()))
    played: list[Round] = []
    seconds = cpu = 0.0
    worst_cross = math.inf
    worst_ratio: float | None = None
    repeats = 0
    by_round: dict[int, list[tuple[str, ...]]] = {}
    for group in past:
        by_round.setdefault(group.round_index, []).append(group.members)
    window = [_ties(by_round[k]) for k in sorted(by_round)]
    for number in range(history_rounds + 1, history_rounds + rounds + 1):
        started, started_cpu = time.perf_counter(), time.process_time()
        groups = play(members, past, settings, number)
        seconds += time.perf_counter() - started
        cpu += time.process_time() - started_cpu
        ties = _ties(groups)
        repeats += sum(1 for t in ties if any(t in earlier for earlier in window))
        window = [*window, ties][-settings.recency :]
        cross = sum(1 for g in groups if len({team_of[m] for m in g}) > 1)
        worst_cross = min(worst_cross, cross / min(len(groups), n - largest))
        if system == "bridgework" and n <= OPTIMUM_CHECKED_UP_TO:
            objective = RoundObjective(members, past, settings, number)
            best = objective.worth(optimal_pairs(members, past, settings, number))
            ratio = objective.worth(groups) / best
            worst_ratio = ratio if worst_ratio is None else min(worst_ratio, ratio)
        played.append(groups)
        past.extend(PastGroup(number, g) for g in groups)
    report = summarise(played, team_of, least=0)
    # Coverage is the network after the history and the rounds played: what the teams know.
    known = summarise([by_round[k] for k in sorted(by_round)] + played, team_of, least=0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Result(
        system=system,
        n=n,
        seconds_per_round=seconds / rounds,
        peak_mb=peak,
        cross_of_bound=worst_cross,
        repeats=repeats,
        coverage=known.coverage_fraction,
        ei_index=report.ei_index,
        of_optimum=1.0 if system == "exact" else worst_ratio,
        shape=shape,
        history_rounds=history_rounds,
        degree_bound=degree_bound(members, history_rounds + rounds),
        cpu_seconds_per_round=cpu / rounds,
    )


def _in_subprocess(
    system: str, n: int, rounds: int, history_rounds: int = HISTORY_ROUNDS, shape: str = "skewed"
) -> Result:
    command = [sys.executable, "-m", "bench.pairing", "--worker", system, str(n), str(rounds)]
    command += [str(history_rounds), shape]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{system} at {n} failed:\n{done.stderr}")
    fields = json.loads(done.stdout.strip().splitlines()[-1])
    return Result(**fields)


def table(results: Sequence[Result]) -> str:
    """The results as a Markdown table, with coverage as a ratio to random's in the same run."""
    random_coverage = {r.n: r.coverage for r in results if r.system == "random"}
    lines = [
        "| N | system | s / round (CPU) | peak MB | cross-team / bound (worst round) | repeats "
        "| team pairs met | × random | E-I index | worth / optimum (worst round) |",
        "|---:|:---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        base = random_coverage.get(r.n)
        versus = f"{r.coverage / base:.2f}" if base else "–"
        optimum = "–" if r.of_optimum is None else f"{r.of_optimum:.2%}"
        lines.append(
            f"| {r.n:,} | {r.system} | {r.seconds_per_round:.3f} ({r.cpu_seconds_per_round:.3f}) "
            f"| {r.peak_mb:.0f} "
            f"| {r.cross_of_bound:.1%} | {r.repeats} | {r.coverage:.1%} | {versus} "
            f"| {r.ei_index:+.3f} | {optimum} |"
        )
    return "\n".join(lines)


def empty_table(results: Sequence[Result]) -> str:
    """From an empty history: coverage against random's and against the degree bound."""
    random_coverage = {(r.shape, r.n): r.coverage for r in results if r.system == "random"}
    lines = [
        "| roster | N | system | s / round (CPU) | cross-team / bound (worst round) | repeats "
        "| team pairs met | × random | of the degree bound | degree bound |",
        "|:---|---:|:---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        base = random_coverage.get((r.shape, r.n))
        versus = f"{r.coverage / base:.2f}" if base else "–"
        lines.append(
            f"| {r.shape} | {r.n:,} | {r.system} | {r.seconds_per_round:.3f} "
            f"({r.cpu_seconds_per_round:.3f}) | {r.cross_of_bound:.1%} | {r.repeats} "
            f"| {r.coverage:.1%} | {versus} | {r.coverage / r.degree_bound:.1%} "
            f"| {r.degree_bound:.1%} |"
        )
    return "\n".join(lines)


def empty_history(sizes: Sequence[int], shapes: Sequence[str], rounds: int) -> list[Result]:
    results: list[Result] = []
    for shape in shapes:
        for n in sizes:
            for system in ("bridgework", "random", "s'up"):
                results.append(_in_subprocess(system, n, rounds, 0, shape))
                print(f"  measured {system} at N={n:,} ({shape})", file=sys.stderr, flush=True)
    return results


def _load() -> str:
    """The machine's 1-minute load average, for reading the wall times."""
    return f"{os.getloadavg()[0]:.1f}"


def main() -> None:
    quick = os.environ.get("BENCH_QUICK") == "1"
    sizes = QUICK_SIZES if quick else SIZES
    rounds = 4 if quick else ROUNDS
    results: list[Result] = []
    for n in sizes:
        for system in SYSTEMS:
            if system == "exact" and n > OPTIMUM_CHECKED_UP_TO:
                continue
            results.append(_in_subprocess(system, n, rounds))
            print(f"  measured {system} at N={n:,}", file=sys.stderr, flush=True)
    print(
        f"{rounds} rounds after {HISTORY_ROUNDS} rounds of random history; group size 2, "
        f"recency 12; largest team {BIG_TEAM_SHARE:.0%}; s'up budget {SUP_BUDGET_SECONDS:.0f} s "
        f"a round; {os.cpu_count()} cores; load average {_load()} at the start\n"
    )
    print(table(results))
    empty_sizes = QUICK_EMPTY_SIZES if quick else EMPTY_SIZES
    print(f"\n{rounds} rounds from an empty history (a new community):\n")
    print(empty_table(empty_history(empty_sizes, SHAPES, rounds)))
    print("\nThe held-out roster (never used to tune the engine):\n")
    print(empty_table(empty_history(empty_sizes, (HELD_OUT,), rounds)))
    print(f"\nLoad average {_load()} at the end.")


def _worker(argv: list[str]) -> None:
    system, n, rounds = argv[0], int(argv[1]), int(argv[2])
    history_rounds = int(argv[3]) if len(argv) > 3 else HISTORY_ROUNDS
    shape = argv[4] if len(argv) > 4 else "skewed"
    result = measure(system, n, rounds, history_rounds, shape)
    print(json.dumps(result.__dict__))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        _worker(sys.argv[2:])
    else:
        main()
