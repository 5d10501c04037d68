"""Who holds which role in a community: admins grant, revoke and link roles; the digest's job
tells the admins, once, when there is no lead to send it to."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from bot.dashboard import access
from bot.delivery.outbox import enqueue
from bot.domain import Role
from bot.messages import Message, Text
from bot.role_commands import GrantRole, LinkRole, ListRoles, RevokeRole, RoleCommand
from bot.services.context import Context
from bot.store import repo
from bot.texts import copy

log = logging.getLogger(__name__)

WORDS = {Role.MEMBER: "member", Role.FACILITATOR: "facilitator", Role.LEAD: "lead"}
WORDS[Role.ADMIN] = "admin"
PENDING, TOLD = "pending", "told"


async def handle(ctx: Context, command: RoleCommand) -> Message:
    match command:
        case ListRoles():
            return Text(await listing(ctx))
        case GrantRole():
            return Text(await grant(ctx, command.person, command.role))
        case RevokeRole():
            return Text(await revoke(ctx, command.person, command.role))
        case LinkRole():
            answer = link(ctx, command)
            if not command.linked:  # its holders' dashboard sessions end with it
                await access.end_for(ctx.session, ctx.community.id, ctx.clock())
            return Text(answer)
    raise AssertionError(f"unhandled role command {command!r}")  # pragma: no cover


async def grant(ctx: Context, person: str, role: Role) -> str:
    """Grant ``role`` to ``person`` (a platform id), and tell them privately what it allows."""
    name, first_name = await _names(ctx, person)
    if not await repo.grant_role(ctx.session, ctx.community.id, person, role):
        return copy("roles.already", name=name, role=WORDS[role])
    if role >= Role.LEAD:
        ctx.community.no_lead_notice = None
    await enqueue(
        ctx.session,
        community_id=ctx.community.id,
        key=f"role:{ctx.community.id}:{person}:{int(role)}:{ctx.clock().isoformat()}",
        kind="role",
        message=Text(
            copy(
                "roles.you_are",
                first_name=first_name,
                role=WORDS[role],
                community=ctx.community.name,
            )
        ),
        people=[person],
    )
    log.info("community %s: role %s granted", ctx.community.id, WORDS[role])
    return copy("roles.granted", name=name, role=WORDS[role])


async def revoke(ctx: Context, person: str, role: Role) -> str:
    name, _ = await _names(ctx, person)
    if not await repo.revoke_role(ctx.session, ctx.community.id, person, role):
        return copy("roles.not_granted", name=name, role=WORDS[role])
    await access.end_for(ctx.session, ctx.community.id, ctx.clock(), person)
    log.info("community %s: role %s revoked", ctx.community.id, WORDS[role])
    return copy("roles.revoked", name=name, role=WORDS[role])


def link(ctx: Context, command: LinkRole) -> str:
    """Link (or unlink) a platform role or user group name to a role of this community."""
    key = WORDS[command.role]
    names: dict[str, list[str]] = {
        k: [str(n) for n in v] for k, v in (ctx.community.role_names or {}).items()
    }
    held = names.setdefault(key, [])
    if command.linked:
        if command.name in held:
            return copy("roles.already_linked", name=command.name, role=key)
        held.append(command.name)
        if command.role >= Role.LEAD:
            ctx.community.no_lead_notice = None
        answer = copy("roles.linked", name=command.name, role=key)
    else:
        if command.name not in held:
            return copy("roles.not_linked", name=command.name, role=key)
        held.remove(command.name)
        answer = copy("roles.unlinked", name=command.name, role=key)
    ctx.community.role_names = {k: v for k, v in names.items() if v}  # a new dict: JSON changed
    return answer


async def listing(ctx: Context) -> str:
    """Who holds which role, the platform names linked to each, and how to change them."""
    held: dict[Role, list[str]] = {}
    for person, role in await repo.grants(ctx.session, ctx.community.id):
        held.setdefault(role, []).append((await _names(ctx, person))[0])
    linked = ctx.community.role_names or {}
    lines = [copy("roles.heading", community=ctx.community.name)]
    for role in (Role.ADMIN, Role.LEAD, Role.FACILITATOR):
        people = ", ".join(held.get(role, ())) or copy("roles.nobody")
        lines.append(copy("roles.line", role=WORDS[role], people=people))
        names = [str(n) for n in linked.get(WORDS[role], ())]
        if names:
            quoted = ", ".join(f"“{n}”" for n in names)
            lines.append(copy("roles.linked_line", role=WORDS[role], names=quoted))
    lines.append(copy("roles.platform_admins"))
    lines.append(copy("roles.how"))
    return "\n".join(lines)


async def tell_no_lead(ctx: Context) -> str:
    """The weekly digest found no lead. Granted admins would have received it, so whoever is
    admin is so by a platform fact the core learns only when they act: the next admin to use a
    command is told, once."""
    if ctx.community.no_lead_notice is None:
        ctx.community.no_lead_notice = PENDING
        log.warning("community %s: the digest has no lead to go to", ctx.community.id)
    if ctx.community.no_lead_notice == TOLD:
        return "no leads to send the digest to (the admins were told)"
    return "no leads to send the digest to; the next admin to use a command is told"


def pending_notice(ctx: Context, first_name: str) -> str | None:
    """The no-lead notice for an admin's reply, where it is still pending (then it is told)."""
    if ctx.community.no_lead_notice != PENDING:
        return None
    ctx.community.no_lead_notice = TOLD
    return copy("roles.no_lead", first_name=first_name)


async def without_lead(session: AsyncSession) -> list[tuple[int, str]]:
    """(id, name) of each community whose digest goes to its leads privately and that has no
    granted lead or admin and no platform role or group linked to one (an uninstalled one
    sends no digest)."""
    missing: list[tuple[int, str]] = []
    for community in await repo.communities(session):
        if community.uninstalled_at is not None:
            continue
        linked = community.role_names or {}
        if community.digest_channel or linked.get("lead") or linked.get("admin"):
            continue
        if not any(role >= Role.LEAD for _, role in await repo.grants(session, community.id)):
            missing.append((community.id, community.name))
    return missing


async def _names(ctx: Context, person: str) -> tuple[str, str]:
    """How to name ``person`` to others, and their first name to address them by."""
    member = await repo.get_member(ctx.session, ctx.community.id, person)
    if member is None:
        return f"@{person}", "there"
    return member.first_name, member.first_name
