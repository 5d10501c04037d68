"""What a scheduled (or run-now) job does, by kind. Each is safe to run twice: never sent twice."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from bot.calendar import local_date
from bot.clock import as_utc
from bot.domain import Cadence
from bot.errors import InputError
from bot.services import (
    blackouts,
    checkins,
    digest,
    followups,
    intros,
    local_time,
    meet_again,
    prompts,
    roles,
)
from bot.services.context import Context
from bot.store import repo
from bot.store.facilitation import ScheduleRow
from bot.texts import count

log = logging.getLogger(__name__)

KINDS = ("intros", "followups", "prompts", "checkins", "digest", "sweep")
NOT_YET: set[str] = set()
PURGE = "purge"  # housekeeping, daily, for every community at once
RETENTION = "retention"  # likewise: what people wrote, past RETENTION_DAYS
CLOSE = "close-dms"  # daily per community, through its platform: old group DMs closed


def check_kind(kind: str) -> None:
    """Refuse a job this version does not know, or does not run yet."""
    if kind not in KINDS and kind != "schedule":
        raise InputError(
            f"there is no job '{kind}'", usage=" | ".join(KINDS[:5]), example="run-now intros"
        )
    if kind in NOT_YET:
        raise InputError(
            f"the {kind} job is not in this version yet",
            usage="intros | followups | prompts | checkins",
            example="run-now intros",
        )


async def run(
    ctx: Context, kind: str, *, force: bool = False, llm: digest.LLMConfig | None = None
) -> str:
    """Run job ``kind`` for the context's community; returns what it did, for logs and people."""
    check_kind(kind)
    if kind == "intros":
        return await _intros(ctx, force=force)
    if kind == "followups":
        return await _followups(ctx)
    if kind == "sweep":
        swept = await checkins.sweep(ctx)
        asked = await followups.follow_up_on_demand(ctx)
        again = await meet_again.remind_due(ctx)
        if asked:
            swept += f"; {count(asked, 'on-demand follow-up')} queued"
        return f"{swept}; {count(again, 'meet-again reminder')} queued" if again else swept
    if kind == "digest":
        channel = ctx.community.digest_channel
        recipients = [] if channel else await digest.leads(ctx)
        if not channel and not recipients:
            return await roles.tell_no_lead(ctx)
        built = await digest.build(ctx, llm=llm)
        if channel:
            queued, to = await digest.post(ctx, built, channel), f"#{channel}"
        else:
            queued, to = await digest.send(ctx, built, recipients), count(len(recipients), "lead")
        return f"digest queued for {to} ({queued} messages; themes: {built.themes.method})"
    wanted = "prompt" if kind == "prompts" else "checkin"
    rows = (
        await ctx.session.scalars(
            select(ScheduleRow)
            .where(
                ScheduleRow.community_id == ctx.community.id,
                ScheduleRow.kind == wanted,
                ScheduleRow.paused.is_(False),
            )
            .order_by(ScheduleRow.id)
        )
    ).all()
    if not rows:
        return f"no {kind} are scheduled"
    return "; ".join([await run_schedule(ctx, row, force=force) for row in rows])


async def run_schedule(ctx: Context, row: ScheduleRow, *, force: bool = False) -> str:
    """Run one facilitator's schedule: post its prompt, or open its check-in."""
    if row.paused and not force:
        return f"schedule {row.id} is paused"
    if not force and row.last_run_at is not None:
        weeks = Cadence(row.cadence).weeks
        if row.once_at is not None:
            return f"schedule {row.id} ran once already"
        days = await blackouts.ranges(ctx.session, ctx.community.id)
        ran_at = as_utc(row.last_run_at)
        ran_on = local_date(ran_at, row.timezone)
        counted = blackouts.usual_moment(days, ran_at, ran_on, row.weekday)
        if ctx.clock() - counted < timedelta(weeks=weeks, days=-1):
            return f"schedule {row.id} is not due"
    if not force:
        today = local_date(ctx.clock(), row.timezone)
        if row.kind == "checkin":  # its day, whichever zone's clock fired it
            today = await local_time.checkin_day(ctx, row)
        held = await blackouts.held(ctx, today, f"schedule {row.id}")
        if held is not None:
            if row.once_at is not None and ctx.community.blackout_mode == blackouts.SKIP:
                row.last_run_at = ctx.clock()  # skipped for good: its one run is spent
            return held
    if row.kind == "prompt":
        return await prompts.post(ctx, row)
    return await checkins.open_checkin(ctx, row, at_once=force)


async def _intros(ctx: Context, *, force: bool) -> str:
    last = await repo.last_round(ctx.session, ctx.community.id)
    weeks = Cadence(ctx.community.cadence).weeks
    if not force and last is not None:
        days = await blackouts.ranges(ctx.session, ctx.community.id)
        counted = blackouts.usual_day(days, last.run_on, ctx.community.weekday)
        if ctx.today - counted < timedelta(weeks=weeks, days=-1):
            log.info("community %s: intros not due (every %s weeks)", ctx.community.id, weeks)
            return f"not due: the last round was on {last.run_on.isoformat()}"
    if not force:
        held = await blackouts.held(ctx, ctx.today, "round")
        if held is not None:
            return held
    result = await intros.run_round(ctx)
    if result.number == 0:
        return "no round: a round needs two members taking part"
    if not result.created:
        return f"round {result.number} already ran today"
    return f"round {result.number}: {count(len(result.groups), 'group')}"


async def _followups(ctx: Context) -> str:
    last = await repo.last_round(ctx.session, ctx.community.id)
    if last is None:
        return "no round yet"
    queued = await followups.send_followups(ctx, last)
    return f"round {last.number}: {count(queued, 'follow-up')} queued"
