"""The tables, as SQLAlchemy 2 typed ORM classes. Schema changes go through Alembic migrations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Unicode,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


WEEKLY, ON_DEMAND = "weekly", "on_demand"  # the kinds of round


def _now() -> Any:
    return func.now()


class CommunityRow(Base):
    __tablename__ = "communities"
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    cadence: Mapped[str] = mapped_column(String(16), default="weekly")
    weekday: Mapped[int] = mapped_column(Integer, default=0)
    local_time: Mapped[str] = mapped_column(String(5), default="10:00")
    group_size: Mapped[int] = mapped_column(Integer, default=2)
    recency: Mapped[int] = mapped_column(Integer, default=12)
    followup_days: Mapped[int] = mapped_column(Integer, default=3)
    # Weeks after which a tie between two teams counts half in pairing (0: ties never age).
    half_life_weeks: Mapped[int] = mapped_column(Integer, default=26, server_default="26")
    # Leads who join a cross-team group each round, taking turns (0: none).
    leads_in_groups: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The percentage of never-met team pairs a holdout leaves unsteered (0: no holdout).
    holdout_percent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    llm_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The community's edited theme taxonomy as YAML (the shape of prompts/themes.yaml); None: the
    # default one.
    taxonomy: Mapped[str | None] = mapped_column(Text, default=None)
    # Where the weekly digest goes: this channel, or (None) each lead privately.
    digest_channel: Mapped[str | None] = mapped_column(String(64), default=None)
    # Platform role names that confer a role here, e.g. {"admin": ["Moderators"], "lead": [...]}.
    role_names: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The admins were told that the digest has no lead to go to: "pending" until one was told
    # (by direct message, or in a platform admin's next reply), then "told"; None once a lead is.
    no_lead_notice: Mapped[str | None] = mapped_column(String(8), default=None)
    # Other workspaces (Discord servers) of a coalition whose members this community takes in.
    linked_workspaces: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    # The workspaces of its Enterprise Grid org the channel of a community registered under the
    # org's id is in, as the platform last said. None: not known (never read, or no org's).
    channel_workspaces: Mapped[list[str] | None] = mapped_column(default=None)
    # The org's workspaces its install lost (team_access_revoked) since it was last installed:
    # a sync that still lists one does not bring it back.
    lost_workspaces: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    # "oauth" where a workspace installed the app itself (Slack OAuth): its admin alone turns
    # the LLM on. None: the operator's own install (a bot token, a Discord bot).
    installed_via: Mapped[str | None] = mapped_column(String(16), default=None)
    # What a round, prompt or check-in falling on a blackout day does: "move" (to the day after
    # the blackout) or "skip".
    blackout_mode: Mapped[str] = mapped_column(String(8), default="move", server_default="move")
    # Days after its round ran that an introduction's group DM is closed (0: never). Slack only:
    # elsewhere there is nothing to close.
    close_dms_after: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    # The platform removed Bridgework (Slack app_uninstalled or revoked tokens, Discord guild
    # removal): when, and why. Its jobs stop; its people's data is purged after the grace
    # period (``purged_at``) unless it is installed again first, which clears all three.
    uninstalled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    uninstall_reason: Mapped[str | None] = mapped_column(String(40), default=None)
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class MemberRow(Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("community_id", "platform_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    platform_id: Mapped[str] = mapped_column(String(64))
    first_name: Mapped[str] = mapped_column(String(80))
    team: Mapped[str] = mapped_column(String(400))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    status: Mapped[str] = mapped_column(String(16), default="active")
    paused_until: Mapped[date | None] = mapped_column(Date, default=None)
    never_with: Mapped[list[str]] = mapped_column(default=list)
    about: Mapped[str] = mapped_column(String(160), default="", server_default="")
    # Their own working hours ("08:00-16:00", their zone); None: the community's 09:00–17:00.
    hours: Mapped[str | None] = mapped_column(String(11), default=None)
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class RoleGrantRow(Base):
    """A role given to a person in a community (admins also come from platform facts)."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("community_id", "platform_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    platform_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[int] = mapped_column(Integer)


class RoundRow(Base):
    __tablename__ = "rounds"
    __table_args__ = (
        # One round of each kind a day; the weekly rounds' numbers count on, and the day's
        # on-demand round (``intro me``, ``suggest``) takes the number of the weekly round it
        # follows, so that pairing counts its groups as that round's.
        Index(
            "uq_rounds_weekly_number",
            "community_id",
            "number",
            unique=True,
            sqlite_where=text("kind = 'weekly'"),
            postgresql_where=text("kind = 'weekly'"),
        ),
        UniqueConstraint("community_id", "kind", "run_on", name="uq_rounds_community_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16), default=WEEKLY, server_default=WEEKLY)
    run_on: Mapped[date] = mapped_column(Date)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class GroupRow(Base):
    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("round_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    conversation_id: Mapped[str | None] = mapped_column(String(64), default=None)
    # The meeting times offered to the group (ISO moments, UTC), and when it agreed on one.
    slots: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    agreed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # When its conversation was closed (bot.services.closing), or found to need no closing (a
    # thread in a channel, none ever opened, one the platform no longer finds): never twice.
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class SlotTapRow(Base):
    """A member's "This works" on one of their group's offered meeting times."""

    __tablename__ = "slot_taps"
    __table_args__ = (UniqueConstraint("group_id", "member_id", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    slot: Mapped[int] = mapped_column(Integer)


class GroupMemberRow(Base):
    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )


class OutcomeRow(Base):
    """A member's answer to the follow-up: met, not yet, or skipped."""

    __tablename__ = "outcomes"
    __table_args__ = (UniqueConstraint("group_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class OutboxRow(Base):
    """A message to deliver, written in the same transaction as what caused it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    # Where it goes: a known conversation, or the people of a group conversation to open first.
    conversation_id: Mapped[str | None] = mapped_column(String(64), default=None)
    people: Mapped[list[str]] = mapped_column(default=list)
    # Messages in one lane (a conversation, or the group it will be) go out in id order.
    lane: Mapped[str] = mapped_column(String(400), index=True)
    # A message that replaces an earlier one names that one's key.
    replaces_key: Mapped[str | None] = mapped_column(String(200), default=None)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="SET NULL"), default=None
    )
    payload: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    sent_conversation_id: Mapped[str | None] = mapped_column(String(64), default=None)
    platform_message_id: Mapped[str | None] = mapped_column(String(128), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


# APScheduler's job store table, created by our migrations so that the schema has one owner.
# Its columns are the ones apscheduler.jobstores.sqlalchemy.SQLAlchemyJobStore defines.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
