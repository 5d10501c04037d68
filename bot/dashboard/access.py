"""Who may open the dashboard, and what they see.

``dashboard`` (leads and admins) gets a link: a random token, valid for 15 minutes and once.
Opening it starts a session (another random token, in an HttpOnly cookie) for 8 hours, on one
community. Only the tokens' SHA-256 digests are stored; the tokens are never logged.

Every request checks the session again: not ended, not expired, its community still installed,
and — where the role came from a grant — the grant still held (a revoked role ends the session
at once). A role from a platform fact is known only when the person speaks to the bot: a linked
platform role's sessions end when an admin unlinks a role name; a workspace admin's session runs
until it expires or they sign out.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import as_utc
from bot.domain import Role
from bot.errors import InputError
from bot.store import repo
from bot.store.dashboard import DashboardSessionRow
from bot.store.models import CommunityRow

log = logging.getLogger(__name__)

LINK_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=8)
LOGIN_PATH = "/dashboard/login/"
GRANT, PLATFORM = "grant", "platform"


class AccessRefused(InputError):
    """A link or session that does not open the dashboard; ``reason`` names the page to show:
    ``expired``, ``used``, ``unknown``, ``role`` or ``ended``."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"dashboard access refused: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class Access:
    """What one request may see: one community, as one role."""

    session_id: int
    community_id: int
    platform_id: str
    role: Role

    @property
    def admin(self) -> bool:
        return self.role >= Role.ADMIN


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def link_url(base_url: str, token: str) -> str:
    return base_url.rstrip("/") + LOGIN_PATH + token


async def issue(
    session: AsyncSession,
    community_id: int,
    platform_id: str,
    role: Role,
    now: datetime,
) -> str:
    """A new link token for ``platform_id``, a lead or admin of ``community_id`` as ``role``."""
    if role < Role.LEAD:
        raise AccessRefused("role")
    granted = await repo.role_of(session, community_id, platform_id)
    token = secrets.token_urlsafe(32)
    session.add(
        DashboardSessionRow(
            community_id=community_id,
            platform_id=platform_id,
            role=int(role),
            basis=GRANT if granted >= role else PLATFORM,
            link_digest=digest(token),
            link_expires_at=now + LINK_LIFETIME,
        )
    )
    await session.flush()
    log.info("community %s: a dashboard link was issued", community_id)
    return token


async def open_session(session: AsyncSession, link_token: str, now: datetime) -> tuple[str, Access]:
    """Use a link (once): the session token for the cookie, and what it may see."""
    row = await session.scalar(
        select(DashboardSessionRow)
        .where(DashboardSessionRow.link_digest == digest(link_token))
        .with_for_update()
    )
    if row is None:
        raise AccessRefused("unknown")
    if row.ended_at is not None:
        raise AccessRefused("ended")
    if row.used_at is not None:
        raise AccessRefused("used")
    if as_utc(row.link_expires_at) <= now:
        raise AccessRefused("expired")
    token = secrets.token_urlsafe(32)
    used = await session.execute(
        update(DashboardSessionRow)
        .where(DashboardSessionRow.id == row.id, DashboardSessionRow.used_at.is_(None))
        .values(
            used_at=now,
            session_digest=digest(token),
            session_expires_at=now + SESSION_LIFETIME,
        )
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]  # another request used it first
        raise AccessRefused("used")
    access = await _checked(session, row, now)
    log.info("community %s: a dashboard session was opened", row.community_id)
    return token, access


async def check(session: AsyncSession, session_token: str | None, now: datetime) -> Access:
    """What the session with this cookie may see now; AccessRefused where it may see nothing."""
    if not session_token:
        raise AccessRefused("unknown")
    row = await session.scalar(
        select(DashboardSessionRow).where(
            DashboardSessionRow.session_digest == digest(session_token)
        )
    )
    if row is None or row.session_expires_at is None:
        raise AccessRefused("unknown")
    if row.ended_at is not None:
        raise AccessRefused("ended")
    if as_utc(row.session_expires_at) <= now:
        raise AccessRefused("expired")
    return await _checked(session, row, now)


async def _checked(session: AsyncSession, row: DashboardSessionRow, now: datetime) -> Access:
    community = await session.get(CommunityRow, row.community_id)
    if community is None or community.uninstalled_at is not None:
        raise AccessRefused("ended")
    role = Role(row.role)
    if row.basis == GRANT:
        role = min(role, await repo.role_of(session, row.community_id, row.platform_id))
    if role < Role.LEAD:
        row.ended_at = now
        await session.flush()
        log.info("community %s: a dashboard session ended: its role was revoked", community.id)
        raise AccessRefused("role")
    return Access(row.id, row.community_id, row.platform_id, role)


async def end(session: AsyncSession, session_token: str, now: datetime) -> None:
    """Sign out: end the session with this cookie."""
    await session.execute(
        update(DashboardSessionRow)
        .where(
            DashboardSessionRow.session_digest == digest(session_token),
            DashboardSessionRow.ended_at.is_(None),
        )
        .values(ended_at=now)
    )


async def end_for(
    session: AsyncSession, community_id: int, now: datetime, platform_id: str | None = None
) -> int:
    """End the links and sessions of one person (a role revoked), or of everyone in the
    community whose role came from a platform fact (a role name unlinked); how many ended."""
    query = update(DashboardSessionRow).where(
        DashboardSessionRow.community_id == community_id,
        DashboardSessionRow.ended_at.is_(None),
    )
    if platform_id is not None:
        query = query.where(DashboardSessionRow.platform_id == platform_id)
    else:
        query = query.where(DashboardSessionRow.basis == PLATFORM)
    ended = await session.execute(query.values(ended_at=now))
    return int(ended.rowcount)  # type: ignore[attr-defined]
