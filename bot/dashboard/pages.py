"""Each dashboard page's data as plain values, from the digest's own figures (``gather``), so
that a page, its CSV and the digest say the same. Every figure over fewer people than the
anonymity threshold is withheld here, before any template or CSV sees it."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from bot.domain import TeamPath
from bot.network import TeamPairTies
from bot.services.context import Context
from bot.services.digest_figures import Figures, gather
from bot.services.taxonomy import taxonomy_of
from bot.store import repo
from bot.store.facilitation import AnswerRow, CheckInRow, ParticipantRow
from bot.store.models import GroupMemberRow, GroupRow, MemberRow, OutcomeRow, RoundRow
from bot.themes import Theme, ThemeAnswer, offline_themes

PERIOD_DAYS = 7  # the digest's period: the summary's figures are the digest's


@dataclass(frozen=True)
class RoundLine:
    """One round's figures: the rows of the overview's charts."""

    number: int
    run_on: date
    groups: int
    people: int
    groups_met: int
    cross_team_ties: int
    coverage: float  # the fraction of team pairs met, after this round
    ei_index: float

    @property
    def met_rate(self) -> float | None:
        return self.groups_met / self.groups if self.groups else None


@dataclass(frozen=True)
class Overview:
    figures: Figures
    rounds: tuple[RoundLine, ...]
    least_connected: tuple[TeamPairTies, ...]
    threshold: int

    @property
    def team_pairs_met(self) -> int:
        coverage = self.figures.network.coverage
        return sum(1 for i, row in enumerate(coverage) for j in range(i + 1, len(row)) if row[j])

    @property
    def period_cross_team_ties(self) -> int:
        n = self.figures.period_rounds
        return sum(self.figures.network.cross_team_ties_per_round[-n:]) if n else 0


@dataclass(frozen=True)
class Tie:
    first: str
    second: str
    meetings: int
    new: bool


@dataclass(frozen=True)
class Network:
    teams: tuple[tuple[str, int], ...]  # (team, members taking part)
    ties: tuple[Tie, ...]  # team pairs that held a meeting, as the digest's picture draws them


@dataclass(frozen=True)
class CheckInThemes:
    checkin_id: int
    questions: tuple[str, ...]
    asked: int | None  # None: withheld (fewer asked than the threshold)
    answered: int | None
    themes: tuple[Theme, ...]
    note: str


@dataclass(frozen=True)
class GroupLine:
    position: int
    people: tuple[tuple[str, str], ...]  # (first name, team)
    outcome: str  # met | not_yet | skipped | no_answer


@dataclass(frozen=True)
class RoundDetail:
    number: int
    run_on: date
    groups: tuple[GroupLine, ...]
    paused: tuple[tuple[str, str], ...]
    left_out: tuple[tuple[str, str], ...]


async def overview(ctx: Context) -> Overview:
    figures = await gather(ctx, days=PERIOD_DAYS)
    network = figures.network
    numbers, run_on, groups, people = await _round_sizes(ctx)
    met = await _met_per_round(ctx)
    lines = tuple(
        RoundLine(
            number=number,
            run_on=run_on[number],
            groups=groups[number],
            people=people[number],
            groups_met=met.get(number, 0),
            cross_team_ties=network.cross_team_ties_per_round[i],
            coverage=network.coverage_per_round[i],
            ei_index=network.ei_index_per_round[i],
        )
        for i, number in enumerate(numbers)
        if i < len(network.ei_index_per_round)
    )
    return Overview(figures, lines, network.least_connected, ctx.threshold)


async def network(ctx: Context) -> Network:
    figures = await gather(ctx, days=PERIOD_DAYS)
    sizes = figures.team_sizes
    fresh = {tuple(sorted(pair)) for pair in figures.new_ties}
    ties = tuple(
        Tie(a, b, held, (a, b) in fresh)
        for (a, b), held in sorted(figures.meetings.items())
        if held > 0 and a in sizes and b in sizes
    )
    return Network(tuple(sorted(sizes.items())), ties)


async def themes(ctx: Context) -> tuple[CheckInThemes, ...]:
    """Each closed check-in's themes, newest first, by the digest's offline method and rules."""
    names = sorted(
        set(
            (
                await ctx.session.scalars(
                    select(MemberRow.first_name).where(MemberRow.community_id == ctx.community.id)
                )
            ).all()
        )
    )
    taxonomy = taxonomy_of(ctx.community)
    checkins = (
        await ctx.session.scalars(
            select(CheckInRow)
            .where(CheckInRow.community_id == ctx.community.id, CheckInRow.closed.is_(True))
            .order_by(CheckInRow.id.desc())
        )
    ).all()
    found: list[CheckInThemes] = []
    for checkin in checkins:
        asked = len(
            (
                await ctx.session.scalars(
                    select(ParticipantRow.id).where(ParticipantRow.checkin_id == checkin.id)
                )
            ).all()
        )
        rows = (
            await ctx.session.execute(
                select(AnswerRow.text, AnswerRow.team, AnswerRow.member_id, AnswerRow.question)
                .where(AnswerRow.checkin_id == checkin.id, AnswerRow.text != "")
                .order_by(AnswerRow.id)
            )
        ).all()
        answered = sum(1 for *_, question in rows if question == 0)
        answers = tuple(
            ThemeAnswer(
                text,
                team,
                respondent=None if member is None else f"member {member}",
                slot=f"check-in {checkin.id} question {question}",
            )
            for text, team, member, question in rows
        )
        report = await asyncio.to_thread(
            offline_themes, answers, taxonomy, threshold=ctx.threshold, names=names
        )
        shown = asked >= ctx.threshold
        found.append(
            CheckInThemes(
                checkin.id,
                tuple(checkin.questions),
                asked if shown else None,
                answered if shown and answered >= ctx.threshold else None,
                report.themes,
                report.note,
            )
        )
    return tuple(found)


async def rounds(ctx: Context) -> tuple[RoundDetail, ...]:
    """Every round, newest first: its groups by first name and team and how each went, who was
    paused over it and who (taking part, not paused) was left out. For admins only."""
    members = list(await repo.members(ctx.session, ctx.community.id))
    by_id = {m.id: m for m in members}
    round_rows = (
        await ctx.session.scalars(
            select(RoundRow)
            .where(RoundRow.community_id == ctx.community.id)
            .order_by(RoundRow.number.desc())
        )
    ).all()
    details: list[RoundDetail] = []
    for row in round_rows:
        placed = (
            await ctx.session.execute(
                select(GroupRow.id, GroupRow.position, GroupMemberRow.member_id)
                .join(GroupMemberRow, GroupMemberRow.group_id == GroupRow.id)
                .where(GroupRow.round_id == row.id)
                .order_by(GroupRow.position, GroupMemberRow.member_id)
            )
        ).all()
        outcomes = await _outcomes(ctx, row.id)
        groups: dict[int, tuple[int, list[tuple[str, str]]]] = {}
        grouped: set[int] = set()
        for group_id, position, member_id in placed:
            member = by_id.get(member_id)
            if member is None:
                continue
            grouped.add(member_id)
            groups.setdefault(group_id, (position, []))[1].append(_who(member))
        paused = tuple(
            _who(m)
            for m in members
            if m.id not in grouped and m.paused_until is not None and m.paused_until > row.run_on
        )
        left_out = tuple(
            _who(m)
            for m in members
            if m.id not in grouped
            and m.status == "active"
            and (m.paused_until is None or m.paused_until <= row.run_on)
            and m.joined_at.date() <= row.run_on
        )
        details.append(
            RoundDetail(
                row.number,
                row.run_on,
                tuple(
                    GroupLine(position + 1, tuple(people), outcomes.get(group_id, "no_answer"))
                    for group_id, (position, people) in sorted(
                        groups.items(), key=lambda item: item[1][0]
                    )
                ),
                paused,
                left_out,
            )
        )
    return tuple(details)


def _who(member: MemberRow) -> tuple[str, str]:
    return member.first_name, TeamPath.parse(member.team).name


async def _outcomes(ctx: Context, round_id: int) -> dict[int, str]:
    """Each group's outcome: met where anyone said so, else not yet, else skipped."""
    rows = (
        await ctx.session.execute(
            select(OutcomeRow.group_id, OutcomeRow.outcome)
            .join(GroupRow, GroupRow.id == OutcomeRow.group_id)
            .where(GroupRow.round_id == round_id)
        )
    ).all()
    said: dict[int, set[str]] = {}
    for group_id, outcome in rows:
        said.setdefault(group_id, set()).add(outcome)
    order = ("met", "not_yet", "skipped")
    return {g: next((o for o in order if o in s), "no_answer") for g, s in said.items()}


async def _round_sizes(
    ctx: Context,
) -> tuple[list[int], dict[int, date], Counter[int], Counter[int]]:
    """The numbers of the rounds that formed groups (the rounds the network figures count),
    with each one's day, groups and people."""
    rows = (
        await ctx.session.execute(
            select(RoundRow.number, RoundRow.run_on, GroupRow.id, GroupMemberRow.member_id)
            .join(GroupRow, GroupRow.round_id == RoundRow.id)
            .join(GroupMemberRow, GroupMemberRow.group_id == GroupRow.id)
            .where(RoundRow.community_id == ctx.community.id)
        )
    ).all()
    run_on = {number: day for number, day, _, _ in rows}
    groups = Counter(number for number, _ in {(n, g) for n, _, g, _ in rows})
    people = Counter(number for number, *_ in rows)
    return sorted(run_on), run_on, groups, people


async def _met_per_round(ctx: Context) -> dict[int, int]:
    rows = (
        await ctx.session.execute(
            select(RoundRow.number, OutcomeRow.group_id)
            .join(GroupRow, GroupRow.round_id == RoundRow.id)
            .join(OutcomeRow, OutcomeRow.group_id == GroupRow.id)
            .where(RoundRow.community_id == ctx.community.id, OutcomeRow.outcome == "met")
        )
    ).all()
    return dict(Counter(number for number, _ in set(rows)))
