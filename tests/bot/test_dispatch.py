from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.core import Core
from bot.domain import Platform, Role
from bot.events import Actor, ButtonPressed, CommandInvoked, MemberJoined, MemberLeft, Where
from bot.messages import Choices, Text
from bot.store import repo
from bot.store.models import CommunityRow, MemberRow
from tests.conftest import WHERE, say


def body(reply: object) -> str:
    assert isinstance(reply, Text | Choices), reply
    return reply.body


async def test_a_member_may_not_change_community_settings(core: Core, community: int) -> None:
    await core.handle(say("ada", "join"))
    reply = await core.handle(say("ada", "set day friday"))
    assert "for admins of this community" in body(reply)
    async with core.db.session() as session:
        row = await session.get(CommunityRow, community)
        assert row is not None and row.weekday == 0


async def test_a_platform_admin_may_change_community_settings(core: Core, community: int) -> None:
    reply = await core.handle(say("boss", "set day friday", admin=True))
    assert "day is now Friday" in body(reply)
    async with core.db.session() as session:
        row = await session.get(CommunityRow, community)
        assert row is not None and row.weekday == 4


async def test_a_granted_role_counts_for_the_role_check(core: Core, community: int) -> None:
    async with core.db.session() as session, session.begin():
        await repo.grant_role(session, community, "grace", Role.ADMIN)
    reply = await core.handle(say("grace", "set group-size 3"))
    assert "group-size is now 3" in body(reply)


async def test_a_configured_platform_role_name_confers_the_role(core: Core, community: int) -> None:
    async with core.db.session() as session, session.begin():
        row = await session.get(CommunityRow, community)
        assert row is not None
        row.role_names = {"admin": ["Moderators"]}
    mod = Actor("mo", "Mo Salah", platform_roles=frozenset({"Moderators", "team:Ops"}))
    other = Actor("al", "Al Green", platform_roles=frozenset({"team:Ops"}))
    assert "is now" in body(await core.handle(CommandInvoked(WHERE, mod, "set time 11:00")))
    assert "for admins" in body(await core.handle(CommandInvoked(WHERE, other, "set time 12:00")))
    async with core.db.session() as session:
        row = await session.get(CommunityRow, community)
        assert row is not None and row.local_time == "11:00"


async def test_an_event_from_an_unknown_channel_is_answered_and_stored_nowhere(
    core: Core, community: int
) -> None:
    elsewhere = Where(Platform.SLACK, "T999", "C999")
    reply = await core.handle(CommandInvoked(elsewhere, Actor("ada", "Ada"), "join"))
    assert "isn't set up in this channel" in body(reply)
    async with core.db.session() as session:
        assert (await session.scalars(select(MemberRow))).all() == []


async def test_a_bad_command_gets_usage_and_changes_nothing(core: Core, community: int) -> None:
    await core.handle(say("ada", "join"))
    reply = await core.handle(say("ada", "pause until yesterday"))
    assert "Usage: pause until YYYY-MM-DD" in body(reply)
    assert "Example: pause until 2027-01-15" in body(reply)
    async with core.db.session() as session:
        member = await repo.get_member(session, community, "ada")
        assert member is not None and member.status == "active"


async def test_commands_for_members_need_a_join_first(core: Core, community: int) -> None:
    assert "Say `join` first" in body(await core.handle(say("ada", "pause 2 weeks")))
    assert "haven't joined yet" in body(await core.handle(say("ada", "status")))


async def test_join_pause_resume_team_and_leave_change_the_member(
    core: Core, community: int
) -> None:
    assert "Welcome, Ada!" in body(await core.handle(say("ada", "join")))
    assert "Paused until Friday 15 January 2027" in body(
        await core.handle(say("ada", "pause until 2027-01-15"))
    )
    async with core.db.session() as session:
        member = await repo.get_member(session, community, "ada")
        assert member is not None
        assert (member.status, member.paused_until) == ("paused", date(2027, 1, 15))
    assert "Welcome back" in body(await core.handle(say("ada", "resume")))
    assert "Acme/Eng/Platform" in body(await core.handle(say("ada", "team Acme/Eng/Platform")))
    status = body(await core.handle(say("ada", "status")))
    assert "taking part: yes" in status and "team: Acme/Eng/Platform" in status
    assert "won't be introduced" in body(await core.handle(say("ada", "leave")))
    async with core.db.session() as session:
        member = await repo.get_member(session, community, "ada")
        assert member is not None and member.status == "opted_out"


async def test_people_are_addressed_by_first_name_never_by_title(
    core: Core, community: int
) -> None:
    doctor = Actor("ada", "Dr. Ada Lovelace")
    reply = body(await core.handle(CommandInvoked(WHERE, doctor, "join")))
    assert reply.startswith("Welcome, Ada!")
    assert "Dr" not in reply


async def test_the_home_view_shows_status_and_admin_settings_only_to_admins(
    core: Core, community: int
) -> None:
    await core.handle(say("ada", "join"))
    home = await core.home(WHERE, Actor("ada", "Ada"))
    assert isinstance(home, Choices)
    assert [b.action for b in home.buttons] == ["pause", "leave"]
    assert "Community settings" not in home.body
    admin_home = await core.home(WHERE, Actor("boss", "Boss", platform_admin=True))
    assert isinstance(admin_home, Choices)
    assert [b.action for b in admin_home.buttons] == ["join"]
    assert "Community settings (Acme): weekly, on Mondays at 10:00 Europe/London" in admin_home.body


async def test_the_pause_button_pauses_for_two_weeks(core: Core, community: int) -> None:
    await core.handle(say("ada", "join"))
    reply = await core.handle(ButtonPressed(WHERE, Actor("ada", "Ada"), "pause", "2 weeks"))
    assert "Paused until Monday 18 January 2027" in body(reply)


async def test_joining_another_channel_of_the_workspace_enrols_nobody(
    core: Core, community: int
) -> None:
    other = Where(WHERE.platform, WHERE.workspace, "random")
    assert await core.handle(MemberJoined(other, Actor("ada", "Ada"), "Acme/Eng")) is None
    await core.handle(MemberJoined(WHERE, Actor("kofi", "Kofi"), "Acme/Sales"))
    await core.handle(MemberLeft(other, Actor("kofi", "Kofi")))
    async with core.db.session() as session:
        assert await repo.get_member(session, community, "ada") is None
        kofi = await repo.get_member(session, community, "kofi")
        assert kofi is not None and kofi.status == "active"


async def test_bots_guests_and_deactivated_accounts_are_not_enrolled_on_joining(
    core: Core, community: int
) -> None:
    await core.handle(MemberJoined(WHERE, Actor("b", "Bot"), bot=True))
    await core.handle(MemberJoined(WHERE, Actor("g", "Guest"), guest=True))
    await core.handle(MemberJoined(WHERE, Actor("d", "Gone"), deactivated=True))
    await core.handle(MemberJoined(WHERE, Actor("p", "Person")))
    async with core.db.session() as session:
        ids = [m.platform_id for m in await repo.members(session, community)]
    assert ids == ["p"]


async def test_someone_the_platform_does_not_list_is_told_how_to_get_in_not_enrolled(
    core: Core, community: int
) -> None:
    outside = Actor("out", "Out Sider", listed=False)
    for event in (
        CommandInvoked(WHERE, outside, "join"),
        ButtonPressed(WHERE, outside, "join", ""),
    ):
        reply = await core.handle(event)
        assert isinstance(reply, Text) and "Ask an admin to let you in" in reply.body
    async with core.db.session() as session:
        assert await repo.get_member(session, community, "out") is None
    unknown = await core.handle(CommandInvoked(WHERE, Actor("kim", "Kim", listed=None), "join"))
    assert isinstance(unknown, Text) and "You're in" in unknown.body


async def test_an_admin_sets_how_fast_ties_between_teams_age(core: Core, community: int) -> None:
    reply = await core.handle(say("boss", "set half-life 52", admin=True))
    assert "half-life is now 52 weeks" in body(reply)
    async with core.db.session() as session:
        row = await session.get(CommunityRow, community)
        assert row is not None and row.half_life_weeks == 52


async def test_status_while_paused_names_the_first_round_after_the_pause(
    core: Core, community: int
) -> None:
    await core.handle(say("ada", "join"))  # Monday 4 January 2027, 09:00 UTC; rounds on Mondays
    await core.handle(say("ada", "pause until 2027-01-20"))
    shown = body(await core.handle(say("ada", "status")))
    assert "• taking part: paused until Wednesday 20 January 2027" in shown
    assert "• next round: Monday 25 January 2027, 10:00 Europe/London" in shown


async def test_a_members_bad_time_zone_gets_the_members_usage_line(
    core: Core, community: int
) -> None:
    await core.handle(say("ada", "join"))
    reply = body(await core.handle(say("ada", "timezone Mars/Base")))
    assert "Usage: timezone Area/City\nExample: timezone Europe/Berlin" in reply
    assert "set timezone" not in reply
