"""Members' data rights: an export of what is stored about them, and deletion after a
confirmation. Both are logged without content."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update

from bot.delivery.outbox import PENDING
from bot.domain import Platform, first_name_of
from bot.events import Actor
from bot.messages import Button, Choices, Message, Text
from bot.ports import Eraser
from bot.services.context import Context
from bot.store import repo
from bot.store.facilitation import (
    AnswerRow,
    CheckInRow,
    LibraryItemRow,
    PromptAnswerRow,
    PromptRow,
    ScheduleRow,
)
from bot.store.models import (
    GroupMemberRow,
    GroupRow,
    MemberRow,
    OutboxRow,
    OutcomeRow,
    RoleGrantRow,
    RoundRow,
)
from bot.store.ties import MeetAgainAnswerRow
from bot.texts import copy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kept:
    """How long things are kept, as `my-data` tells people: what they write and the messages
    sent (``RETENTION_DAYS``), and everything after an uninstall (``UNINSTALL_GRACE_DAYS``)."""

    retention_days: int = 365
    grace_days: int = 30


async def export(ctx: Context, actor: Actor, *, kept: Kept | None = None) -> Message:
    member = await repo.get_member(ctx.session, ctx.community.id, actor.platform_id)
    if member is None:
        return Text(copy("status.unknown"))
    rounds = (
        await ctx.session.execute(
            select(RoundRow.number, RoundRow.run_on, GroupRow.id)
            .join(GroupRow, GroupRow.round_id == RoundRow.id)
            .join(GroupMemberRow, GroupMemberRow.group_id == GroupRow.id)
            .where(GroupMemberRow.member_id == member.id)
            .order_by(RoundRow.number)
        )
    ).all()
    outcomes = dict(
        (
            await ctx.session.execute(
                select(OutcomeRow.group_id, OutcomeRow.outcome).where(
                    OutcomeRow.member_id == member.id
                )
            )
        ).all()
    )
    answers = (
        await ctx.session.execute(
            select(CheckInRow.questions, AnswerRow.question, AnswerRow.text)
            .join(CheckInRow, CheckInRow.id == AnswerRow.checkin_id)
            .where(AnswerRow.member_id == member.id)
        )
    ).all()
    replies = (
        await ctx.session.execute(
            select(PromptRow.text, PromptAnswerRow.text)
            .join(PromptRow, PromptRow.id == PromptAnswerRow.prompt_id)
            .where(PromptAnswerRow.member_id == member.id)
        )
    ).all()
    roles = (
        await ctx.session.scalars(
            select(RoleGrantRow.role).where(
                RoleGrantRow.community_id == ctx.community.id,
                RoleGrantRow.platform_id == member.platform_id,
            )
        )
    ).all()
    again = dict(
        (
            await ctx.session.execute(
                select(MeetAgainAnswerRow.group_id, MeetAgainAnswerRow.yes).where(
                    MeetAgainAnswerRow.member_id == member.id
                )
            )
        ).all()
    )
    data = {
        "community": ctx.community.name,
        "member": {
            "platform_id": member.platform_id,
            "first_name": member.first_name,
            "team": member.team,
            "timezone": member.timezone,
            "status": member.status,
            "paused_until": member.paused_until.isoformat() if member.paused_until else None,
            "never_with": member.never_with,
            "about": member.about,
            "hours": member.hours,
        },
        "introductions": [
            {"round": n, "date": d.isoformat(), "answer": outcomes.get(g)}
            | ({"meet_again": "yes" if again[g] else "no"} if g in again else {})
            for n, d, g in rounds
        ],
        "check_in_answers": [{"question": qs[i], "answer": t} for qs, i, t in answers],
        "listening_prompt_answers": [{"prompt": p, "answer": t} for p, t in replies],
        "roles": sorted(int(r) for r in roles),
        "not_included": "anonymous answers: they are stored without who wrote them",
    }
    log.info("community %s: member %s exported their data", ctx.community.id, member.id)
    shown = json.dumps(data, indent=2, ensure_ascii=False)
    kept = kept or Kept()
    return Text(
        copy(
            "privacy.export",
            json=shown,
            retention_days=kept.retention_days,
            grace_days=kept.grace_days,
        )
    )


async def ask_to_forget(ctx: Context, actor: Actor) -> Message:
    member = await repo.get_member(ctx.session, ctx.community.id, actor.platform_id)
    if member is None:
        return Text(copy("status.unknown"))
    return Choices(
        copy("privacy.confirm", first_name=member.first_name),
        (
            Button(copy("privacy.yes"), "forget_confirm", str(member.id)),
            Button(copy("privacy.no"), "forget_cancel", str(member.id)),
        ),
    )


async def forget(
    ctx: Context, actor: Actor, value: str, *, erasers: Sequence[Eraser] = ()
) -> Message:
    """Delete the member, and scrub every row that names them: ours, and through ``erasers``
    the adapters' own (such as Slack's record of who installed the app)."""
    member = await repo.get_member(ctx.session, ctx.community.id, actor.platform_id)
    if member is None or str(member.id) != value:
        return Text(copy("privacy.nothing", first_name=first_name_of(actor.display_name)))
    connection = await ctx.session.connection()
    for erase in erasers:
        await erase(
            connection, Platform(ctx.community.platform), ctx.community.workspace, actor.platform_id
        )
    await ctx.session.execute(delete(AnswerRow).where(AnswerRow.member_id == member.id))
    await ctx.session.execute(
        delete(RoleGrantRow).where(
            RoleGrantRow.community_id == ctx.community.id,
            RoleGrantRow.platform_id == member.platform_id,
        )
    )
    await _scrub(ctx, member)
    await ctx.session.delete(member)  # cascades: groups, outcomes, prompt answers, participation
    log.info("community %s: a member's data was deleted at their request", ctx.community.id)
    return Text(copy("privacy.deleted", first_name=member.first_name))


async def _scrub(ctx: Context, member: MemberRow) -> None:
    """Remove or scrub every other row that names ``member``: messages to them alone go, sent
    group messages lose their id and first name, pending ones to their groups go."""
    pid, name = member.platform_id, member.first_name
    group_ids = set(
        (
            await ctx.session.scalars(
                select(GroupMemberRow.group_id).where(GroupMemberRow.member_id == member.id)
            )
        ).all()
    )
    rows = (
        await ctx.session.scalars(
            select(OutboxRow).where(
                OutboxRow.community_id == ctx.community.id,
                or_(
                    OutboxRow.lane.contains(pid),
                    OutboxRow.conversation_id == pid,
                    OutboxRow.group_id.in_(group_ids),
                ),
            )
        )
    ).all()
    someone = copy("privacy.someone")
    named = re.compile(rf"\b{re.escape(name)}\b") if name else None

    def clean(text: str) -> str:
        text = text.replace(pid, "")
        if member.about:  # as it stands in text, and inside a JSON payload
            for shown in {member.about, json.dumps(member.about)[1:-1]}:
                text = text.replace(shown, "")
        return named.sub(someone, text) if named is not None else text

    for row in rows:
        mine = pid in row.people or row.conversation_id == pid or row.group_id in group_ids
        if not mine:
            continue  # another id that merely contains theirs
        if set(row.people) <= {pid} or row.status == PENDING:
            await ctx.session.delete(row)
            continue
        row.people = [p for p in row.people if p != pid]
        row.lane = clean(row.lane)
        row.payload = json.loads(clean(json.dumps(row.payload)))
        row.last_error = clean(row.last_error) if row.last_error else row.last_error
        for column in ("conversation_id", "sent_conversation_id"):
            value = getattr(row, column)
            if value:
                setattr(row, column, clean(value))
    for group in (
        await ctx.session.scalars(select(GroupRow).where(GroupRow.id.in_(group_ids)))
    ).all():
        if group.conversation_id and pid in group.conversation_id:
            group.conversation_id = clean(group.conversation_id)
    for table in (ScheduleRow, LibraryItemRow):
        await ctx.session.execute(
            update(table)
            .where(table.community_id == ctx.community.id, table.created_by == pid)
            .values(created_by="")
        )
