"""Tables for what facilitators run: schedules, listening prompts, check-ins and their answers,
and each community's own additions to the prompt library.

Anonymous answers carry no member. While a check-in's window is open they carry an edit token,
a keyed hash of the member that only this check-in's secret can make; at the window's close the
secret and the tokens are wiped, and nothing links an answer to a person any more.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, _now


class ScheduleRow(Base):
    """A facilitator's schedule: a listening prompt or a check-in, weekly (or every 2 or 4
    weeks) on a weekday at a local time, or once at ``once_at``."""

    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # "prompt" | "checkin"
    cadence: Mapped[str] = mapped_column(String(16), default="weekly")
    weekday: Mapped[int] = mapped_column(Integer, default=0)
    local_time: Mapped[str] = mapped_column(String(5), default="10:00")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    once_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class PromptRow(Base):
    """A listening prompt as posted to a channel; answers come in its thread."""

    __tablename__ = "prompts"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    schedule_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedules.id", ondelete="SET NULL"), default=None
    )
    library_id: Mapped[str | None] = mapped_column(String(64), default=None)
    text: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(64))
    posted_on: Mapped[str] = mapped_column(String(10))  # the local date, for the outbox key
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class PromptAnswerRow(Base):
    """An answer in a prompt's thread; ``platform_message_id`` keeps a redelivered one out."""

    __tablename__ = "prompt_answers"
    __table_args__ = (UniqueConstraint("prompt_id", "platform_message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prompt_id: Mapped[int] = mapped_column(ForeignKey("prompts.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    platform_message_id: Mapped[str | None] = mapped_column(String(64), default=None)


class CheckInRow(Base):
    """A reflection check-in: one to three questions asked privately within an answer window."""

    __tablename__ = "checkins"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    schedule_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedules.id", ondelete="SET NULL"), default=None
    )
    questions: Mapped[list[str]] = mapped_column()
    teams: Mapped[list[str]] = mapped_column(default=list)  # empty: everybody
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reminded: Mapped[bool] = mapped_column(Boolean, default=False)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    secret: Mapped[str | None] = mapped_column(String(64), default=None)


class ParticipantRow(Base):
    """Who was asked and whether they answered: kept apart from what they answered."""

    __tablename__ = "checkin_participants"
    __table_args__ = (UniqueConstraint("checkin_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default="asked")  # asked|answered|skipped
    # Their one reminder: half the window after they were asked, at their own local time;
    # None for those asked before reminders kept a time of their own (the check-in's middle).
    remind_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    reminded: Mapped[bool] = mapped_column(Boolean, default=False)


class AnswerRow(Base):
    """One answer to one question. Named answers have a member; anonymous ones do not, and a
    team only where the team has at least the anonymity threshold of members."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), default=None
    )
    team: Mapped[str | None] = mapped_column(String(400), default=None)
    question: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    edit_token: Mapped[str | None] = mapped_column(String(64), default=None, index=True)


class LibraryItemRow(Base):
    """A community's own starter, listening prompt or reflection question."""

    __tablename__ = "library_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # starter | listening | reflection
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))


class LibraryUseRow(Base):
    """An item a community has used: rotation skips these until all are used."""

    __tablename__ = "library_uses"
    __table_args__ = (UniqueConstraint("community_id", "kind", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    item: Mapped[str] = mapped_column(String(64))
