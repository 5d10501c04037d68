"""Queries over the store, as small functions on an AsyncSession. No business rules here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import (
    Cadence,
    Community,
    CommunitySettings,
    Member,
    MemberStatus,
    Platform,
    Role,
    TeamPath,
)
from bot.store.models import (
    WEEKLY,
    CommunityRow,
    GroupMemberRow,
    GroupRow,
    MemberRow,
    RoleGrantRow,
    RoundRow,
)


def to_community(row: CommunityRow) -> Community:
    return Community(
        id=row.id,
        platform=Platform(row.platform),
        workspace=row.workspace,
        channel=row.channel,
        name=row.name,
        settings=CommunitySettings(
            cadence=Cadence(row.cadence),
            weekday=row.weekday,
            local_time=row.local_time,
            timezone=row.timezone,
            group_size=row.group_size,
            recency=row.recency,
            followup_days=row.followup_days,
        ),
        linked=tuple(row.linked_workspaces or ()),
    )


def to_member(row: MemberRow) -> Member:
    return Member(
        id=row.id,
        community_id=row.community_id,
        platform_id=row.platform_id,
        first_name=row.first_name,
        team=TeamPath.parse(row.team),
        timezone=row.timezone,
        status=MemberStatus(row.status),
        paused_until=row.paused_until,
    )


async def find_community(
    session: AsyncSession, platform: Platform, workspace: str, channel: str
) -> CommunityRow | None:
    """The community of a channel; failing that, the one community of that channel in another
    workspace (a Slack Connect channel a partner's member acts in, a channel of an Enterprise
    Grid organisation, a linked Discord server); failing that, the workspace's only community
    (a DM, App Home)."""
    exact = await find_exact(session, platform, workspace, channel)
    if exact is not None:
        return exact
    if channel:
        shared = (
            await session.scalars(
                select(CommunityRow)
                .where(CommunityRow.platform == platform.value, CommunityRow.channel == channel)
                .limit(2)
            )
        ).all()
        if len(shared) == 1:
            return shared[0]
    rows = (
        await session.scalars(
            select(CommunityRow)
            .where(CommunityRow.platform == platform.value, CommunityRow.workspace == workspace)
            .limit(2)
        )
    ).all()
    if rows:
        return rows[0] if len(rows) == 1 else None
    linked = [
        row
        for row in await session.scalars(
            select(CommunityRow).where(CommunityRow.platform == platform.value)
        )
        if workspace in (row.linked_workspaces or ())
    ]
    return linked[0] if len(linked) == 1 else None  # a linked server's only community


async def find_exact(
    session: AsyncSession, platform: Platform, workspace: str, channel: str
) -> CommunityRow | None:
    """The community of exactly this channel."""
    return await session.scalar(
        select(CommunityRow).where(
            CommunityRow.platform == platform.value,
            CommunityRow.workspace == workspace,
            CommunityRow.channel == channel,
        )
    )


async def add_community(
    session: AsyncSession,
    *,
    platform: Platform,
    workspace: str,
    channel: str,
    name: str,
    timezone: str = "UTC",
) -> CommunityRow:
    row = CommunityRow(
        platform=platform.value, workspace=workspace, channel=channel, name=name, timezone=timezone
    )
    session.add(row)
    await session.flush()
    return row


async def get_community(session: AsyncSession, community_id: int) -> CommunityRow | None:
    return await session.get(CommunityRow, community_id)


async def communities(session: AsyncSession) -> Sequence[CommunityRow]:
    return (await session.scalars(select(CommunityRow).order_by(CommunityRow.id))).all()


async def get_member(
    session: AsyncSession, community_id: int, platform_id: str
) -> MemberRow | None:
    return await session.scalar(
        select(MemberRow).where(
            MemberRow.community_id == community_id, MemberRow.platform_id == platform_id
        )
    )


async def members(session: AsyncSession, community_id: int) -> Sequence[MemberRow]:
    return (
        await session.scalars(
            select(MemberRow).where(MemberRow.community_id == community_id).order_by(MemberRow.id)
        )
    ).all()


async def role_of(session: AsyncSession, community_id: int, platform_id: str) -> Role:
    granted = await session.scalar(
        select(func.max(RoleGrantRow.role)).where(
            RoleGrantRow.community_id == community_id, RoleGrantRow.platform_id == platform_id
        )
    )
    return Role(granted) if granted is not None else Role.MEMBER


async def role_holders(session: AsyncSession, community_id: int, role: Role) -> list[str]:
    """The platform ids granted ``role`` or a higher one here, sorted."""
    rows = await session.scalars(
        select(RoleGrantRow.platform_id).where(
            RoleGrantRow.community_id == community_id, RoleGrantRow.role >= int(role)
        )
    )
    return sorted(set(rows.all()))


async def grant_role(
    session: AsyncSession, community_id: int, platform_id: str, role: Role
) -> bool:
    """Grant ``role``; False where it was held already."""
    existing = await session.scalar(
        select(RoleGrantRow).where(
            RoleGrantRow.community_id == community_id,
            RoleGrantRow.platform_id == platform_id,
            RoleGrantRow.role == int(role),
        )
    )
    if existing is None:
        session.add(
            RoleGrantRow(community_id=community_id, platform_id=platform_id, role=int(role))
        )
        await session.flush()
        return True
    return False


async def revoke_role(
    session: AsyncSession, community_id: int, platform_id: str, role: Role
) -> bool:
    """Revoke a granted ``role``; False where it was not granted."""
    result = await session.execute(
        delete(RoleGrantRow).where(
            RoleGrantRow.community_id == community_id,
            RoleGrantRow.platform_id == platform_id,
            RoleGrantRow.role == int(role),
        )
    )
    return bool(getattr(result, "rowcount", 0))


async def grants(session: AsyncSession, community_id: int) -> list[tuple[str, Role]]:
    """Every granted role of a community, as (platform id, role), by role then id."""
    rows = await session.execute(
        select(RoleGrantRow.platform_id, RoleGrantRow.role)
        .where(RoleGrantRow.community_id == community_id)
        .order_by(RoleGrantRow.role.desc(), RoleGrantRow.platform_id)
    )
    return [(platform_id, Role(role)) for platform_id, role in rows.all()]


async def last_round(session: AsyncSession, community_id: int) -> RoundRow | None:
    """The community's latest weekly round (on-demand rounds are not counted)."""
    return await session.scalar(
        select(RoundRow)
        .where(RoundRow.community_id == community_id, RoundRow.kind == WEEKLY)
        .order_by(RoundRow.number.desc())
        .limit(1)
    )


async def round_on(
    session: AsyncSession, community_id: int, run_on: date, kind: str = WEEKLY
) -> RoundRow | None:
    return await session.scalar(
        select(RoundRow).where(
            RoundRow.community_id == community_id,
            RoundRow.run_on == run_on,
            RoundRow.kind == kind,
        )
    )


async def past_groups(
    session: AsyncSession, community_id: int, since_number: int
) -> list[tuple[int, tuple[str, ...]]]:
    """(round number, platform ids) of every group in rounds numbered ``since_number`` or later."""
    rows = (
        await session.execute(
            select(RoundRow.number, GroupRow.id, MemberRow.platform_id)
            .join(GroupRow, GroupRow.round_id == RoundRow.id)
            .join(GroupMemberRow, GroupMemberRow.group_id == GroupRow.id)
            .join(MemberRow, MemberRow.id == GroupMemberRow.member_id)
            .where(RoundRow.community_id == community_id, RoundRow.number >= since_number)
            .order_by(RoundRow.number, GroupRow.id, MemberRow.platform_id)
        )
    ).all()
    groups: dict[int, tuple[int, list[str]]] = {}
    for number, group_id, platform_id in rows:
        groups.setdefault(group_id, (number, []))[1].append(platform_id)
    return [(number, tuple(ids)) for number, ids in groups.values()]


async def past_groups_on(
    session: AsyncSession, community_id: int, since: date
) -> list[tuple[int, date, tuple[str, ...]]]:
    """(round number, day, platform ids) of every group in rounds run on ``since`` or later."""
    rows = (
        await session.execute(
            select(RoundRow.number, RoundRow.run_on, GroupRow.id, MemberRow.platform_id)
            .join(GroupRow, GroupRow.round_id == RoundRow.id)
            .join(GroupMemberRow, GroupMemberRow.group_id == GroupRow.id)
            .join(MemberRow, MemberRow.id == GroupMemberRow.member_id)
            .where(RoundRow.community_id == community_id, RoundRow.run_on >= since)
            .order_by(RoundRow.number, GroupRow.id, MemberRow.platform_id)
        )
    ).all()
    groups: dict[int, tuple[int, date, list[str]]] = {}
    for number, run_on, group_id, platform_id in rows:
        groups.setdefault(group_id, (number, run_on, []))[2].append(platform_id)
    return [(number, run_on, tuple(ids)) for number, run_on, ids in groups.values()]


async def group_members(session: AsyncSession, group_id: int) -> Sequence[MemberRow]:
    return (
        await session.scalars(
            select(MemberRow)
            .join(GroupMemberRow, GroupMemberRow.member_id == MemberRow.id)
            .where(GroupMemberRow.group_id == group_id)
            .order_by(MemberRow.id)
        )
    ).all()


async def groups_of_round(session: AsyncSession, round_id: int) -> Sequence[GroupRow]:
    return (
        await session.scalars(
            select(GroupRow).where(GroupRow.round_id == round_id).order_by(GroupRow.position)
        )
    ).all()


async def intro_count(session: AsyncSession, member_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(GroupMemberRow)
        .where(GroupMemberRow.member_id == member_id)
    )
    return int(count or 0)
