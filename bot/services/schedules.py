"""Facilitators' schedules: create, list, pause, resume, delete. The scheduler runs them."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.commands import WEEKDAYS
from bot.facilitation import ManageSchedule, When
from bot.messages import Message, Text
from bot.services.context import Context
from bot.store.facilitation import ScheduleRow
from bot.texts import copy


async def create(
    ctx: Context, kind: str, when: When, payload: dict[str, Any], created_by: str
) -> ScheduleRow:
    once = None
    if when.once is not None:
        once = when.once.replace(tzinfo=ZoneInfo(ctx.community.timezone))
    row = ScheduleRow(
        community_id=ctx.community.id,
        kind=kind,
        cadence=when.cadence.value,
        weekday=when.weekday,
        local_time=when.local_time,
        timezone=ctx.community.timezone,
        once_at=once,
        paused=False,
        payload=payload,
        created_by=created_by,
    )
    ctx.session.add(row)
    await ctx.session.flush()
    return row


def describe(row: ScheduleRow) -> str:
    if row.once_at is not None:
        local = row.once_at.astimezone(ZoneInfo(row.timezone))
        when = f"once, {local:%Y-%m-%d %H:%M} {row.timezone}"
    else:
        every = {
            "weekly": "every",
            "biweekly": "every 2 weeks on",
            "every-4-weeks": "every 4 weeks on",
        }
        when = f"{every[row.cadence]} {WEEKDAYS[row.weekday]} {row.local_time} {row.timezone}"
    what = row.payload.get("text") or "from the library"
    where = f" in #{row.payload['channel']}" if row.payload.get("channel") else ""
    paused = " (paused)" if row.paused else ""
    return f"{row.id}: {when}{where}: {what}{paused}"


async def manage(ctx: Context, command: ManageSchedule) -> Message:
    rows = (
        await ctx.session.scalars(
            select(ScheduleRow)
            .where(ScheduleRow.community_id == ctx.community.id, ScheduleRow.kind == command.kind)
            .order_by(ScheduleRow.id)
        )
    ).all()
    if command.action == "list":
        if not rows:
            return Text(copy("schedule.none", kind=command.kind))
        return Text("\n".join(describe(row) for row in rows))
    row = next((r for r in rows if r.id == command.schedule_id), None)
    if row is None:
        return Text(copy("schedule.unknown", kind=command.kind, id=command.schedule_id))
    if command.action == "delete":
        await ctx.session.delete(row)
    else:
        row.paused = command.action == "pause"
    return Text(copy("schedule.changed", kind=command.kind, id=row.id, action=command.action))
