"""Closing introductions' group DMs once they are over (``set close-dms-after``, 30 days by
default; 0: never): a daily job per community, on platforms whose Chat ``ClosesGroups`` (Slack,
where each group DM stays in its people's sidebar until closed; Discord and the console have
nothing to close, and are skipped).

A group is due once its round ran more than that many days ago, its follow-up has gone out and
it was not closed before. Gone out: nothing of the group's (follow-up, meeting time, invite…)
is still waiting in the outbox, and its follow-up was queued where one may still come: a group
of the latest weekly round (the follow-ups job asks the latest round only, so an earlier round's
group never asked never will be), or of an on-demand round whose introduction was sent less than
``followup_days`` and a week ago (the sweep asks those within that week only). Each one closed is
recorded (``groups.closed_at``) in its own short transaction, no transaction held across the
platform's calls: a second run closes nothing again, and a run cut short resumes where it stopped.

A conversation the platform cannot find (or no longer lets the bot close) is marked done and
logged; a rate limit is waited out (``RATE_RETRIES`` times a group, ``MAX_WAIT`` at most) and
then left, with what else is due, to the next run; a platform that is down likewise.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from bot.clock import Clock, as_utc
from bot.delivery.outbox import PENDING, SENDING
from bot.errors import DeliveryError, InputError, RateLimited, Undeliverable
from bot.ports import Chat, ClosesGroups, ConversationRef
from bot.services.context import Context
from bot.services.followups import FOLLOW_UP_WITHIN, followup_key
from bot.store import repo
from bot.store.db import Database
from bot.store.models import ON_DEMAND, WEEKLY, GroupRow, OutboxRow, RoundRow

log = logging.getLogger(__name__)

RATE_RETRIES = 3  # waits for one group's rate limit in a run, before leaving it to the next
MAX_WAIT = 300.0  # seconds: a longer Retry-After leaves the rest to the next run at once
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Closing:
    """What a run did: ``closed`` conversations, ``kept`` ones that are no DM (a thread in the
    channel), ``gone`` ones the platform could not find, ``unopened`` groups that never had
    one (all of them marked done), and ``left`` the due groups left to the next run, ``why``."""

    closed: int = 0
    kept: int = 0
    gone: int = 0
    unopened: int = 0
    left: int = 0
    why: str = ""

    def __str__(self) -> str:
        done = (
            f"group DMs: {self.closed} closed, {self.kept} threads left open, "
            f"{self.gone} not found, {self.unopened} never opened"
        )
        return f"{done}; {self.left} left to the next run ({self.why})" if self.left else done


async def due(ctx: Context) -> list[GroupRow]:
    """The community's groups due to close, oldest first (none where the setting is 0)."""
    days = ctx.community.close_dms_after
    if days <= 0:
        return []
    cutoff = ctx.today - timedelta(days=days)
    rows = (
        await ctx.session.execute(
            select(GroupRow, RoundRow)
            .join(RoundRow, RoundRow.id == GroupRow.round_id)
            .where(
                RoundRow.community_id == ctx.community.id,
                RoundRow.run_on < cutoff,
                GroupRow.closed_at.is_(None),
            )
            .order_by(GroupRow.id)
        )
    ).all()
    if not rows:
        return []
    waiting = set(
        (
            await ctx.session.scalars(
                select(OutboxRow.group_id).where(
                    OutboxRow.community_id == ctx.community.id,
                    OutboxRow.group_id.is_not(None),
                    OutboxRow.status.in_((PENDING, SENDING)),
                )
            )
        ).all()
    )
    latest = await repo.last_round(ctx.session, ctx.community.id)
    asked = set(
        await ctx.session.scalars(
            select(OutboxRow.key)
            .join(GroupRow, GroupRow.id == OutboxRow.group_id)
            .join(RoundRow, RoundRow.id == GroupRow.round_id)
            .where(
                RoundRow.community_id == ctx.community.id,
                RoundRow.run_on < cutoff,
                GroupRow.closed_at.is_(None),
                OutboxRow.kind == "followup",
            )
        )
    )
    # An on-demand introduction is asked followup_days after it was sent, or within a week of
    # that (see followups.follow_up_on_demand): till then its follow-up may still come.
    wait = timedelta(days=ctx.community.followup_days) + FOLLOW_UP_WITHIN
    sent = {
        group_id: as_utc(at)
        for group_id, at in (
            await ctx.session.execute(
                select(OutboxRow.group_id, OutboxRow.sent_at)
                .join(GroupRow, GroupRow.id == OutboxRow.group_id)
                .join(RoundRow, RoundRow.id == GroupRow.round_id)
                .where(
                    RoundRow.community_id == ctx.community.id,
                    RoundRow.kind == ON_DEMAND,
                    RoundRow.run_on < cutoff,
                    OutboxRow.kind == "intro",
                    OutboxRow.sent_at.is_not(None),
                )
            )
        ).all()
        if at is not None
    }
    chosen = []
    for group, round_row in rows:
        if group.id in waiting:
            continue  # its follow-up (or another message of the group) has not gone out yet
        if followup_key(group.id) in asked:
            chosen.append(group)
        elif round_row.kind == WEEKLY and latest is not None and round_row.id == latest.id:
            continue  # the latest weekly round's follow-up is still to be queued
        elif (
            round_row.kind == ON_DEMAND and group.id in sent and ctx.clock() < sent[group.id] + wait
        ):
            continue  # an on-demand introduction's follow-up may still be queued
        else:
            chosen.append(group)  # no follow-up will come: an earlier round's, or one unsent
    return chosen


async def close_due(
    db: Database,
    community_id: int,
    chat: Chat,
    *,
    clock: Clock,
    sleep: Sleep = asyncio.sleep,
) -> Closing:
    """Close the community's due group DMs through ``chat`` (nothing where it cannot close)."""
    if not isinstance(chat, ClosesGroups):
        return Closing(why="nothing to close on this platform")
    async with db.transaction() as session:
        community = await repo.get_community(session, community_id)
        if community is None:
            raise InputError(
                f"there is no community {community_id}", example="bridgework community list"
            )
        if community.uninstalled_at is not None:
            return Closing(why="uninstalled")
        groups = [(g.id, g.conversation_id) for g in await due(Context(session, clock, community))]
    closed = kept = gone = unopened = 0
    for done, (group_id, conversation) in enumerate(groups):
        if conversation:
            try:
                shut = await _close(chat, ConversationRef(conversation), sleep)
            except Undeliverable as exc:
                log.warning(
                    "community %s: group %s: its conversation could not be closed (%s); "
                    "marked done",
                    community_id,
                    group_id,
                    exc.reason,
                )
                gone += 1
            except DeliveryError as exc:
                log.info("community %s: closing group DMs stops for now: %s", community_id, exc)
                return Closing(closed, kept, gone, unopened, len(groups) - done, str(exc))
            else:
                closed, kept = (closed + 1, kept) if shut else (closed, kept + 1)
        else:
            unopened += 1  # its introduction never opened one: nothing to close
        async with db.transaction() as session:
            group = await session.get(GroupRow, group_id)
            if group is not None and group.closed_at is None:
                group.closed_at = clock()
    return Closing(closed, kept, gone, unopened)


async def _close(chat: ClosesGroups, where: ConversationRef, sleep: Sleep) -> bool:
    """Close one conversation (whether it was one to close), waiting out a short rate limit a
    few times."""
    for attempt in range(RATE_RETRIES + 1):
        try:
            return await chat.close_group(where)
        except RateLimited as limited:
            if attempt >= RATE_RETRIES or limited.retry_after > MAX_WAIT:
                raise
            await sleep(limited.retry_after)
    raise AssertionError("unreachable: the last attempt returns or raises")
