"""Groups that are not left with only a quiet member: one likely not to answer (they answered
none of their last introductions) joins a group of others as its extra member — the third of a
trio where groups are pairs — rather than make a pair with one person who would wait alone.

Pure and deterministic, like the rest of the engine. Each quiet member joins a group with the
fewest quiet members already, none on either's never-pair list, the smallest, then one with
the fewest of their team and of those they met within the recency window. Where there are
more quiet members than groups of others, the quiet ones left over make groups of their own.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from bot.errors import InputError
from bot.pairing.model import Candidate, PairingSettings, PastGroup

Groups = list[tuple[str, ...]]


def place_quiet(
    groups: Sequence[tuple[str, ...]],
    quiet: Sequence[Candidate],
    others: Sequence[Candidate],
    history: Sequence[PastGroup],
    settings: PairingSettings,
    round_index: int,
) -> Groups:
    """``groups`` of ``others`` with each of ``quiet`` added to one of them.

    Raises ``InputError`` where a quiet member's never-pair lists leave them no group."""
    placed = [list(g) for g in groups]
    by_id = {c.id: c for c in [*quiet, *others]}
    quiet_ids = {c.id for c in quiet}
    recent = _recent_partners(history, settings, round_index)
    rng = random.Random(f"bridgework:quiet:{settings.seed}:{round_index}")
    for member in sorted(quiet, key=lambda c: c.id):
        ranked = [
            (
                sum(p in quiet_ids for p in group),
                len(group),
                sum(by_id[p].team == member.team for p in group if p in by_id),
                sum(frozenset((p, member.id)) in recent for p in group),
                rng.random(),
                at,
            )
            for at, group in enumerate(placed)
            if not any(_never(member, by_id.get(p)) for p in group)
        ]
        if not ranked:
            raise InputError(
                f"the never-pair lists leave {member.id} no group in this round",
                usage="shorter never-pair lists",
            )
        placed[min(ranked)[-1]].append(member.id)
    return sorted(tuple(sorted(g)) for g in placed)


def _never(member: Candidate, other: Candidate | None) -> bool:
    if other is None:
        return False
    return other.id in member.never_with or member.id in other.never_with


def _recent_partners(
    history: Sequence[PastGroup], settings: PairingSettings, round_index: int
) -> set[frozenset[str]]:
    since = round_index - settings.recency
    return {
        frozenset((a, b))
        for group in history
        if group.round_index >= since
        for i, a in enumerate(group.members)
        for b in group.members[i + 1 :]
    }
