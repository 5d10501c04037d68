"""Retention: what people wrote, and the bodies of the messages sent, are deleted after
``RETENTION_DAYS`` by a daily job; the rows stay, empty, so that every count and tie the figures
need (participation, answers, meetings, the network, pairing history) still adds up.

- prompt answers: their text, once the prompt is older than the retention;
- check-in answers (named and anonymous): their text, once the check-in closed that long ago;
- the outbox: the body of each message sent (or dead) that long ago — introductions, follow-ups,
  digests, prompts — so no names or texts stay in it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.outbox import DEAD, SENT
from bot.store.facilitation import AnswerRow, CheckInRow, PromptAnswerRow, PromptRow
from bot.store.models import OutboxRow

log = logging.getLogger(__name__)

CLEARED: dict[str, object] = {"retained": False}  # an outbox body past the retention


@dataclass(frozen=True)
class Cleared:
    prompt_answers: int = 0
    checkin_answers: int = 0
    messages: int = 0

    def __str__(self) -> str:
        return (
            f"retention: {self.prompt_answers} prompt answers, {self.checkin_answers} check-in "
            f"answers and {self.messages} sent messages cleared"
        )


async def apply(session: AsyncSession, now: datetime, kept: timedelta) -> Cleared:
    """Clear everything older than ``kept`` (idempotent: a second run clears nothing more)."""
    cutoff = now - kept
    prompts = await session.execute(
        update(PromptAnswerRow)
        .where(
            # posted_on: the prompt's local date by the core's clock (ISO dates sort as text)
            PromptAnswerRow.prompt_id.in_(
                select(PromptRow.id).where(PromptRow.posted_on < cutoff.date().isoformat())
            ),
            PromptAnswerRow.text != "",
        )
        .values(text="")
        .execution_options(synchronize_session=False)
    )
    answers = await session.execute(
        update(AnswerRow)
        .where(
            AnswerRow.checkin_id.in_(select(CheckInRow.id).where(CheckInRow.closes_at < cutoff)),
            AnswerRow.text != "",
        )
        .values(text="")
        .execution_options(synchronize_session=False)
    )
    old = (
        await session.scalars(
            select(OutboxRow).where(
                or_(
                    and_(OutboxRow.status == SENT, OutboxRow.sent_at < cutoff),
                    and_(OutboxRow.status == DEAD, OutboxRow.created_at < cutoff),
                )
            )
        )
    ).all()
    messages = 0
    for row in old:
        if row.payload != CLEARED:
            row.payload = dict(CLEARED)
            row.last_error = None if row.status == SENT else "past the retention"
            messages += 1
    cleared = Cleared(
        int(getattr(prompts, "rowcount", 0) or 0),
        int(getattr(answers, "rowcount", 0) or 0),
        messages,
    )
    log.info("%s", cleared)
    return cleared
