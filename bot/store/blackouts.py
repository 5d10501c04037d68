"""Blackout days (holidays): no round, prompt or check-in falls on them. What happens to one
that would is the community's ``blackout_mode``: moved to the day after, or skipped."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base


class BlackoutRow(Base):
    """The days from ``first_day`` to ``last_day``, both included, in the community's calendar."""

    __tablename__ = "blackouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
