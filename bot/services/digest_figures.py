"""The figures a leads' digest reports, read from the store for one period."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from bot.clock import as_utc
from bot.domain import UNASSIGNED, TeamPath
from bot.lift import Lift
from bot.network import NetworkReport, summarise
from bot.services import holdout
from bot.services.context import Context
from bot.services.meet_again import Lasting, lasting
from bot.store import repo
from bot.store.facilitation import AnswerRow, CheckInRow, ParticipantRow, PromptAnswerRow, PromptRow
from bot.store.models import GroupRow, MemberRow, OutboxRow, OutcomeRow, RoundRow
from bot.themes import ThemeAnswer


@dataclass(frozen=True)
class CheckInRate:
    checkin_id: int
    asked: int
    answered: int


@dataclass(frozen=True)
class Figures:
    since: date
    active: int
    paused: int
    opted_out: int
    paired: int
    groups: int
    groups_met: int
    undeliverable: int
    prompts_posted: int
    prompt_answers: int
    checkins: tuple[CheckInRate, ...]
    network: NetworkReport
    organisations: NetworkReport | None  # where the teams sit in two or more organisations
    period_rounds: int
    team_sizes: dict[str, int]
    meetings: dict[tuple[str, str], int]
    new_ties: set[tuple[str, str]]
    answers: tuple[ThemeAnswer, ...]  # of the check-ins closed this period
    lasting: Lasting = Lasting(0, 0, 0)  # introductions so far that met, and then chose to again
    lift: Lift | None = None  # the steering's lift, estimated over the holdout (if any)


async def gather(ctx: Context, *, days: int = 7) -> Figures:
    now = ctx.clock()
    since = ctx.today - timedelta(days=days)
    members = list(await repo.members(ctx.session, ctx.community.id))
    status = Counter(m.status for m in members)
    team_of = {m.platform_id: TeamPath.parse(m.team) for m in members}
    all_groups = await repo.past_groups(ctx.session, ctx.community.id, 1)
    numbers = sorted({n for n, _ in all_groups})
    rounds = [[ids for n, ids in all_groups if n == number] for number in numbers]
    period_numbers = set(
        (
            await ctx.session.scalars(
                select(RoundRow.number).where(
                    RoundRow.community_id == ctx.community.id, RoundRow.run_on > since
                )
            )
        ).all()
    )
    # The groups of the rounds run in the period, on-demand ones included: by day, not number,
    # since an on-demand round shares the number of the weekly round it follows.
    dated = await repo.past_groups_on(ctx.session, ctx.community.id, date.min)
    period_groups = [ids for _, run_on, ids in dated if run_on > since]
    met_groups = await _met_groups(ctx, since)
    return Figures(
        since=since,
        active=status.get("active", 0),
        paused=status.get("paused", 0),
        opted_out=status.get("opted_out", 0) + status.get("left", 0),
        paired=len({person for group in period_groups for person in group}),
        groups=len(period_groups),
        groups_met=len(met_groups),
        undeliverable=await _undeliverable(ctx, since),
        prompts_posted=await _count(
            ctx,
            select(func.count())
            .select_from(PromptRow)
            .where(
                PromptRow.community_id == ctx.community.id, PromptRow.posted_on > since.isoformat()
            ),
        ),
        prompt_answers=await _count(
            ctx,
            select(func.count())
            .select_from(PromptAnswerRow)
            .join(PromptRow, PromptRow.id == PromptAnswerRow.prompt_id)
            .where(
                PromptRow.community_id == ctx.community.id, PromptRow.posted_on > since.isoformat()
            ),
        ),
        checkins=await _rates(ctx, since, now),
        network=summarise(rounds, team_of),
        organisations=_organisations(rounds, team_of),
        period_rounds=len(period_numbers),
        team_sizes=dict(
            Counter(team_of[m.platform_id].name for m in members if m.status == "active")
        ),
        meetings=await _meetings(ctx, team_of),
        new_ties=_new_ties(dated, since, team_of),
        answers=await _answers(ctx, since, now),
        lasting=await lasting(ctx),
        lift=await holdout.estimate(ctx),
    )


def _organisations(
    rounds: list[list[tuple[str, ...]]], team_of: dict[str, TeamPath]
) -> NetworkReport | None:
    """The network one level up, between organisations (the top level of the team paths), where
    the teams sit in two or more of them and that level groups them (not a flat list of teams)."""
    org_of = {m: TeamPath(t.parts[:1]) for m, t in team_of.items() if t != UNASSIGNED}
    organisations = set(org_of.values())
    teams = {t for t in team_of.values() if t != UNASSIGNED}
    if len(organisations) < 2 or len(organisations) >= len(teams):
        return None
    return summarise(rounds, org_of)


async def _count(ctx: Context, query: object) -> int:
    return int(await ctx.session.scalar(query) or 0)  # type: ignore[call-overload]


async def _met_groups(ctx: Context, since: date) -> set[int]:
    rows = await ctx.session.scalars(
        select(OutcomeRow.group_id)
        .join(GroupRow, GroupRow.id == OutcomeRow.group_id)
        .join(RoundRow, RoundRow.id == GroupRow.round_id)
        .where(
            RoundRow.community_id == ctx.community.id,
            RoundRow.run_on > since,
            OutcomeRow.outcome == "met",
        )
    )
    return set(rows.all())


async def _undeliverable(ctx: Context, since: date) -> int:
    return await _count(
        ctx,
        select(func.count())
        .select_from(OutboxRow)
        .join(GroupRow, GroupRow.id == OutboxRow.group_id)
        .join(RoundRow, RoundRow.id == GroupRow.round_id)
        .where(
            RoundRow.community_id == ctx.community.id,
            RoundRow.run_on > since,
            OutboxRow.kind == "intro",
            OutboxRow.status == "dead",
        ),
    )


async def _rates(ctx: Context, since: date, now: datetime) -> tuple[CheckInRate, ...]:
    rates: list[CheckInRate] = []
    for checkin in await _closed_checkins(ctx, since, now):
        asked = await ctx.session.scalar(
            select(func.count()).where(ParticipantRow.checkin_id == checkin.id)
        )
        # Respondents are counted from the answers (the first question is required): who
        # answered an anonymous check-in is recorded nowhere.
        answered = await ctx.session.scalar(
            select(func.count()).where(AnswerRow.checkin_id == checkin.id, AnswerRow.question == 0)
        )
        rates.append(CheckInRate(checkin.id, int(asked or 0), int(answered or 0)))
    return tuple(rates)


async def _closed_checkins(ctx: Context, since: date, now: datetime) -> list[CheckInRow]:
    rows = await ctx.session.scalars(
        select(CheckInRow)
        .where(CheckInRow.community_id == ctx.community.id, CheckInRow.closed.is_(True))
        .order_by(CheckInRow.id)
    )
    start = datetime.combine(since, datetime.min.time()).replace(tzinfo=now.tzinfo)
    return [c for c in rows.all() if as_utc(c.closes_at) > as_utc(start)]


async def _answers(ctx: Context, since: date, now: datetime) -> tuple[ThemeAnswer, ...]:
    """The answers, each with its respondent where named and its question: anonymous answers are
    unlinkable once their check-in closes, so only the question bounds how many people gave them."""
    found: list[ThemeAnswer] = []
    for checkin in await _closed_checkins(ctx, since, now):
        rows = await ctx.session.execute(
            select(AnswerRow.text, AnswerRow.team, AnswerRow.member_id, AnswerRow.question)
            .where(AnswerRow.checkin_id == checkin.id, AnswerRow.text != "")  # "": past retention
            .order_by(AnswerRow.id)
        )
        found.extend(
            ThemeAnswer(
                text,
                team,
                respondent=None if member is None else f"member {member}",
                slot=f"check-in {checkin.id} question {question}",
            )
            for text, team, member, question in rows.all()
        )
    return tuple(found)


async def _meetings(ctx: Context, team_of: dict[str, TeamPath]) -> dict[tuple[str, str], int]:
    """Meetings held (a group whose member said "met") between each two teams, all rounds."""
    rows = await ctx.session.execute(
        select(OutcomeRow.group_id, MemberRow.platform_id)
        .join(GroupRow, GroupRow.id == OutcomeRow.group_id)
        .join(RoundRow, RoundRow.id == GroupRow.round_id)
        .join(MemberRow, MemberRow.id == OutcomeRow.member_id)
        .where(RoundRow.community_id == ctx.community.id, OutcomeRow.outcome == "met")
    )
    met = {group_id for group_id, _ in rows.all()}
    held: Counter[tuple[str, str]] = Counter()
    for group_id in sorted(met):
        teams = sorted(
            {
                team_of[m.platform_id].name
                for m in await repo.group_members(ctx.session, group_id)
                if m.platform_id in team_of
            }
        )
        for i, a in enumerate(teams):
            for b in teams[i + 1 :]:
                held[(a, b)] += 1
    return dict(held)


def _new_ties(
    groups: list[tuple[int, date, tuple[str, ...]]], since: date, team_of: dict[str, TeamPath]
) -> set[tuple[str, str]]:
    """Team pairs whose first tie came in this period (in a round run after ``since``)."""
    seen: set[tuple[str, str]] = set()
    fresh: set[tuple[str, str]] = set()
    for _, run_on, ids in sorted(groups, key=lambda g: (g[1], g[0])):
        teams = sorted({team_of[i].name for i in ids if i in team_of})
        for i, a in enumerate(teams):
            for b in teams[i + 1 :]:
                if (a, b) not in seen and run_on > since:
                    fresh.add((a, b))
                seen.add((a, b))
    return fresh
