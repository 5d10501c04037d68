"""Leads across levels: a few leads join cross-team groups of members, each round other teams.

An admin's ``set leads-in-groups N`` asks for up to N leads a round. They take turns
(:func:`leads_this_round`), and each one chosen joins one group of the round as its extra member
(:func:`place_leads`): a group with nobody from the lead's own team, nobody the lead met within
the recency window nor on either's never-pair list, whose teams the lead met longest ago (or
never) — so a lead meets other teams each round than the round before. Pure and deterministic,
like the rest of the engine.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from bot.domain import TeamPath
from bot.pairing.model import Candidate, PairingSettings, PastGroup

NEVER_MET = -1


def leads_this_round(leads: Sequence[str], count: int, round_index: int) -> list[str]:
    """Up to ``count`` of ``leads`` (in a fixed order), taking turns round after round."""
    ordered = sorted(set(leads))
    if count <= 0 or not ordered:
        return []
    take = min(count, len(ordered))
    start = ((round_index - 1) * take) % len(ordered)
    return [ordered[(start + k) % len(ordered)] for k in range(take)]


def place_leads(
    groups: Sequence[tuple[str, ...]],
    leads: Sequence[Candidate],
    members: Sequence[Candidate],
    team_of: Mapping[str, TeamPath],
    history: Sequence[PastGroup],
    settings: PairingSettings,
    round_index: int,
) -> list[tuple[str, ...]] | None:
    """``groups`` with each of ``leads`` added to one of them (one lead a group while groups
    last). ``members`` are the round's others; ``team_of`` holds the team of every member the
    history names, where known. None if a lead fits no group left (each holds the lead's own
    team, a never-pair or a recent partner): the caller then pairs the leads as members."""
    placed = [list(g) for g in groups]
    shunned = {m.id: m.never_with for m in members}
    taken: set[int] = set()
    rng = random.Random(f"bridgework:leads:{settings.seed}:{round_index}")
    for lead in leads:
        last_met, recent = _lead_history(lead, team_of, history, settings, round_index)
        choices = [
            at
            for at, group in enumerate(placed)
            if at not in taken and _may_join(lead, group, team_of, shunned, recent)
        ]
        if not choices:
            return None
        ranked = [(_rank(placed[at], team_of, last_met), rng.random(), at) for at in choices]
        best = min(ranked)[2]
        placed[best].append(lead.id)
        taken.add(best)
    return [tuple(sorted(g)) for g in placed]


def _rank(
    group: Sequence[str], team_of: Mapping[str, TeamPath], last_met: Mapping[TeamPath, int]
) -> tuple[list[int], int, int]:
    """How well ``group`` suits the lead, least first: the teams met most lately weigh first (a
    group of teams never met, or met longest ago, comes first); then a group across teams;
    then a pair before a trio."""
    teams = {t for m in group if (t := team_of.get(m)) is not None}
    lately = sorted((last_met.get(t, NEVER_MET) for t in teams), reverse=True)
    return lately, 0 if len(teams) > 1 else 1, len(group)


def _lead_history(
    lead: Candidate,
    team_of: Mapping[str, TeamPath],
    history: Sequence[PastGroup],
    settings: PairingSettings,
    round_index: int,
) -> tuple[dict[TeamPath, int], set[str]]:
    """The last round the lead met each team, and whom the lead met within the window."""
    last_met: dict[TeamPath, int] = {}
    recent: set[str] = set()
    for past in history:
        if lead.id not in past.members:
            continue
        for other in past.members:
            if other == lead.id:
                continue
            if round_index - settings.recency <= past.round_index < round_index:
                recent.add(other)
            team = team_of.get(other)
            if team is not None and team != lead.team:
                last_met[team] = max(last_met.get(team, NEVER_MET), past.round_index)
    return last_met, recent


def _may_join(
    lead: Candidate,
    group: Sequence[str],
    team_of: Mapping[str, TeamPath],
    shunned: Mapping[str, frozenset[str]],
    recent: set[str],
) -> bool:
    """Whether the lead may join ``group``: nobody of the lead's own team, on either's
    never-pair list, or met within the recency window."""
    return not any(
        team_of.get(m) == lead.team
        or m in recent
        or m in lead.never_with
        or lead.id in shunned.get(m, ())
        for m in group
    )
