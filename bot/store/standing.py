"""A member's standing between rounds, kept apart from the member row: whether the last round
could not place them (first in line for the next one)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey
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


async def standing_of(session: AsyncSession, member_id: int) -> StandingRow:
    """The member's standing row, made (and added to the session) where there is none yet."""
    row = await session.get(StandingRow, member_id)
    if row is None:
        row = StandingRow(member_id=member_id, left_out_on=None)
        session.add(row)
    return row
