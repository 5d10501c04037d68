"""Facilitators' schedules: create, list, pause, resume, delete. The scheduler runs them."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.calendar import day_text, local_date, moment_text
from bot.clock import as_utc
from bot.commands import WEEKDAYS
from bot.errors import InputError
from bot.facilitation import ManageSchedule, When
from bot.messages import Message, Text
from bot.services import local_time
from bot.services.context import Context
from bot.store.facilitation import CheckInRow, ScheduleRow
from bot.texts import copy, count


async def create(
    ctx: Context, kind: str, when: When, payload: dict[str, Any], created_by: str
) -> ScheduleRow:
    once = None
    if when.once is not None:
        zone = ctx.community.timezone
        once = when.once.replace(tzinfo=ZoneInfo(zone))
        # A check-in asks each member at that time in their own zone: it has passed only once
        # it has in every zone (a prompt posts to a channel, at the community's time).
        zones = {zone, *(await local_time.zones(ctx))} if kind == "checkin" else {zone}
        if local_time.last_due(once.date(), when.local_time, zones) <= ctx.clock():
            everywhere = " in every member's time zone" if len(zones) > 1 else ""
            raise InputError(
                f"{moment_text(once, zone)} has passed{everywhere}",
                usage=f"once YYYY-MM-DD HH:MM ({_clock(kind)})",
                example="once 2027-02-01 09:00",
            )
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


def _clock(kind: str) -> str:
    if kind == "checkin":
        return "each member's own time; the community's time zone for those with none"
    return "the community's time zone"


def describe(row: ScheduleRow) -> str:
    """A schedule as people read it: its id, when, where, and what it asks, of whom. A check-in's
    time is each member's own (the schedule's zone for members with none)."""
    own = f" each member's local time ({row.timezone} where unknown)"
    if row.once_at is not None:
        moment = as_utc(row.once_at)
        when = (
            f"once, {day_text(local_date(moment, row.timezone))}, {row.local_time}{own}"
            if row.kind == "checkin"
            else f"once, {moment_text(moment, row.timezone)}"
        )
    else:
        every = {
            "weekly": "every",
            "biweekly": "every 2 weeks on",
            "every-4-weeks": "every 4 weeks on",
        }
        day = WEEKDAYS[row.weekday].capitalize()
        zone = own if row.kind == "checkin" else f" {row.timezone}"
        when = f"{every[row.cadence]} {day} at {row.local_time}{zone}"
    paused = " (paused)" if row.paused else ""
    if row.kind == "checkin":
        return f"schedule {row.id}: {when}{paused}\n{_checkin_details(row.payload)}"
    what = f"“{row.payload['text']}”" if row.payload.get("text") else "from the library"
    where = f" in #{row.payload['channel']}" if row.payload.get("channel") else ""
    return f"schedule {row.id}: {when}{where}: {what}{paused}"


def _checkin_details(payload: dict[str, Any]) -> str:
    questions = [str(q) for q in payload.get("questions") or []]
    asked = "; ".join(f"“{q}”" for q in questions) if questions else "one from the library"
    teams = ", ".join(str(t) for t in payload.get("teams") or []) or "everyone"
    window = count(int(payload.get("window_days", 2)), "day")
    kind = "anonymous" if payload.get("anonymous") else "named (answers kept with who wrote them)"
    return f"  asks: {asked}\n  for: {teams}; answers for {window}; {kind}"


async def opened(ctx: Context, row: ScheduleRow) -> list[str]:
    """The check-ins a schedule has opened, by the ids `checkin results` and their buttons use."""
    rows = (
        await ctx.session.scalars(
            select(CheckInRow).where(CheckInRow.schedule_id == row.id).order_by(CheckInRow.id)
        )
    ).all()
    tz = ctx.community.timezone
    lines = []
    for checkin in rows:
        closes = moment_text(as_utc(checkin.closes_at), tz)
        state = "closed" if checkin.closed or as_utc(checkin.closes_at) <= ctx.clock() else "open"
        lines.append(
            f"  check-in {checkin.id} ({state}, closes {closes}): `checkin results {checkin.id}`"
        )
    return lines


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
        lines: list[str] = []
        for listed in rows:
            lines.append(describe(listed))
            if listed.kind == "checkin":
                lines.extend(await opened(ctx, listed))
        return Text("\n".join(lines))
    row = next((r for r in rows if r.id == command.schedule_id), None)
    if row is None:
        return Text(copy("schedule.unknown", kind=command.kind, id=command.schedule_id))
    if command.action == "delete":
        await ctx.session.delete(row)
    else:
        row.paused = command.action == "pause"
    return Text(copy("schedule.changed", kind=command.kind, id=row.id, action=command.action))
