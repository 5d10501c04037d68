"""The worth of a round: the one objective the engine maximises and the benchmark scores.

A round is worth the sum, over every two members grouped together, of the worth of their tie
(:meth:`RoundObjective.tie`):

* a tie inside a team is worth ``SAME_TEAM`` (1); a tie across teams ``CROSS_TEAM`` (10), plus
  ``PER_LEVEL`` for each level of the team path further apart than sibling teams (another
  department +1, another organisation +2), plus ``NOVELTY / (1 + STEP × ties between the two
  teams)`` (+4 for teams that never met), so that the least connected teams meet first. The
  ties counted are those of the history *and those made earlier in this round*: a round's
  second tie between two teams is worth less than its first (+1 instead of +4), so the round
  spreads its ties over many team pairs (:meth:`RoundObjective.crowding`);
* a member who goes first — a newcomer (in fewer than ``NEWCOMER_ROUNDS`` rounds so far) or one
  with no cross-team tie yet — adds ``FIRST_SHARE`` of the tie's novelty, so they are placed
  toward the least connected team pairs;
* ties age: each tie of the history counts ``0.5 ** (weeks since / half-life)``, so team pairs
  whose last ties are old count as less connected and are sought out again;
* sharing at least two working hours (in UTC) adds ``SHARED_HOURS``;
* a group of three or more where a connector (``CONNECTOR_TIES`` cross-team ties or more) meets
  members who go first adds ``CONNECTOR`` (:meth:`RoundObjective.group_bonus`);
* a repeat within the recency window costs more than any round can gain elsewhere, and a
  never-pair costs ``NEVER``: the engine treats both as rules, the exact optimum too.

Two cross-team ties are always worth more than one tie inside a team plus the best tie across
teams (2 × 10 − 1 > 16.5), so a round never trades a cross-team group for novelty elsewhere.
"""

from __future__ import annotations

import array
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from functools import lru_cache
from itertools import combinations, repeat
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

from bot.domain import TeamPath
from bot.errors import InputError
from bot.pairing.holdout import untargeted_ties
from bot.pairing.model import DEFAULT_WORKING_HOURS, Candidate, PairingSettings, PastGroup

SAME_TEAM = 1.0
CROSS_TEAM = 10.0
PER_LEVEL = 1.0
MAX_LEVELS = 2
NOVELTY = 4.0
# Each tie between two teams, before or earlier in the round, counts this much against the next:
# a second tie between two never-met teams is worth less than a first one between the closest
# teams (NOVELTY / (1 + STEP) < NOVELTY − PER_LEVEL × MAX_LEVELS).
STEP = 3.0
SHARED_HOURS = 0.5
FIRST_SHARE = 0.25
NEWCOMER_ROUNDS = 3
CONNECTOR_TIES = 6
CONNECTOR = 1.0
MAX_TIE = CROSS_TEAM + PER_LEVEL * MAX_LEVELS + NOVELTY * (1 + 2 * FIRST_SHARE) + SHARED_HOURS
NEVER = -1e12

SLOTS_PER_HOUR = 4  # quarter hours: every UTC offset in use is a multiple of 15 minutes
SLOTS_PER_DAY = 24 * SLOTS_PER_HOUR
MIN_SHARED_SLOTS = 2 * SLOTS_PER_HOUR
# A round has fewer than (members × 11 / 2) ties even with the largest groups, so one repeat
# costs more than the whole of any round can gain.
TIES_PER_MEMBER_BOUND = 11


def team_tie_worth(distance: npt.ArrayLike, connection: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """The worth of a tie between two teams ``distance`` apart (``TeamPath.distance``) whose
    ``connection`` so far is so many ties (elementwise)."""
    apart = np.asarray(distance)
    levels = np.clip(apart - 1, 0, MAX_LEVELS)
    across = CROSS_TEAM + PER_LEVEL * levels + novelty(np.asarray(connection))
    worth: npt.NDArray[np.float64] = np.where(apart == 0, SAME_TEAM, across).astype(np.float64)
    return worth


def novelty(ties: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """The novelty part of a cross-team tie after so many ties between the two teams."""
    worth: npt.NDArray[np.float64] = NOVELTY / (1.0 + STEP * np.asarray(ties, dtype=np.float64))
    return worth


def average_ties(ties: npt.NDArray[np.float64]) -> float:
    """The ties of a team pair whose novelty is the mean novelty of ``ties``."""
    mean = float(np.mean(novelty(ties))) if len(ties) else NOVELTY
    return (NOVELTY / mean - 1.0) / STEP


@lru_cache(maxsize=4096)
def working_slots(timezone: str, hours: tuple[int, int], on: datetime) -> int:
    """The quarter hours of a UTC day covered by local ``hours`` in ``timezone``, as a bit mask."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:
        raise InputError(
            f"'{timezone}' is not a known time zone", example="Europe/Paris"
        ) from error
    offset = datetime.combine(on.date(), time(12), tzinfo=zone).utcoffset()
    shift = 0 if offset is None else int(offset.total_seconds()) // (60 * 60 // SLOTS_PER_HOUR)
    start, end = hours
    length = (end - start) % 24 or 24
    mask = 0
    for local in range(start * SLOTS_PER_HOUR, (start + length) * SLOTS_PER_HOUR):
        mask |= 1 << ((local - shift) % SLOTS_PER_DAY)
    return mask


def team_distances(teams: Sequence[TeamPath]) -> npt.NDArray[np.int64]:
    """``TeamPath.distance`` between every two teams, computed level by level."""
    count = len(teams)
    depth = max((len(t.parts) for t in teams), default=0)
    lengths = np.array([len(t.parts) for t in teams], dtype=np.int64)
    shared = np.zeros((count, count), dtype=np.int64)
    still = np.ones((count, count), dtype=bool)
    for level in range(depth):
        codes: dict[tuple[str, ...], int] = {}
        prefix = np.array(
            [
                codes.setdefault(t.parts[: level + 1], len(codes)) if len(t.parts) > level else -1
                for t in teams
            ],
            dtype=np.int64,
        )
        same = (prefix[:, None] == prefix[None, :]) & (prefix[:, None] >= 0)
        still &= same
        shared += still
    return np.maximum(lengths[:, None], lengths[None, :]) - shared


def _contains(
    sorted_keys: npt.NDArray[np.int64], keys: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    if not len(sorted_keys):
        return np.zeros(len(keys), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    found: npt.NDArray[np.bool_] = sorted_keys[at] == keys
    return found


def _history_ties(
    history: Sequence[PastGroup], index: dict[str, int], round_index: int, settings: PairingSettings
) -> tuple[
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.bool_],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
]:
    """Every tie of the history between members of this round: the lower member, the higher,
    whether it falls within the recency window, and its round."""
    first_recent = round_index - settings.recency
    pairs = [g for g in history if len(g.members) == 2]
    lows = list(map(index.get, (g.members[0] for g in pairs), repeat(-1)))
    highs = list(map(index.get, (g.members[1] for g in pairs), repeat(-1)))
    rounds = [g.round_index for g in pairs]
    today = settings.today
    dated = today is not None and any(g.on is not None for g in history)
    ages = [_age(g, round_index, today) for g in pairs] if dated else []
    for past in history:
        if len(past.members) > 2:
            known = sorted(k for k in (index.get(m, -1) for m in past.members) if k >= 0)
            for x, y in combinations(known, 2):
                lows.append(x)
                highs.append(y)
                rounds.append(past.round_index)
                if dated:
                    ages.append(_age(past, round_index, today))
    a = np.array(lows, dtype=np.int64)
    b = np.array(highs, dtype=np.int64)
    at = np.array(rounds, dtype=np.int64)
    weeks = np.array(ages, dtype=np.float64) if dated else (round_index - at).astype(np.float64)
    known_both = (a >= 0) & (b >= 0) & (a != b)
    a, b, at, weeks = a[known_both], b[known_both], at[known_both], weeks[known_both]
    low, high = np.minimum(a, b), np.maximum(a, b)
    # In one order whatever the history's (sums of float weights, ties broken by position).
    order = np.lexsort((weeks, at, high, low))
    low, high, at, weeks = low[order], high[order], at[order], weeks[order]
    return low, high, (at >= first_recent) & (at < round_index), at.astype(np.float64), weeks


def _age(group: PastGroup, round_index: int, today: date | None) -> float:
    """A past group's age in weeks: from its day where known, else a week a round."""
    if group.on is not None and today is not None:
        return (today - group.on).days / 7
    return float(round_index - group.round_index)


def aged(weeks: npt.NDArray[np.float64], half_life: float) -> npt.NDArray[np.float64]:
    """What a tie so many weeks old still counts: half after each half-life (1 if 0)."""
    if half_life <= 0:
        return np.ones_like(weeks)
    weight: npt.NDArray[np.float64] = 0.5 ** (np.maximum(weeks, 0.0) / half_life)
    return weight


def _goes_first(
    n: int,
    firsts: npt.NDArray[np.int64],
    seconds: npt.NDArray[np.int64],
    across: npt.NDArray[np.bool_],
    rounds: npt.NDArray[np.float64],
) -> list[int]:
    """1 for each member who goes first: in fewer than ``NEWCOMER_ROUNDS`` rounds of the
    history, or without a cross-team tie in it; else 0."""
    members = np.concatenate([firsts, seconds])
    at = np.concatenate([rounds, rounds]).astype(np.int64)
    at -= at.min(initial=0)
    span = int(at.max(initial=0)) + 1
    seen = np.unique(members * span + at) // span
    rounds_seen = np.bincount(seen, minlength=n)
    crossed = np.bincount(np.concatenate([firsts[across], seconds[across]]), minlength=n)
    first: list[int] = ((rounds_seen < NEWCOMER_ROUNDS) | (crossed == 0)).astype(np.int64).tolist()
    return first


def _pair_key(a: int, b: int, n: int) -> int:
    return a * n + b if a < b else b * n + a


class RoundObjective:
    """The worth of ties and groups in one round, built once from the round's inputs.

    Members are numbered by sorted id; ``tie``, ``group`` and ``worth`` are the objective.
    """

    def __init__(
        self,
        candidates: Sequence[Candidate],
        history: Sequence[PastGroup],
        settings: PairingSettings,
        round_index: int,
    ) -> None:
        people = sorted(candidates, key=lambda c: c.id)
        self.ids: tuple[str, ...] = tuple(c.id for c in people)
        self.index: dict[str, int] = {m: i for i, m in enumerate(self.ids)}
        if len(self.index) != len(self.ids):
            raise InputError("a member appears twice in the round", usage="each member once")
        n = len(self.ids)
        self.size = n
        team_codes: dict[TeamPath, int] = {}
        for c in sorted(people, key=lambda c: c.team):
            team_codes.setdefault(c.team, len(team_codes))
        self.teams: tuple[TeamPath, ...] = tuple(team_codes)
        self.team_of: list[int] = [team_codes[c.team] for c in people]
        on = datetime.combine(settings.hours_on, time(12))
        self.hours: list[int] = [
            working_slots(c.timezone, c.working_hours or DEFAULT_WORKING_HOURS, on) for c in people
        ]
        self.never: set[int] = set()
        for i, c in enumerate(people):
            for other in sorted(c.never_with):
                j = self.index.get(other)
                if j is not None and j != i:
                    self.never.add(_pair_key(i, j, n))
        t = len(self.teams)
        firsts, seconds, recent, rounds, weeks = _history_ties(
            history, self.index, round_index, settings
        )
        teams_of = np.array(self.team_of, dtype=np.int64)
        ta, tb = teams_of[firsts], teams_of[seconds]
        across = ta != tb
        weight = aged(weeks[across], settings.half_life_weeks)
        counted = np.bincount(ta[across] * t + tb[across], weights=weight, minlength=t * t)
        ties: npt.NDArray[np.float64] = counted.reshape(t, t).astype(np.float64)
        ties = untargeted_ties(ties + ties.T, self.teams, settings.untargeted, average_ties)
        self.first: list[int] = _goes_first(n, firsts, seconds, across, rounds)
        crossed = np.bincount(np.concatenate([firsts[across], seconds[across]]), minlength=n)
        self.connector: list[bool] = (crossed >= CONNECTOR_TIES).tolist()
        recent_keys = np.sort(firsts[recent] * n + seconds[recent])
        self.recent: set[int] = set(recent_keys.tolist())
        self.team_ties = ties
        distance = team_distances(self.teams)
        self.team_distance = distance
        self.team_worth = team_tie_worth(distance, ties)
        self._flat = array.array("d", self.team_worth.ravel().tobytes())
        self._history_flat: list[float] = ties.ravel().tolist()
        first_worth = np.where(distance == 0, 0.0, FIRST_SHARE * novelty(ties))
        self._first_array = first_worth
        self._first_flat = array.array("d", first_worth.ravel().tobytes())
        self._first_members = np.array(self.first, dtype=np.int64)
        self._teams_count = t
        self.repeat_penalty = -(MAX_TIE * max(n, 2) * TIES_PER_MEMBER_BOUND + 1.0)
        # The same figures as arrays, for ``ties`` (many ties at once).
        self._team_array = np.array(self.team_of, dtype=np.int64)
        distinct = {h: k for k, h in enumerate(dict.fromkeys(self.hours))}
        code = np.fromiter(map(distinct.__getitem__, self.hours), np.int64, n)
        self._hours_low = np.array([h & (2**64 - 1) for h in distinct], dtype=np.uint64)[code]
        self._hours_high = np.array([h >> 64 for h in distinct], dtype=np.uint64)[code]
        self._recent_keys = recent_keys
        self._never_keys = np.array(sorted(self.never), dtype=np.int64)

    def tie(self, a: int, b: int) -> float:
        """The worth of grouping members ``a`` and ``b`` (indices): THE objective, per tie."""
        key = a * self.size + b if a < b else b * self.size + a
        if key in self.never:
            return NEVER
        pair = self.team_of[a] * self._teams_count + self.team_of[b]
        worth = self._flat[pair] + self._first_flat[pair] * (self.first[a] + self.first[b])
        if (self.hours[a] & self.hours[b]).bit_count() >= MIN_SHARED_SLOTS:
            worth += SHARED_HOURS
        if key in self.recent:
            worth += self.repeat_penalty
        return worth

    def ties(self, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """``tie`` for many pairs of members at once: ``ties(a, b)[k] == tie(a[k], b[k])``."""
        ta, tb = self._team_array[a], self._team_array[b]
        goes_first = self._first_members[a] + self._first_members[b]
        worth = self.team_worth[ta, tb] + self._first_array[ta, tb] * goes_first
        shared = np.bitwise_count(self._hours_low[a] & self._hours_low[b]).astype(np.int64)
        shared += np.bitwise_count(self._hours_high[a] & self._hours_high[b])
        worth = worth + np.where(shared >= MIN_SHARED_SLOTS, SHARED_HOURS, 0.0)
        keys = np.minimum(a, b) * self.size + np.maximum(a, b)
        worth += np.where(_contains(self._recent_keys, keys), self.repeat_penalty, 0.0)
        return np.where(_contains(self._never_keys, keys), NEVER, worth)

    def team_key(self, a: int, b: int) -> int:
        """The team pair of members ``a`` and ``b``, as one number (lower team first)."""
        i, j = self.team_of[a], self.team_of[b]
        return i * self._teams_count + j if i <= j else j * self._teams_count + i

    def crowding(self, key: int, earlier: int) -> float:
        """What a tie of team pair ``key`` (``team_key``) is worth less than ``tie`` says when
        ``earlier`` ties of that pair come before it in the round (0 or less)."""
        if earlier == 0:
            return 0.0
        t = self._teams_count
        if key // t == key % t:
            return 0.0
        so_far = self._history_flat[key]
        return NOVELTY / (1.0 + STEP * (so_far + earlier)) - NOVELTY / (1.0 + STEP * so_far)

    def team_tie(self, i: int, j: int, more_ties: int = 0) -> float:
        """The worth of a tie between teams ``i`` and ``j`` after ``more_ties`` more ties."""
        t = self._teams_count
        key = i * t + j if i <= j else j * t + i
        return self._flat[key] + self.crowding(key, more_ties)

    def is_never(self, a: int, b: int) -> bool:
        return _pair_key(a, b, self.size) in self.never

    def is_recent(self, a: int, b: int) -> bool:
        return _pair_key(a, b, self.size) in self.recent

    def group_bonus(self, members: Sequence[int]) -> float:
        """``CONNECTOR`` for a group of three or more where one connector meets members who
        all go first; else 0."""
        if len(members) < 3:
            return 0.0
        connectors = sum(1 for m in members if self.connector[m])
        firsts = sum(1 for m in members if self.first[m])
        return CONNECTOR if connectors == 1 and firsts == len(members) - 1 else 0.0

    def group(self, members: Sequence[int]) -> float:
        """The worth of one group on its own: the sum of the worth of its ties."""
        ties = sum(self.tie(a, b) for a, b in combinations(members, 2))
        return ties + self.group_bonus(members)

    def round_worth(self, groups: Iterable[Sequence[int]]) -> float:
        """THE objective of a round (groups of member indices): the worth of its ties, less
        for each group where two teams meet again after earlier groups of the round (a group
        counts once per team pair that meets in it)."""
        total = 0.0
        seen: dict[int, int] = {}
        for group in groups:
            total += self.group_bonus(group)
            keys: set[int] = set()
            for a, b in combinations(group, 2):
                total += self.tie(a, b)
                keys.add(self.team_key(a, b))
            for key in keys:
                earlier = seen.get(key, 0)
                total += self.crowding(key, earlier)
                seen[key] = earlier + 1
        return total

    def worth(self, groups: Iterable[Sequence[str]]) -> float:
        """The worth of a round given as groups of member ids (``round_worth``)."""
        return self.round_worth([self.index[m] for m in g] for g in groups)

    def team_sizes(self) -> list[int]:
        sizes = [0] * len(self.teams)
        for t in self.team_of:
            sizes[t] += 1
        return sizes
