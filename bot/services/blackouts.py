"""Blackout days: `skip 2026-12-21..2027-01-03`, `skip list`, `skip clear …`, and what the
jobs make of them.

A round, prompt or check-in whose day falls in a blackout does not run that day. With the
community's ``blackout_mode`` "move" (the default) it runs once on the first day after the
blackout, at its usual time (the scheduler adds that one run; several falling in one blackout
make one); with "skip" it does not run at all. A check-in reminder falling on a blackout day in
the member's zone moves to the same time on the day after (if the check-in is still open then),
or with "skip" is not sent. A run moved past its usual day still counts as of
that usual day, so the next regular run is not taken for "not due".

Days are the community's calendar days; blackouts that touch or overlap are kept as one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.calendar import day_text
from bot.control_commands import ClearSkips, ListSkips, Skip, SkipCommand
from bot.messages import Message, Text
from bot.services.context import Context
from bot.store.blackouts import BlackoutRow
from bot.texts import copy, count

log = logging.getLogger(__name__)

MOVE, SKIP = "move", "skip"
Days = tuple[date, date]  # first and last day, both included


async def ranges(session: AsyncSession, community_id: int) -> list[Days]:
    """The community's blackouts, in order, none touching another."""
    rows = (
        await session.scalars(
            select(BlackoutRow)
            .where(BlackoutRow.community_id == community_id)
            .order_by(BlackoutRow.first_day)
        )
    ).all()
    return [(row.first_day, row.last_day) for row in rows]


def covering(days: Sequence[Days], day: date) -> Days | None:
    """The blackout ``day`` falls in, if any."""
    return next(((first, last) for first, last in days if first <= day <= last), None)


def moved_runs(days: Sequence[Days], weekday: int, since: date) -> list[date]:
    """The days a weekly job on ``weekday`` runs besides its own, in "move" mode: the day after
    each blackout (ending on ``since`` or later) that a run of it falls in, unless that day is
    its own weekday anyway."""
    moved = []
    for first, last in days:
        if last < since:
            continue
        falls = (last - first).days >= 6 or any(
            (first + timedelta(days=n)).weekday() == weekday for n in range((last - first).days + 1)
        )
        after = last + timedelta(days=1)
        if falls and after.weekday() != weekday:
            moved.append(after)
    return moved


def usual_day(days: Sequence[Days], ran_on: date, weekday: int) -> date:
    """The day a run on ``ran_on`` counts as: its usual ``weekday`` before the blackout that
    ended the day before, for a run moved past one; else ``ran_on`` itself."""
    before = ran_on - timedelta(days=1)
    if ran_on.weekday() == weekday or not any(last == before for _, last in days):
        return ran_on
    return ran_on - timedelta(days=(ran_on.weekday() - weekday) % 7)


async def held(ctx: Context, day: date, what: str) -> str | None:
    """Why ``what`` does not run on ``day`` (a blackout day), or None where it runs."""
    days = await ranges(ctx.session, ctx.community.id)
    blackout = covering(days, day)
    if blackout is None:
        return None
    after = blackout[1] + timedelta(days=1)
    if ctx.community.blackout_mode == SKIP:
        log.info("community %s: %s skipped, %s is a blackout day", ctx.community.id, what, day)
        return f"{what} skipped: {day.isoformat()} is a blackout day"
    log.info("community %s: %s moved from %s to %s", ctx.community.id, what, day, after)
    return f"{what} moved: {day.isoformat()} is a blackout day; it runs on {after.isoformat()}"


def past(days: Sequence[Days], moment: datetime, timezone: str) -> datetime:
    """``moment`` if its day in ``timezone`` is no blackout day; else the same clock time there
    on the first day after its blackout (as UTC, like ``moment``)."""
    try:
        zone = ZoneInfo(timezone)
    except (KeyError, ValueError, OSError):  # a zone this machine does not know: UTC's days
        zone = ZoneInfo("UTC")
    local = moment.astimezone(zone)
    blackout = covering(days, local.date())
    if blackout is None:
        return moment
    after = blackout[1] + timedelta(days=1)
    return datetime.combine(after, local.time(), tzinfo=zone).astimezone(UTC)


def usual_moment(days: Sequence[Days], ran_at: datetime, ran_on: date, weekday: int) -> datetime:
    """``ran_at`` (on local day ``ran_on``) moved back to the usual day it counts as."""
    return ran_at - timedelta(days=(ran_on - usual_day(days, ran_on, weekday)).days)


async def handle(ctx: Context, command: SkipCommand) -> Message:
    days = await ranges(ctx.session, ctx.community.id)
    if isinstance(command, ListSkips):
        return Text(_listing(ctx, days))
    if isinstance(command, Skip):
        wanted = (command.first, command.last)
        if any(first <= command.first and command.last <= last for first, last in days):
            return Text(copy("skip.already", days=_span(wanted)))
        await _store(ctx, [*days, wanted])
        after = day_text(command.last + timedelta(days=1))
        text = (
            copy("skip.added_skip", days=_span(wanted))
            if ctx.community.blackout_mode == SKIP
            else copy("skip.added_move", days=_span(wanted), after=after)
        )
        return Text(text)
    assert isinstance(command, ClearSkips)
    start = command.first or date.min
    end = command.last or date.max
    kept: list[Days] = []
    for first, last in days:
        if last < start or first > end:
            kept.append((first, last))
            continue
        if first < start:
            kept.append((first, start - timedelta(days=1)))
        if last > end:
            kept.append((end + timedelta(days=1), last))
    if kept == days:
        return Text(copy("skip.nothing_to_clear"))
    await _store(ctx, kept)
    return Text(copy("skip.cleared", left=_listing(ctx, _merged(kept))))


def _merged(days: Sequence[Days]) -> list[Days]:
    merged: list[Days] = []
    for first, last in sorted(days):
        if merged and first <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
        else:
            merged.append((first, last))
    return merged


async def _store(ctx: Context, days: Sequence[Days]) -> None:
    await ctx.session.execute(
        delete(BlackoutRow).where(BlackoutRow.community_id == ctx.community.id)
    )
    ctx.session.add_all(
        BlackoutRow(community_id=ctx.community.id, first_day=first, last_day=last)
        for first, last in _merged(days)
    )
    await ctx.session.flush()


def _span(days: Days) -> str:
    first, last = days
    return day_text(first) if first == last else f"{day_text(first)} to {day_text(last)}"


def _listing(ctx: Context, days: Sequence[Days]) -> str:
    ahead = [d for d in days if d[1] >= ctx.today]
    if not ahead:
        return copy("skip.none")
    mode = copy("skip.mode_skip") if ctx.community.blackout_mode == SKIP else copy("skip.mode_move")
    lines = [f"• {_span(d)}" for d in ahead]
    return copy("skip.list", count=count(len(ahead), "blackout"), days="\n".join(lines), mode=mode)
