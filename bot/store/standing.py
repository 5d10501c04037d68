"""A member's standing between rounds, kept apart from the member row: whether the last round
could not place them (first in line for the next one), whether they were paused for answering
no introduction, and which introductions they answered (a button, a message in the group)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base


class StandingRow(Base):
    __tablename__ = "member_standing"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    # The day of the round that could not place them; None once a round placed them.
    left_out_on: Mapped[date | None] = mapped_column(Date, default=None)
    # The day they were paused for answering none of their last introductions; None otherwise.
    quiet_paused_on: Mapped[date | None] = mapped_column(Date, default=None)
    # Only groups with a greater id count towards their unanswered streak (they came back after
    # the groups up to this one).
    counts_after_group: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class GroupAnswerRow(Base):
    """A member of a group answered its introduction: a button of it, or a message in it."""

    __tablename__ = "group_answers"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )


async def standing_of(session: AsyncSession, member_id: int) -> StandingRow:
    """The member's standing row, made (and added to the session) where there is none yet."""
    row = await session.get(StandingRow, member_id)
    if row is None:
        row = StandingRow(
            member_id=member_id, left_out_on=None, quiet_paused_on=None, counts_after_group=0
        )
        session.add(row)
    return row


class QueuedRow(Base):
    """A member who said `intro me`: waiting, for a day at most, for someone of another team."""

    __tablename__ = "intro_queue"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
