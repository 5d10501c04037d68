"""Listening prompts: posted to a channel on a schedule; answers are collected from the thread."""

from __future__ import annotations

import logging

from sqlalchemy import select

from bot.delivery.outbox import enqueue
from bot.domain import first_name_of
from bot.events import Actor
from bot.facilitation import SchedulePrompt
from bot.messages import Message, Text
from bot.services import library, schedules
from bot.services.context import Context
from bot.store import repo
from bot.store.facilitation import PromptAnswerRow, PromptRow, ScheduleRow
from bot.store.models import OutboxRow
from bot.texts import copy

log = logging.getLogger(__name__)

MAX_ANSWER = 2000


async def schedule(ctx: Context, actor: Actor, command: SchedulePrompt) -> Message:
    payload = {"text": command.text, "channel": command.channel}
    row = await schedules.create(ctx, "prompt", command.when, payload, actor.platform_id)
    return Text(copy("prompt.scheduled", description=schedules.describe(row)))


async def post(ctx: Context, row: ScheduleRow) -> str:
    """Post the schedule's prompt today (once a day at most): a row and its outbox message."""
    today = ctx.today.isoformat()
    existing = await ctx.session.scalar(
        select(PromptRow).where(PromptRow.schedule_id == row.id, PromptRow.posted_on == today)
    )
    if existing is not None:
        return f"prompt {existing.id} was already posted today"
    text = row.payload.get("text")
    library_id = None
    if not text:
        item = await library.next_item(ctx, "listening")
        text, library_id = item.text, item.id
    prompt = PromptRow(
        community_id=ctx.community.id,
        schedule_id=row.id,
        library_id=library_id,
        text=text,
        channel=row.payload["channel"],
        posted_on=today,
    )
    ctx.session.add(prompt)
    await ctx.session.flush()
    await enqueue(
        ctx.session,
        community_id=ctx.community.id,
        key=f"prompt:{prompt.id}",
        kind="prompt",
        message=Text(copy("prompt.post", text=text)),
        conversation_id=prompt.channel,
    )
    row.last_run_at = ctx.clock()
    return f"prompt {prompt.id} posted to #{prompt.channel}"


async def record_reply(
    ctx: Context, actor: Actor, thread: str, text: str, message: str = ""
) -> Message | None:
    """A reply in a prompt's thread becomes an answer, once however often the platform delivers
    it (``message`` is its id); other threads are none of our business."""
    sent = await ctx.session.scalar(
        select(OutboxRow).where(
            OutboxRow.community_id == ctx.community.id,
            OutboxRow.kind == "prompt",
            OutboxRow.platform_message_id == thread,
        )
    )
    if sent is None:
        return None
    member = await repo.get_member(ctx.session, ctx.community.id, actor.platform_id)
    first_name = member.first_name if member else first_name_of(actor.display_name)
    body = " ".join(text.split())
    if member is None:
        return Text(copy("error.not_member", first_name=first_name))
    if not body:
        return None
    if len(body) > MAX_ANSWER:
        return Text(copy("answer.too_long", first_name=first_name, limit=MAX_ANSWER))
    prompt_id = int(sent.key.removeprefix("prompt:"))
    if message and await ctx.session.scalar(
        select(PromptAnswerRow.id).where(
            PromptAnswerRow.prompt_id == prompt_id, PromptAnswerRow.platform_message_id == message
        )
    ):
        log.info("community %s: answer %s already recorded", ctx.community.id, message)
        return None
    ctx.session.add(
        PromptAnswerRow(
            prompt_id=prompt_id,
            member_id=member.id,
            text=body,
            platform_message_id=message or None,
        )
    )
    log.info("community %s: answer to prompt %s", ctx.community.id, prompt_id)
    return None
