"""Schedules in the database drive APScheduler 3 jobs that carry ids only.

Each community still installed has an ``intros`` job (its weekday and local time, in its own
time zone), a ``followups`` job (``followup_days`` later), and on a platform a daily ``members``
job (an hour before the intros' time) that syncs its members with its channel; on Slack (unless
``close-dms-after`` is off) a daily ``close-dms`` job at 04:00 closes its old group DMs
(``bot.services.closing``: Discord has none to close). A daily ``purge``
job (target 0: every community at once) purges the data of those uninstalled past their grace,
and a daily ``retention`` job clears what people wrote past ``RETENTION_DAYS``.
Jobs live in APScheduler's SQLAlchemy job store in the project's database, with ``coalesce`` and
a grace window: a run missed during downtime runs once when the scheduler is back if within the
window, else it is skipped and logged; never twice.
Cron triggers in the community's zone keep the local time across daylight-saving changes. A round
every 2 or 4 weeks fires weekly and skips the weeks in between (the calendar decides).

APScheduler keeps a textual reference to :func:`run_job` in each stored job, so the job cannot
carry the core; :meth:`Scheduler.start` binds the one runner this process uses.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger as Trigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import as_utc
from bot.commands import WEEKDAYS
from bot.services import blackouts, local_time
from bot.services.blackouts import Days
from bot.services.installs import uninstalled_ids
from bot.services.jobs import CLOSE
from bot.store import repo
from bot.store.db import Database
from bot.store.facilitation import ScheduleRow
from bot.store.models import CommunityRow, MemberRow

log = logging.getLogger(__name__)

SWEEP_MINUTES = 10  # check-in reminders and closing windows
DIGEST_TIME = "09:00"  # the leads' digest: weekly, on the intros' weekday, before them
HOUSEKEEPING_TIME = (3, 30)  # UTC: the daily purge of uninstalled communities' data
CLOSE_TIME = "04:00"  # the community's: its introductions' old group DMs are closed
JobRunner = Callable[[str, int], Awaitable[object]]
_bound: JobRunner | None = None


@dataclass(frozen=True)
class JobSpec:
    """One job as the database says it should be."""

    id: str
    kind: str
    community_id: int  # the community's id, or for a "schedule" job the schedule's
    trigger: Trigger

    @property
    def signature(self) -> str:
        return signature(self.trigger)


def signature(trigger: Trigger) -> str:
    """A trigger as compared with the stored one: its fields and its time zone."""
    return f"{trigger} {getattr(trigger, 'timezone', '')}".strip()


async def run_job(kind: str, community_id: int) -> None:
    """What every stored job calls: the runner bound by the scheduler of this process."""
    if _bound is None:
        log.error("job %s for community %s fired with no runner bound", kind, community_id)
        return
    await _bound(kind, community_id)


def cron(weekday: int, local_time: str, timezone: str) -> CronTrigger:
    hour, minute = (int(part) for part in local_time.split(":"))
    return CronTrigger(
        day_of_week=WEEKDAYS[weekday][:3], hour=hour, minute=minute, timezone=timezone
    )


async def desired_jobs(db: Database, now: datetime | None = None) -> list[JobSpec]:
    """The jobs the database asks for; ``now`` (UTC, by default the wall clock) decides which
    runs moved past a blackout are still ahead."""
    now = now or datetime.now(UTC)
    hour, minute = HOUSEKEEPING_TIME
    specs = [
        JobSpec(kind, kind, 0, CronTrigger(hour=hour, minute=minute, timezone="UTC"))
        for kind in ("purge", "retention")
    ]
    async with db.session() as session:
        gone = await uninstalled_ids(session)
        rows = await repo.communities(session)
        moving = {row.id: await _moving(session, row) for row in rows}
        zones = await _member_zones(session)
        schedules = (await session.scalars(select(ScheduleRow).order_by(ScheduleRow.id))).all()
        for schedule in schedules:
            if schedule.community_id in gone:
                continue
            days = moving.get(schedule.community_id, [])
            zone = schedule.timezone
            members = zones.get(schedule.community_id, set())
            if schedule.kind == "checkin":  # asked at their own local time: fire for the first
                zone = local_time.earliest_zone(members, zone, now)
            trigger = _schedule_trigger(schedule, days, zone, members, now)
            if trigger is not None:
                specs.append(JobSpec(f"schedule:{schedule.id}", "schedule", schedule.id, trigger))
            if schedule.once_at is None and not schedule.paused:
                specs.extend(
                    _moved(
                        now,
                        days,
                        "schedule",
                        schedule.id,
                        schedule.weekday,
                        schedule.local_time,
                        zone,
                    )
                )
        for row in rows:
            if row.id in gone:
                continue  # uninstalled: its jobs stop
            specs.extend(
                _moved(
                    now, moving[row.id], "intros", row.id, row.weekday, row.local_time, row.timezone
                )
            )
            specs.append(
                JobSpec(f"sweep:{row.id}", "sweep", row.id, IntervalTrigger(minutes=SWEEP_MINUTES))
            )
            specs.append(
                JobSpec(
                    f"digest:{row.id}",
                    "digest",
                    row.id,
                    cron(row.weekday, DIGEST_TIME, row.timezone),
                )
            )
            specs.append(
                JobSpec(
                    f"intros:{row.id}",
                    "intros",
                    row.id,
                    cron(row.weekday, row.local_time, row.timezone),
                )
            )
            if row.platform != "console":
                specs.append(
                    JobSpec(
                        f"members:{row.id}",
                        "members",
                        row.id,
                        daily_before(row.local_time, row.timezone),
                    )
                )
            if row.platform == "slack" and row.close_dms_after > 0:  # none elsewhere
                specs.append(JobSpec(f"{CLOSE}:{row.id}", CLOSE, row.id, daily_at(CLOSE_TIME, row)))
            follow_day = (row.weekday + row.followup_days) % 7
            specs.append(
                JobSpec(
                    f"followups:{row.id}",
                    "followups",
                    row.id,
                    cron(follow_day, row.local_time, row.timezone),
                )
            )
    return specs


def daily_at(local_time: str, row: CommunityRow) -> CronTrigger:
    """Every day at ``local_time`` in the community's time zone."""
    hour, minute = (int(part) for part in local_time.split(":"))
    return CronTrigger(hour=hour, minute=minute, timezone=row.timezone)


def daily_before(local_time: str, timezone: str) -> CronTrigger:
    """Every day, an hour before ``local_time`` in ``timezone``."""
    hour, minute = (int(part) for part in local_time.split(":"))
    return CronTrigger(hour=(hour - 1) % 24, minute=minute, timezone=timezone)


async def _member_zones(session: AsyncSession) -> dict[int, set[str]]:
    """The time zones of each community's active members."""
    found: dict[int, set[str]] = {}
    rows = await session.execute(
        select(MemberRow.community_id, MemberRow.timezone)
        .where(MemberRow.status == "active")
        .distinct()
    )
    for community_id, zone in rows.all():
        found.setdefault(community_id, set()).add(zone)
    return found


def _schedule_trigger(
    row: ScheduleRow,
    moving: Sequence[Days] = (),
    zone: str | None = None,
    members: Iterable[str] = (),
    now: datetime | None = None,
) -> Trigger | None:
    """A schedule's trigger: weekly in ``zone`` (a check-in's: the zone furthest ahead); once
    at its moment, moved to the same time on the day after a blackout it falls in — for a
    check-in, at that time in the first of its ``members``' zones still to reach it."""
    if row.paused:
        return None
    if row.once_at is not None:
        if row.last_run_at is not None:
            return None
        local = as_utc(row.once_at).astimezone(ZoneInfo(row.timezone))
        day = local.date()
        held = blackouts.covering(moving, day)
        if held is not None:  # moved to the same time on the day after the blackout
            day = held[1] + timedelta(days=1)
        if row.kind == "checkin":
            zones = {row.timezone, *members}
            first = local_time.first_due(day, row.local_time, zones, now or datetime.now(UTC))
            return DateTrigger(run_date=first)
        if held is not None:
            return DateTrigger(run_date=datetime.combine(day, local.timetz()))
        return DateTrigger(run_date=row.once_at)
    return cron(row.weekday, row.local_time, zone or row.timezone)


async def _moving(session: AsyncSession, row: CommunityRow) -> list[Days]:
    """The community's blackouts where what falls on them moves (none where it is skipped)."""
    if row.blackout_mode != blackouts.MOVE:
        return []
    return await blackouts.ranges(session, row.id)


def _moved(
    utc_now: datetime,
    days: Sequence[Days],
    kind: str,
    target: int,
    weekday: int,
    local_time: str,
    timezone: str,
) -> list[JobSpec]:
    """One run, on the day after a blackout, of a weekly job that one fell in."""
    zone = ZoneInfo(timezone)
    now = utc_now.astimezone(zone)
    hour, minute = (int(part) for part in local_time.split(":"))
    specs = []
    for day in blackouts.moved_runs(days, weekday, now.date() - timedelta(days=1)):
        moment = datetime.combine(day, time(hour, minute), tzinfo=zone)
        if moment > now:
            trigger = DateTrigger(run_date=moment)
            specs.append(JobSpec(f"{kind}:{target}:moved:{day.isoformat()}", kind, target, trigger))
    return specs


def sync_url(url: str) -> str:
    """The job store's (synchronous) URL for the project's database."""
    parsed = make_url(url)
    if parsed.drivername == "sqlite+aiosqlite":
        parsed = parsed.set(drivername="sqlite")
    return parsed.render_as_string(hide_password=False)


class Scheduler:
    """The process's scheduler: jobs reconciled from the database, run through ``runner``."""

    def __init__(self, db: Database, runner: JobRunner, *, grace: timedelta) -> None:
        self.db = db
        self.runner = runner
        self.grace = grace
        self.engine = create_engine(sync_url(db.url))
        self.aps = AsyncIOScheduler(
            jobstores={
                "default": SQLAlchemyJobStore(engine=self.engine),
                "memory": MemoryJobStore(),
            },
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": int(grace.total_seconds()),
            },
            timezone="UTC",
        )
        self.aps.add_listener(self._missed, EVENT_JOB_MISSED)
        self.missed: list[str] = []

    async def start(self, *, reconcile_every: float = 60.0) -> None:
        """Start: stored jobs missed while down run once (within the grace window), then the
        jobs are reconciled with the database now and every ``reconcile_every`` seconds."""
        global _bound
        _bound = self.runner
        self.aps.start()
        await self.reconcile()
        self.aps.add_job(
            self.reconcile,
            "interval",
            seconds=reconcile_every,
            id="reconcile",
            jobstore="memory",
            replace_existing=True,
        )

    async def reconcile(self) -> None:
        """Add, change and remove stored jobs to match the database's schedules."""
        wanted = {spec.id: spec for spec in await desired_jobs(self.db)}
        for job in self.aps.get_jobs(jobstore="default"):
            spec = wanted.pop(job.id, None)
            if spec is None:
                job.remove()
            elif signature(job.trigger) != spec.signature:
                self.aps.reschedule_job(job.id, jobstore="default", trigger=spec.trigger)
                log.info("job %s rescheduled: %s", job.id, spec.signature)
        for spec in wanted.values():
            self.aps.add_job(
                run_job,
                trigger=spec.trigger,
                args=(spec.kind, spec.community_id),
                id=spec.id,
                jobstore="default",
                replace_existing=True,
            )
            log.info("job %s scheduled: %s", spec.id, spec.signature)

    def next_run(self, job_id: str) -> datetime | None:
        job = self.aps.get_job(job_id, jobstore="default")
        return None if job is None else job.next_run_time

    def _missed(self, event: JobExecutionEvent) -> None:
        self.missed.append(event.job_id)
        log.warning(
            "job %s missed its run at %s by more than the grace window (%s); skipped",
            event.job_id,
            event.scheduled_run_time,
            self.grace,
        )

    async def stop(self) -> None:
        global _bound
        if self.aps.running:
            self.aps.shutdown(wait=False)
        _bound = None
        self.engine.dispose()
