"""The platforms' rate-limit state, shared by every process: one row per limited key."""

from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base


class RateLimitRow(Base):
    """What a platform limits together (a Slack workspace's method, a Discord bucket): when its
    next call may go (``tat``, the pace's theoretical arrival time) and until when a 429 told
    everyone to wait (``held_until``), in seconds since the epoch."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    tat: Mapped[float] = mapped_column(Float, default=0.0)
    held_until: Mapped[float] = mapped_column(Float, default=0.0)
