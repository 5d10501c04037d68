"""Installs and uninstalls of a whole workspace or guild.

When a platform takes Bridgework out of a workspace (Slack's ``app_uninstalled``, its bot token
revoked, or ``team_access_revoked`` for some workspaces of an org-wide install; Discord's removal
of the bot from a guild), each of its communities is marked
uninstalled: its jobs stop (the scheduler leaves it out), its undelivered messages are marked
dead with the reason (and ``outbox retry`` leaves them dead while it stays uninstalled), and
its LLM is turned off. A daily job purges its people's data once the grace period has passed
since, unless it is installed again first, which clears the mark and keeps everything. An
org-wide install given its workspaces back (``team_access_granted``) clears the marks its
revocation made, and no others.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import as_utc
from bot.delivery.outbox import DEAD, PENDING, SENDING
from bot.domain import Platform
from bot.events import AccessGranted, AccessRevoked, Installed, InstallEvent, Uninstalled
from bot.store.facilitation import CheckInRow, LibraryItemRow, PromptRow, ScheduleRow
from bot.store.models import CommunityRow, MemberRow, OutboxRow, RoleGrantRow, RoundRow

log = logging.getLogger(__name__)

OAUTH = "oauth"


def workspace_label(platform: str, workspace: str) -> str:
    """A community's workspace as people read it. Slack names an Enterprise Grid organisation
    ``E…`` (a workspace ``T…``): an org-wide install's communities live under the org's id."""
    if platform == Platform.SLACK.value and workspace.startswith("E"):
        return f"{workspace} (Enterprise Grid org)"
    return workspace


async def of_workspace(
    session: AsyncSession, platform: Platform, workspace: str
) -> Sequence[CommunityRow]:
    return (
        await session.scalars(
            select(CommunityRow)
            .where(CommunityRow.platform == platform.value, CommunityRow.workspace == workspace)
            .order_by(CommunityRow.id)
        )
    ).all()


async def apply(session: AsyncSession, event: InstallEvent, now: datetime) -> list[int]:
    """Mark the communities an install event concerns; the ids of those it changed."""
    if isinstance(event, Installed):
        return await install(session, event)
    if isinstance(event, AccessRevoked):
        return await revoke_access(session, event, now)
    if isinstance(event, AccessGranted):
        return await grant_access(session, event)
    return await uninstall(session, event, now)


async def uninstall(session: AsyncSession, event: Uninstalled, now: datetime) -> list[int]:
    """Mark the workspace's communities uninstalled (the first mark's time and reason stay: Slack
    sends ``tokens_revoked`` and ``app_uninstalled`` in either order), and their undelivered
    messages dead with the reason. The ids of the communities."""
    rows = await of_workspace(session, event.platform, event.workspace)
    return await _mark(session, rows, event.reason, now)


async def _mark(
    session: AsyncSession, rows: Sequence[CommunityRow], reason: str, now: datetime
) -> list[int]:
    for row in rows:
        if row.uninstalled_at is None:
            row.uninstalled_at = now
            row.uninstall_reason = reason[:40]
            log.info("community %s: uninstalled (%s)", row.id, reason)
        row.llm_enabled = False  # an install again asks its admin again
    ids = [row.id for row in rows]
    if ids:
        await session.execute(
            update(OutboxRow)
            .where(OutboxRow.community_id.in_(ids), OutboxRow.status.in_((PENDING, SENDING)))
            .values(status=DEAD, last_error=f"{reason}: not sent", next_attempt_at=None)
            .execution_options(synchronize_session=False)
        )
    return ids


async def revoke_access(session: AsyncSession, event: AccessRevoked, now: datetime) -> list[int]:
    """An org-wide install lost some of its organisation's workspaces: mark the communities
    registered under those workspaces' own ids as for an uninstall (the org's other workspaces
    keep theirs). A community registered under the org's id notes them as lost, and is marked
    once every workspace its channel is known to be in is lost; where those are not known (never
    read), it is left as it is, and logged. The ids marked."""
    marked: list[int] = []
    for workspace in dict.fromkeys(event.workspaces):
        lost = Uninstalled(event.platform, workspace, event.reason)
        marked += await uninstall(session, lost, now)
    if event.organisation:
        for row in await of_workspace(session, event.platform, event.organisation):
            marked += await _lose(session, row, event, now)
    log.info(
        "%s: access to workspaces %s revoked; communities %s marked",
        event.organisation or event.platform.value,
        ", ".join(event.workspaces),
        marked,
    )
    return marked


async def _lose(
    session: AsyncSession, row: CommunityRow, event: AccessRevoked, now: datetime
) -> list[int]:
    """An org's community noting the event's workspaces as lost; marked once every workspace its
    channel is known to be in is lost."""
    lost = ", ".join(event.workspaces)
    row.lost_workspaces = list(dict.fromkeys([*row.lost_workspaces, *event.workspaces]))
    known = row.channel_workspaces
    if not known:
        log.warning(
            "community %s (channel %s) of org %s kept: the org's app lost workspaces %s, "
            "and which workspace the channel is in is not known",
            row.id,
            row.channel,
            event.organisation,
            lost,
        )
        return []
    left = [workspace for workspace in known if workspace not in row.lost_workspaces]
    if not left:  # marked (again: the first mark's time and reason stay)
        return await _mark(session, [row], event.reason, now)
    if set(known) & set(event.workspaces):
        log.info(
            "community %s (channel %s) of org %s kept: its channel is still in workspaces %s "
            "(lost %s)",
            row.id,
            row.channel,
            event.organisation,
            ", ".join(left),
            lost,
        )
    return []


async def locate(
    session: AsyncSession, community_id: int, workspaces: Sequence[str] | None
) -> None:
    """Record the workspaces of its organisation the platform says the community's channel is
    in, as read (those its org's install lost stay lost: see ``lost_workspaces``); None, where
    the platform cannot say, leaves what was known."""
    row = await session.get(CommunityRow, community_id)
    if row is not None and workspaces is not None:
        row.channel_workspaces = list(dict.fromkeys(workspaces))


async def install(session: AsyncSession, event: Installed) -> list[int]:
    """Clear the uninstall mark of the workspace's communities (their data is kept, unless it
    was purged already), and note an install the workspace made itself (OAuth). The ids of the
    communities that were marked."""
    cleared: list[int] = []
    for row in await of_workspace(session, event.platform, event.workspace):
        if event.oauth:
            row.installed_via = OAUTH
        cleared += _reinstate(row)
        row.lost_workspaces = []  # an org installed again has its workspaces back
    return cleared


def _reinstate(row: CommunityRow) -> list[int]:
    """Clear a community's uninstall mark (its data is kept, unless it was purged already; its
    dead messages stay dead); its id if it was marked."""
    was_marked = row.uninstalled_at is not None
    if was_marked:
        log.info("community %s: installed again", row.id)
    row.uninstalled_at = row.uninstall_reason = row.purged_at = None
    return [row.id] if was_marked else []


async def grant_access(session: AsyncSession, event: AccessGranted) -> list[int]:
    """An org-wide install was given access to some of its organisation's workspaces: the
    opposite of ``revoke_access``. A community registered under one of those workspaces' own
    ids, marked for the revocation, is installed again; one registered under the org's id has
    them taken out of its lost workspaces, and is installed again where it was marked for the
    revocation and its channel is now in a workspace not lost. A mark for any other reason (the
    app uninstalled, its token revoked) stays: an install undoes it. The ids cleared."""
    cleared: list[int] = []
    concerned: list[CommunityRow] = []
    for workspace in dict.fromkeys(event.workspaces):
        for row in await of_workspace(session, event.platform, workspace):
            concerned.append(row)
            if _revoked(row, event):
                cleared += _reinstate(row)
            elif row.uninstalled_at is not None:
                _stays(row, event, "")
    if event.organisation:
        for row in await of_workspace(session, event.platform, event.organisation):
            concerned.append(row)
            cleared += _regain(row, event)
    granted = ", ".join(event.workspaces)
    where = event.organisation or event.platform.value
    if not concerned:
        log.info(
            "%s: access to workspaces %s granted; no community is registered under them",
            where,
            granted,
        )
    else:
        log.info(
            "%s: access to workspaces %s granted; communities %s installed again",
            where,
            granted,
            cleared,
        )
    return cleared


def _revoked(row: CommunityRow, event: AccessGranted) -> bool:
    """Whether a community is marked uninstalled for an org's access revoked (and no other)."""
    return row.uninstalled_at is not None and row.uninstall_reason == event.reason[:40]


def _regain(row: CommunityRow, event: AccessGranted) -> list[int]:
    """An org's community given the event's workspaces back; installed again where its mark was
    the revocation's and its channel is known to be in a workspace no longer lost."""
    row.lost_workspaces = [w for w in row.lost_workspaces if w not in event.workspaces]
    if row.uninstalled_at is None:
        return []
    if not _revoked(row, event):
        _stays(row, event, f" of org {event.organisation}")
        return []
    left = [w for w in row.channel_workspaces or [] if w not in row.lost_workspaces]
    if left:
        return _reinstate(row)
    log.info(
        "community %s (channel %s) of org %s stays uninstalled: its channel's workspaces %s "
        "are still lost",
        row.id,
        row.channel,
        event.organisation,
        ", ".join(row.channel_workspaces or []) or "(not known)",
    )
    return []


def _stays(row: CommunityRow, event: AccessGranted, org: str) -> None:
    """Say that a grant leaves a community marked for another reason (``org``: " of org E…")."""
    log.info(
        "community %s (channel %s)%s stays uninstalled (%s): access to workspaces %s granted "
        "does not undo that; an install does",
        row.id,
        row.channel,
        org,
        row.uninstall_reason,
        ", ".join(event.workspaces),
    )


def purge_on(row: CommunityRow, grace: timedelta) -> datetime | None:
    """When an uninstalled community's people's data is (or was) purged; None if installed."""
    if row.uninstalled_at is None:
        return None
    return as_utc(row.uninstalled_at) + grace


def describe(row: CommunityRow, grace: timedelta) -> str:
    """An uninstalled community's state as `community list` and the doctor show it ("" when it
    is installed)."""
    purge = purge_on(row, grace)
    if row.uninstalled_at is None or purge is None:
        return ""
    since = f"uninstalled on {as_utc(row.uninstalled_at).date().isoformat()}"
    if row.uninstall_reason:
        since += f" ({row.uninstall_reason})"
    if row.purged_at is not None:
        return f"{since}; its people's data was purged on {as_utc(row.purged_at).date()}"
    return f"{since}; its people's data is purged on {purge.date().isoformat()}"


async def purge_due(session: AsyncSession, now: datetime, grace: timedelta) -> list[int]:
    """Purge the people's data of every community uninstalled longer than ``grace`` ago (and
    not purged yet); the ids purged. The community and its settings stay, for an install again."""
    rows = (
        await session.scalars(
            select(CommunityRow)
            .where(
                CommunityRow.uninstalled_at.is_not(None),
                CommunityRow.uninstalled_at <= now - grace,
                CommunityRow.purged_at.is_(None),
            )
            .order_by(CommunityRow.id)
        )
    ).all()
    for row in rows:
        await purge(session, row)
        row.purged_at = now
        log.info("community %s: people's data purged after the uninstall's grace period", row.id)
    return [row.id for row in rows]


async def purge(session: AsyncSession, row: CommunityRow) -> None:
    """Delete what the community holds about people: members (with their groups' places,
    outcomes, answers, participation), rounds, prompts and check-ins with their answers
    (anonymous ones too), role grants and the outbox; and who created its schedules and items."""
    cid = row.id
    for table in (CheckInRow, PromptRow, RoundRow, OutboxRow, RoleGrantRow, MemberRow):
        await session.execute(delete(table).where(table.community_id == cid))
    for created in (ScheduleRow, LibraryItemRow):
        await session.execute(
            update(created).where(created.community_id == cid).values(created_by="")
        )
    row.no_lead_notice = None


async def uninstalled_ids(session: AsyncSession) -> set[int]:
    """The communities marked uninstalled."""
    found = await session.scalars(
        select(CommunityRow.id).where(CommunityRow.uninstalled_at.is_not(None))
    )
    return set(found.all())
