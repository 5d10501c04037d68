"""What a scheduled (or run-now) job does, by kind. Each is safe to run twice: never sent twice."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.domain import Cadence
from bot.errors import InputError
from bot.services import followups, intros
from bot.services.context import Context
from bot.store import repo

log = logging.getLogger(__name__)

KINDS = ("intros", "followups", "prompts", "checkins", "digest")
NOT_YET = {"prompts", "checkins", "digest"}


def check_kind(kind: str) -> None:
    """Refuse a job this version does not know, or does not run yet."""
    if kind not in KINDS:
        raise InputError(
            f"there is no job '{kind}'", usage=" | ".join(KINDS), example="run-now intros"
        )
    if kind in NOT_YET:
        raise InputError(
            f"the {kind} job is not in this version yet",
            usage="intros | followups",
            example="run-now intros",
        )


async def run(ctx: Context, kind: str, *, force: bool = False) -> str:
    """Run job ``kind`` for the context's community; returns what it did, for logs and people."""
    check_kind(kind)
    if kind == "intros":
        return await _intros(ctx, force=force)
    return await _followups(ctx)


async def _intros(ctx: Context, *, force: bool) -> str:
    last = await repo.last_round(ctx.session, ctx.community.id)
    weeks = Cadence(ctx.community.cadence).weeks
    if not force and last is not None and ctx.today - last.run_on < timedelta(weeks=weeks, days=-1):
        log.info("community %s: intros not due (every %s weeks)", ctx.community.id, weeks)
        return f"not due: the last round was on {last.run_on.isoformat()}"
    result = await intros.run_round(ctx)
    if not result.created:
        return f"round {result.number} already ran today"
    return f"round {result.number}: {len(result.groups)} groups"


async def _followups(ctx: Context) -> str:
    last = await repo.last_round(ctx.session, ctx.community.id)
    if last is None:
        return "no round yet"
    queued = await followups.send_followups(ctx, last)
    return f"round {last.number}: {queued} follow-ups queued"
