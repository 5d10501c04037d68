"""Roles: admins grant, revoke and link them in chat; `help` shows what each role allows; the
digest with no lead tells the admins once. On SQLite and PostgreSQL (the `core` fixture)."""

from __future__ import annotations

from sqlalchemy import select

from bot.core import Core
from bot.domain import Role
from bot.events import Actor, CommandInvoked
from bot.messages import Text
from bot.store import repo
from bot.store.models import CommunityRow, OutboxRow
from tests.conftest import WHERE, say


def body(reply: object) -> str:
    assert isinstance(reply, Text), reply
    return reply.body


async def role(core: Core, community: int, pid: str) -> Role:
    async with core.db.session() as session:
        return await repo.role_of(session, community, pid)


async def queued_to(core: Core, pid: str) -> list[str]:
    async with core.db.session() as session:
        rows = (await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all()
    return [str(r.payload) for r in rows if r.people == [pid]]


async def test_an_admin_grants_a_lead_who_may_then_ask_for_the_digest(
    core: Core, community: int
) -> None:
    await core.handle(say("bob", "join"))
    assert "for leads" in body(await core.handle(say("bob", "digest")))
    reply = await core.handle(say("ann", "role grant @bob lead", admin=True))
    assert body(reply) == "Done: Bob is now a lead of this community."
    assert await role(core, community, "bob") is Role.LEAD
    assert any("you are now a lead of Acme" in p for p in await queued_to(core, "bob"))
    assert "on its way to you" in body(await core.handle(say("bob", "digest")))
    again = await core.handle(say("ann", "role grant @bob lead", admin=True))
    assert body(again) == "Bob is already a lead here; nothing changed."


async def test_an_admin_revokes_a_granted_role(core: Core, community: int) -> None:
    await core.handle(say("ann", "role grant @cy facilitator", admin=True))
    assert await role(core, community, "cy") is Role.FACILITATOR
    reply = await core.handle(say("ann", "role revoke @cy facilitator", admin=True))
    assert body(reply) == "Done: @cy is no longer a facilitator of this community."
    assert await role(core, community, "cy") is Role.MEMBER
    twice = await core.handle(say("ann", "role revoke @cy facilitator", admin=True))
    assert "was not granted facilitator here" in body(twice)


async def test_a_granted_admin_may_grant_but_a_lead_may_not(core: Core, community: int) -> None:
    await core.handle(say("ann", "role grant @grace admin", admin=True))
    await core.handle(say("ann", "role grant @bob lead", admin=True))
    assert "Done" in body(await core.handle(say("grace", "role grant @cy facilitator")))
    refused = await core.handle(say("bob", "role grant @bob admin"))
    assert body(refused) == "Sorry, Bob: `role` is for admins of this community."
    assert await role(core, community, "bob") is Role.LEAD


async def test_roles_lists_who_holds_what_by_first_name(core: Core, community: int) -> None:
    await core.handle(say("bob", "join"))
    await core.handle(say("ann", "role grant @bob lead", admin=True))
    await core.handle(say("ann", "role grant @cy facilitator", admin=True))
    await core.handle(say("ann", 'role link lead "Team Leads"', admin=True))
    listing = body(await core.handle(say("ann", "roles", admin=True)))
    assert "• admins: nobody yet" in listing
    assert "• leads: Bob\n  and whoever has the platform role or user group “Team Leads”" in listing
    assert "• facilitators: @cy" in listing


async def test_a_linked_platform_role_confers_its_role_until_unlinked(
    core: Core, community: int
) -> None:
    reply = await core.handle(say("ann", 'role link lead "Team Leads"', admin=True))
    assert "“Team Leads” is a lead here" in body(reply)
    dee = Actor("dee", "Dee Dee", platform_roles=frozenset({"Team Leads"}))
    assert "on its way" in body(await core.handle(CommandInvoked(WHERE, dee, "digest")))
    await core.handle(say("ann", 'role unlink lead "Team Leads"', admin=True))
    assert "for leads" in body(await core.handle(CommandInvoked(WHERE, dee, "digest")))
    async with core.db.session() as session:
        row = await session.get(CommunityRow, community)
        assert row is not None and row.role_names == {}


async def test_a_bad_role_command_says_how_to_write_it(core: Core, community: int) -> None:
    for text, problem in [
        ("role grant bob lead", "'bob' is not a person: mention them, like @bob"),
        ("role grant @bob boss", "'boss' is not a role: say facilitator, lead or admin"),
        ("role grant @bob", "say whom to grant which role"),
        ("role shout", "say grant, revoke, link, unlink or list"),
    ]:
        reply = body(await core.handle(say("ann", text, admin=True)))
        assert reply.startswith(problem), reply
        assert "Example: role grant @bob lead" in reply


async def test_platform_mentions_name_the_person(core: Core, community: int) -> None:
    await core.handle(say("ann", "role grant <@123456> lead", admin=True))
    await core.handle(say("ann", "role grant <@!789> facilitator", admin=True))
    await core.handle(say("ann", "role grant @U0ADA admin", admin=True))
    async with core.db.session() as session:
        held = await repo.grants(session, community)
    assert held == [("U0ADA", Role.ADMIN), ("123456", Role.LEAD), ("789", Role.FACILITATOR)]


async def test_help_shows_each_person_the_commands_of_their_role(
    core: Core, community: int
) -> None:
    await core.handle(say("ann", "role grant @cy facilitator", admin=True))
    await core.handle(say("ann", "role grant @bob lead", admin=True))
    member = body(await core.handle(say("dee", "help")))
    facilitator = body(await core.handle(say("cy", "help")))
    lead = body(await core.handle(say("bob", "help")))
    admin = body(await core.handle(say("ann", "help", admin=True)))
    assert "For facilitators" not in member and "an admin grants those roles" in member
    assert "For facilitators" in facilitator and "For leads" not in facilitator
    assert "For leads" in lead and "For admins" not in lead and "prompt schedule" in lead
    assert "For admins" in admin and "role grant @bob lead" in admin
    assert "an admin grants those roles" not in admin


async def test_a_digest_with_no_lead_tells_the_next_admin_once(core: Core, community: int) -> None:
    told = await core.run_job("digest", community)
    assert told == "no leads to send the digest to; the next admin to use a command is told"
    member = body(await core.handle(say("dee", "help")))
    assert "no lead to go to" not in member
    reply = body(await core.handle(say("ann", "set day friday", admin=True)))
    assert reply.startswith("Done: day is now Friday")
    assert "Ann, the weekly digest has no lead to go to" in reply
    later = body(await core.handle(say("ann", "set day monday", admin=True)))
    assert "no lead to go to" not in later
    again = await core.run_job("digest", community)
    assert again == "no leads to send the digest to (the admins were told)"
    assert "no lead to go to" not in body(await core.handle(say("ann", "help", admin=True)))
    await core.handle(say("ann", "role grant @bob lead", admin=True))
    assert (await core.run_job("digest", community)).startswith("digest queued for 1 lead ")
