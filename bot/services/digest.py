"""The leads' digest: participation, meetings held, how connected the teams are (figures and a
picture), check-in response rates and the themes across teams — every figure over a group
smaller than the anonymity threshold withheld."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import select

from bot import texts
from bot.calendar import day_text
from bot.delivery.outbox import enqueue
from bot.domain import Community, Role
from bot.errors import DeliveryError
from bot.messages import Image, Message, Text
from bot.network import NetworkReport
from bot.picture import NetworkPicture, draw
from bot.services import ghosts
from bot.services.context import Context
from bot.services.digest_figures import Figures, gather
from bot.services.taxonomy import taxonomy_of
from bot.store import repo
from bot.store.models import MemberRow, RoleGrantRow
from bot.texts import copy
from bot.themes import ThemeReport, llm_themes, offline_themes

log = logging.getLogger(__name__)


# The names of a community's members as its platform lists them now (display names, full names):
# asked for at digest time, for redaction only, and never stored.
Roster = Callable[[Community], Awaitable[Sequence[str]]]


@dataclass(frozen=True)
class LLMConfig:
    base_url: str
    api_key: str
    model: str
    roster: Roster | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Digest:
    text: str
    picture: NetworkPicture
    themes: ThemeReport


async def build(ctx: Context, *, llm: LLMConfig | None = None, days: int = 7) -> Digest:
    """The digest of the last ``days``. Theming and drawing run in worker threads (the model
    releases the GIL), so the event loop — and the platforms' connections — stay responsive."""
    figures = await gather(ctx, days=days)
    themes = await _themes(ctx, figures, llm)
    picture = await asyncio.to_thread(
        draw,
        figures.team_sizes,
        figures.meetings,
        figures.new_ties,
        figures.network.ei_index_per_round[-8:],
        trend_label=copy("picture.trend_title"),
        title=copy("picture.title"),
        x_label=copy("picture.x_label"),
    )
    quiet = await ghosts.paused_count(ctx)
    return Digest(_text(ctx, figures, themes, picture, quiet), picture, themes)


async def _themes(ctx: Context, figures: Figures, llm: LLMConfig | None) -> ThemeReport:
    """The offline themes, narrated by the LLM where it is configured and on for the community;
    no part quotes an answer naming a member. Before the LLM is asked, the members' names as the
    platform lists them are read (the roster); if they cannot be, the LLM is not asked."""
    answers = figures.answers
    members = await ctx.session.scalars(
        select(MemberRow.first_name).where(MemberRow.community_id == ctx.community.id)
    )
    names = sorted(set(members.all()))
    taxonomy = taxonomy_of(ctx.community)
    offline = await asyncio.to_thread(
        offline_themes, answers, taxonomy, threshold=ctx.threshold, names=names
    )
    if llm is None or not ctx.community.llm_enabled or not offline.themes:
        return offline
    if llm.roster is not None:
        try:
            listed = await llm.roster(repo.to_community(ctx.community))
        except DeliveryError as error:
            log.warning(
                "community %s: the member list could not be read (%s); the LLM is not asked",
                ctx.community.id,
                type(error).__name__,
            )
            why = copy("themes.why.no_roster")
            return replace(
                offline, note=offline.note + " " + copy("themes.note.llm_unused", why=why)
            )
        names = sorted({*names, *(n for n in listed if n.strip())})
    return await llm_themes(
        answers,
        offline,
        base_url=llm.base_url,
        api_key=llm.api_key,
        model=llm.model,
        names=names,
        threshold=ctx.threshold,
    )


def _text(
    ctx: Context, f: Figures, themes: ThemeReport, picture: NetworkPicture, quiet: int
) -> str:
    n = f.network
    lines = [
        copy("digest.heading", community=ctx.community.name, since=day_text(f.since)),
        copy(
            "digest.participation",
            active=f.active,
            paused=f.paused,
            opted_out=f.opted_out,
            paired=texts.people(f.paired),
            rounds=(
                copy("digest.one_round")
                if f.period_rounds == 1
                else copy("digest.rounds", n=f.period_rounds)
            ),
        ),
        *([copy("digest.quiet", people=texts.people(quiet))] if quiet else []),
        copy("digest.meetings", met=f.groups_met, groups=f.groups, undeliverable=f.undeliverable),
        _lasting(f),
        *_lift(f),
        copy("digest.prompts", posted=f.prompts_posted, answers=f.prompt_answers),
    ]
    for rate in f.checkins:
        if rate.asked >= ctx.threshold:
            lines.append(
                copy(
                    "digest.checkin",
                    id=rate.checkin_id,
                    answered=rate.answered,
                    asked=rate.asked,
                    rate=f"{rate.answered / rate.asked:.0%}",
                )
            )
        else:
            lines.append(
                copy("digest.checkin_withheld", id=rate.checkin_id, threshold=ctx.threshold)
            )
    period = sum(n.cross_team_ties_per_round[-f.period_rounds :]) if f.period_rounds else 0
    trend = " → ".join(f"{v:+.2f}" for v in n.ei_index_per_round[-4:]) or "—"
    lines.append(
        copy(
            "digest.network",
            period=period,
            total=n.cross_team_ties,
            met=sum(
                1 for i, row in enumerate(n.coverage) for j in range(i + 1, len(row)) if row[j]
            ),
            pairs=n.team_pairs,
            ei=f"{n.ei_index:+.2f}",
            trend=trend,
            never=texts.people(len(n.never_crossed)),
        )
    )
    if n.least_connected:
        weakest = ", ".join(
            f"{p.first.name}–{p.second.name} ({p.ties})" for p in n.least_connected[:3]
        )
        lines.append(copy("digest.least_connected", pairs=weakest))
    if f.organisations is not None:
        lines.append(_organisations_line(f.organisations, f.period_rounds))
    lines.append(copy("digest.themes_heading", method=themes.method))
    if themes.note:
        lines.append(themes.note)
    if themes.narrative:
        lines.append(themes.narrative)
    for theme in themes.themes:
        teams = ", ".join(f"{t} {c}" for t, c in theme.by_team)
        label = copy("digest.emerging") if theme.emerging else ""
        lines.append(
            copy(
                "digest.theme",
                name=theme.name,
                label=label,
                count=texts.answers(theme.count),
                respondents=texts.people(theme.respondents),
                teams=copy("digest.theme_teams", teams=teams) if teams else "",
            )
        )
        lines.extend(f"    “{q}”" for q in theme.quotes)
    lines.append(copy("digest.picture", alt=picture.alt_text))
    return "\n".join(lines)


def _lasting(f: Figures) -> str:
    """Whether introductions become ties: the share that met, and of those the share that
    chose to meet again."""
    last = f.lasting

    def share(part: int, whole: int) -> str:
        return f"{part / whole:.0%}" if whole else "—"

    return copy(
        "digest.lasting",
        introductions=last.introductions,
        met=last.met,
        met_share=share(last.met, last.introductions),
        again=last.again,
        again_share=share(last.again, last.met),
    )


def _lift(f: Figures) -> list[str]:
    """The steering's lift over the holdout, labelled as an estimate (nothing without one)."""
    lift = f.lift
    if lift is None:
        return []
    low, high = lift.interval
    return [
        copy(
            "digest.lift",
            rounds=lift.rounds,
            steered=lift.steered,
            steered_share=f"{lift.steered_share:.0%}",
            held=lift.held,
            held_share=f"{lift.held_share:.0%}",
            extra=f"{lift.extra:+.0f}",
            low=f"{low:+.0f}",
            high=f"{high:+.0f}",
        )
    ]


def _organisations_line(o: NetworkReport, period_rounds: int) -> str:
    """The ties between organisations: how many, how many pairs of them met, the fewest."""
    return copy(
        "digest.organisations",
        period=sum(o.cross_team_ties_per_round[-period_rounds:]) if period_rounds else 0,
        total=o.cross_team_ties,
        met=sum(1 for i, row in enumerate(o.coverage) for j in range(i + 1, len(row)) if row[j]),
        pairs=o.team_pairs,
        ei=f"{o.ei_index:+.2f}",
        ties=", ".join(f"{p.first.name}–{p.second.name} ({p.ties})" for p in o.least_connected[:5]),
    )


def messages(digest: Digest) -> list[tuple[str, Message]]:
    return [
        ("text", Text(digest.text)),
        (
            "picture",
            Image(
                digest.picture.png,
                "bridgework-network.png",
                digest.picture.alt_text,
                copy("digest.picture_title"),
            ),
        ),
    ]


async def send(ctx: Context, digest: Digest, recipients: list[str]) -> int:
    """Queue the digest to each recipient privately (once per recipient and day)."""
    return sum([await _queue(ctx, digest, pid, people=[pid]) for pid in recipients])


async def post(ctx: Context, digest: Digest, channel: str) -> int:
    """Queue the digest to the community's digest channel (once per day)."""
    return await _queue(ctx, digest, f"#{channel}", conversation_id=channel)


async def _queue(
    ctx: Context,
    digest: Digest,
    target: str,
    *,
    conversation_id: str | None = None,
    people: list[str] | None = None,
) -> int:
    parts = messages(digest)
    for part, message in parts:
        await enqueue(
            ctx.session,
            community_id=ctx.community.id,
            key=f"digest:{ctx.community.id}:{ctx.today.isoformat()}:{target}:{part}",
            kind="digest",
            message=message,
            conversation_id=conversation_id,
            people=people or (),
        )
    return len(parts)


async def leads(ctx: Context) -> list[str]:
    rows = await ctx.session.scalars(
        select(RoleGrantRow.platform_id).where(
            RoleGrantRow.community_id == ctx.community.id, RoleGrantRow.role >= int(Role.LEAD)
        )
    )
    return sorted(set(rows.all()))
