"""The leads' dashboard's links and sessions: one row per link the bot sent.

A link is used once: using it opens the row's session (a second token, kept in a cookie).
Only SHA-256 digests of the two tokens are stored, so the table does not hold anything a
reader of the database could open the dashboard with.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, _now


class DashboardSessionRow(Base):
    __tablename__ = "dashboard_sessions"
    __table_args__ = (Index("ix_dashboard_sessions_person", "community_id", "platform_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    platform_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[int] = mapped_column(Integer)  # the role the link was sent for
    # Where that role came from: "grant" (rechecked on every request) or "platform" (a platform
    # admin or a linked platform role: ended when an admin unlinks a role name).
    basis: Mapped[str] = mapped_column(String(16))
    link_digest: Mapped[str] = mapped_column(String(64), unique=True)
    link_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    session_digest: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    session_expires_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
