"""The "did you meet?" follow-up, and recording each member's answer to it.

A weekly round's groups are asked ``followup_days`` after the round, by the follow-ups job; an
on-demand introduction's group (`intro me`, `suggest`) the same delay after its own introduction
was sent, by the sweep (every 10 minutes). Either is asked once, and its answers count alike: in
the digest's meetings held, and as answering the introduction (:mod:`bot.services.ghosts`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import String, cast, literal, select
from sqlalchemy import exists as sql_exists
from sqlalchemy.orm import aliased

from bot.delivery.codec import decode
from bot.delivery.outbox import SENT, enqueue, exists
from bot.domain import MemberStatus, Outcome, first_name_of
from bot.events import Actor
from bot.ids import parse_id
from bot.messages import Choices, Intro, Message, Text
from bot.services import meet_again
from bot.services.context import Context
from bot.services.intros import intro_key, outcome_buttons
from bot.store import repo
from bot.store.models import ON_DEMAND, GroupRow, OutboxRow, OutcomeRow, RoundRow
from bot.texts import copy

FOLLOW_UP_WITHIN = timedelta(weeks=1)  # an on-demand intro's follow-up, at most this late


async def send_followups(ctx: Context, round_row: RoundRow) -> int:
    """Queue each group's follow-up (once: a second call queues nothing new); the count of groups
    newly asked.

    The question goes to the group as a new message, which notifies its people (an edit notifies
    nobody); the intro is updated in place to carry the question and fresh buttons too, so
    either message answers it."""
    queued = 0
    for group in await repo.groups_of_round(ctx.session, round_row.id):
        intro = intro_key(ctx.community.id, round_row.number, group.position)
        queued += await _ask(ctx, group, intro)
    return queued


async def follow_up_on_demand(ctx: Context) -> int:
    """Queue the follow-up of each on-demand introduction (`intro me`, `suggest`) sent at least
    ``followup_days`` ago, the weekly follow-ups' delay, counted from its own sending: once, as
    the weekly ones; run by every sweep. Introductions sent more than ``FOLLOW_UP_WITHIN`` past
    that are not asked any more. The count of groups newly asked."""
    due = ctx.clock() - timedelta(days=ctx.community.followup_days)
    intro, asked = aliased(OutboxRow), aliased(OutboxRow)
    already = sql_exists().where(
        asked.key == literal("followup:", String) + cast(GroupRow.id, String)
    )
    rows = await ctx.session.execute(
        select(GroupRow, intro.key)
        .join(RoundRow, RoundRow.id == GroupRow.round_id)
        .join(intro, intro.group_id == GroupRow.id)
        .where(
            RoundRow.community_id == ctx.community.id,
            RoundRow.kind == ON_DEMAND,
            intro.kind == "intro",
            intro.status == SENT,
            intro.sent_at <= due,
            intro.sent_at > due - FOLLOW_UP_WITHIN,
            ~already,
        )
        .order_by(GroupRow.id)
    )
    queued = 0
    for group, key in rows.all():
        queued += await _ask(ctx, group, key)
    return queued


async def _ask(ctx: Context, group: GroupRow, intro: str) -> int:
    """Queue one group's follow-up, its intro (outbox key ``intro``) updated to carry it; 1
    where newly queued."""
    people = await repo.group_members(ctx.session, group.id)
    names = ", ".join(p.first_name for p in people)
    key = followup_key(group.id)
    before = await exists(ctx.session, key)
    ask = copy("followup.ask", names=names)
    buttons = outcome_buttons(group.id)
    original = await ctx.session.scalar(select(OutboxRow).where(OutboxRow.key == intro))
    shown = decode(original.payload) if original is not None else None
    ids = [p.platform_id for p in people]
    if isinstance(shown, Intro):
        await enqueue(
            ctx.session,
            community_id=ctx.community.id,
            key=f"followup-intro:{group.id}",
            kind="followup",
            message=replace(shown, followup=ask, buttons=buttons),
            people=ids,
            replaces_key=intro,
            group_id=group.id,
        )
    await enqueue(
        ctx.session,
        community_id=ctx.community.id,
        key=key,
        kind="followup",
        message=Choices(ask, buttons),
        people=ids,
        group_id=group.id,
    )
    return 0 if before else 1


def followup_key(group_id: int) -> str:
    """The outbox key of a group's "did you meet?" question."""
    return f"followup:{group_id}"


async def record_outcome(ctx: Context, actor: Actor, value: str) -> Message:
    """Record a member's answer (``"<group id>:<outcome>"``); a later answer replaces theirs."""
    member = await repo.get_member(ctx.session, ctx.community.id, actor.platform_id)
    group_part, _, outcome_part = value.partition(":")
    first_name = member.first_name if member else first_name_of(actor.display_name)
    group_id = parse_id(group_part)
    group = await ctx.session.get(GroupRow, group_id) if group_id is not None else None
    round_row = await ctx.session.get(RoundRow, group.round_id) if group else None
    try:
        outcome = Outcome(outcome_part)
    except ValueError:
        outcome = None
    in_group = (
        member is not None
        and group is not None
        and any(p.id == member.id for p in await repo.group_members(ctx.session, group.id))
    )
    if outcome is None or not group_part.isdigit():
        return Text(copy("followup.junk", first_name=first_name, value=value[:40]))
    if group is None or round_row is None or round_row.community_id != ctx.community.id:
        return Text(copy("followup.unknown", first_name=first_name, id=group_part))
    if (
        member is None
        or member.status in (MemberStatus.OPTED_OUT.value, MemberStatus.LEFT.value)
        or not in_group
    ):
        return Text(copy("followup.not_in_group", first_name=first_name, id=group_part))
    if round_row.closed:
        return Text(copy("followup.stale", first_name=first_name))
    assert member is not None
    existing = await ctx.session.scalar(
        select(OutcomeRow).where(OutcomeRow.group_id == group.id, OutcomeRow.member_id == member.id)
    )
    if existing is None:
        ctx.session.add(OutcomeRow(group_id=group.id, member_id=member.id, outcome=outcome.value))
    else:
        existing.outcome = outcome.value
    if outcome is Outcome.MET:
        await meet_again.offer(ctx, group)
    said = {
        Outcome.MET: copy("outcome.met"),
        Outcome.NOT_YET: copy("outcome.not_yet"),
        Outcome.SKIPPED: copy("outcome.skipped"),
    }[outcome]
    return Text(copy("followup.thanks", first_name=first_name, outcome=said))
