"""A community across organisations (a Slack Connect channel, linked Discord servers): each
person's organisation tops their team path, a partner's admin is not an admin here, a partner's
member acting from their own workspace finds the community, and the digest shows the ties
between the organisations."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from bot.core import Core
from bot.events import Actor, ButtonPressed, MemberJoined
from bot.ports import MemberInfo
from bot.services import digest
from bot.services.context import Context
from bot.store import repo
from bot.store.models import OutboxRow
from tests.conftest import WHERE, MovableClock, say


async def teams(core: Core, community: int) -> dict[str, str]:
    async with core.db.session() as session:
        return {m.platform_id: m.team for m in await repo.members(session, community)}


async def test_a_partners_people_join_under_their_organisation(core: Core, community: int) -> None:
    await core.handle(MemberJoined(WHERE, Actor("gina", "Gina"), "Sales", organisation="Globex"))
    await core.handle(MemberJoined(WHERE, Actor("ivan", "Ivan"), None, organisation="Initech"))
    await core.handle(MemberJoined(WHERE, Actor("ada", "Ada"), "Acme/Eng", organisation="Acme"))
    assert await teams(core, community) == {
        "gina": "Globex/Sales",
        "ivan": "Initech",
        "ada": "Acme/Eng",  # already inside her organisation: not "Acme/Acme/Eng"
    }


async def test_a_sync_keeps_a_team_a_partners_member_chose_inside_their_organisation(
    core: Core, community: int
) -> None:
    ivan = MemberInfo("ivan", "Ivan", organisation="Initech")
    await core.sync_members(community, [ivan])
    await core.handle(say("ivan", "team Platform"))
    assert (await teams(core, community))["ivan"] == "Platform"
    await core.sync_members(community, [ivan])
    assert (await teams(core, community))["ivan"] == "Initech/Platform"
    await core.sync_members(community, [ivan])
    assert (await teams(core, community))["ivan"] == "Initech/Platform"


async def test_a_partners_workspace_admin_is_not_an_admin_here(core: Core, community: int) -> None:
    partner = Actor("gina", "Gina", platform_admin=True, home=frozenset({"globex"}))
    ours = replace(partner, platform_id="ada", display_name="Ada", home=frozenset({"acme"}))
    await core.handle(replace(say("gina", "set day friday"), actor=partner))
    assert (await core.community_of(community)).settings.weekday == 0  # still Monday
    await core.handle(replace(say("ada", "set day friday"), actor=ours))
    assert (await core.community_of(community)).settings.weekday == 4


async def test_a_partners_member_acting_from_their_workspace_finds_the_community(
    core: Core, community: int
) -> None:
    from_globex = replace(WHERE, workspace="globex")  # the shared channel, seen from Globex
    await core.handle(MemberJoined(from_globex, Actor("gina", "Gina"), None, organisation="Globex"))
    assert await teams(core, community) == {"gina": "Globex"}
    assert await core.community(from_globex) == await core.community(WHERE)


async def a_coalition_with_history(core: Core, community: int, clock: MovableClock) -> None:
    people = {"Acme": ("Eng", "Sales", "Ops"), "Globex": ("R&D", "Sales"), "Initech": ("Ops",)}
    for organisation, departments in people.items():
        for d, department in enumerate(departments):
            for i in range(2):
                pid = f"{organisation.lower()}{d}{i}"
                joined = MemberJoined(WHERE, Actor(pid, pid), department, organisation=organisation)
                await core.handle(joined)
    for _ in range(2):
        result = await core.run_round(community)
        async with core.db.session() as session:
            rows = (await session.scalars(select(OutboxRow).where(OutboxRow.kind == "intro"))).all()
        for row in rows[-len(result.groups) :]:
            pressed = ButtonPressed(
                WHERE, Actor(row.people[0], "P"), "outcome", f"{row.group_id}:met"
            )
            await core.handle(pressed)
        clock.advance(days=7)


async def test_the_digest_shows_the_ties_between_organisations(
    core: Core, community: int, clock: MovableClock
) -> None:
    await a_coalition_with_history(core, community, clock)
    async with core.db.session() as session, session.begin():
        row = await repo.get_community(session, community)
        assert row is not None
        built = await digest.build(Context(session, core.clock, row, core.threshold), days=14)
    line = next(t for t in built.text.splitlines() if t.startswith("Across organisations"))
    assert "of 3 organisation pairs have met" in line
    ties = line.split("Fewest ties first: ")[1].rstrip(".").split(", ")
    assert {t.split(" (")[0] for t in ties} == {"Acme–Globex", "Acme–Initech", "Globex–Initech"}
    assert sum(int(t.split("(")[1].rstrip(")")) for t in ties) > 0


async def test_a_digest_of_one_organisation_has_no_organisation_line(
    core: Core, community: int, clock: MovableClock
) -> None:
    for i, team in enumerate(("Acme/Eng", "Acme/Sales", "Acme/Ops", "Acme/Eng")):
        await core.handle(MemberJoined(WHERE, Actor(f"p{i}", f"P{i}"), team))
    await core.run_round(community)
    async with core.db.session() as session, session.begin():
        row = await repo.get_community(session, community)
        assert row is not None
        built = await digest.build(Context(session, core.clock, row, core.threshold))
    assert "Across organisations" not in built.text
