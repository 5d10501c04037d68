"""Tables for ties that last — groups that met and chose whether to meet again — and for the
team pairs of a holdout (``set holdout``), fixed when it starts.

A group whose member said "We met" is asked "Meet again in 6 weeks?" (:class:`MeetAgainRow`,
state ``asked``). Each member's answer is a :class:`MeetAgainAnswerRow`; when every member of
the group said yes the state is ``agreed`` with the time of the one reminder, and one no makes
it ``declined``. Either way it is then decided, and later presses change nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base

ASKED, AGREED, DECLINED = "asked", "agreed", "declined"


class MeetAgainRow(Base):
    __tablename__ = "meet_again"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(8), default=ASKED)
    remind_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    reminded: Mapped[bool] = mapped_column(Boolean, default=False)


class MeetAgainAnswerRow(Base):
    __tablename__ = "meet_again_answers"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("meet_again.group_id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    yes: Mapped[bool] = mapped_column(Boolean)


class HoldoutPairRow(Base):
    """A team pair that had never met when the community's holdout started (in round
    ``first_round``): held out of steering, or steered to as usual."""

    __tablename__ = "holdout_pairs"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    first_round: Mapped[int] = mapped_column(Integer)
    first_team: Mapped[str] = mapped_column(String(400))
    second_team: Mapped[str] = mapped_column(String(400))
    held: Mapped[bool] = mapped_column(Boolean)
