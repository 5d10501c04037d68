"""Membership sync: the platform's list of the channel decides who is in; newcomers are greeted
once; leavers are marked and come back; a team path over the limits is cut, not a reason to skip."""

from __future__ import annotations

from sqlalchemy import select

from bot.core import Core
from bot.delivery.codec import decode
from bot.events import Actor, CommandInvoked, MemberJoined, MemberLeft
from bot.messages import Choices, Text
from bot.ports import MemberInfo
from bot.store.models import MemberRow, OutboxRow
from bot.texts import copy
from tests.conftest import WHERE, say
from tests.recording import RecordingChat


def listed(*ids: str, team: str | None = "Acme/Sales") -> list[MemberInfo]:
    return [MemberInfo(pid, f"{pid.capitalize()} Example", team=team) for pid in ids]


async def states(core: Core) -> dict[str, str]:
    async with core.db.session() as session:
        rows = (await session.scalars(select(MemberRow))).all()
    return {row.platform_id: row.status for row in rows}


async def welcomes(core: Core) -> list[OutboxRow]:
    async with core.db.session() as session:
        return list(
            (await session.scalars(select(OutboxRow).where(OutboxRow.kind == "welcome"))).all()
        )


async def test_a_sync_enrols_the_listed_and_says_who_was_left_out_and_why(
    core: Core, community: int
) -> None:
    infos = [
        *listed("ada", "grace"),
        MemberInfo("bot1", "Helper Bot", bot=True),
        MemberInfo("gus", "Gus Guest", guest=True),
        MemberInfo("old", "Old Account", deactivated=True),
    ]
    report = await core.sync_members(community, infos)
    assert (report.enrolled, report.updated, report.removed) == (2, 0, 0)
    assert report.left_out == {"bot": 1, "guest": 1, "deactivated": 1}
    assert await states(core) == {"ada": "active", "grace": "active"}


async def test_someone_who_left_the_channel_is_back_when_listed_again(
    core: Core, community: int
) -> None:
    await core.sync_members(community, listed("ada", "grace"))
    gone = await core.sync_members(community, listed("grace"))
    assert gone.removed == 1 and (await states(core))["ada"] == "left"
    status = await core.handle(say("ada", "status"))
    assert isinstance(status, Text) and copy("state.left") in status.body
    back = await core.sync_members(community, listed("ada", "grace"))
    assert (back.enrolled, back.updated) == (1, 1)
    assert (await states(core))["ada"] == "active"


async def test_someone_who_said_leave_stays_out_while_still_in_the_channel(
    core: Core, community: int
) -> None:
    await core.sync_members(community, listed("ada", "grace"))
    await core.handle(say("ada", "leave"))
    report = await core.sync_members(community, listed("ada", "grace"))
    assert report.left_out == {"said leave": 1}
    assert (await states(core))["ada"] == "opted_out"


async def test_leaving_the_channel_and_coming_back_by_event_re_enrols(
    core: Core, community: int
) -> None:
    await core.handle(MemberJoined(WHERE, Actor("ada", "Ada Example"), "Acme/Sales"))
    await core.handle(MemberLeft(WHERE, Actor("ada", "Ada Example")))
    assert (await states(core))["ada"] == "left"
    await core.sync_members(community, listed("ada"))
    assert (await states(core))["ada"] == "active"


async def test_a_newcomer_is_welcomed_once_with_how_to_pause_or_leave(
    core: Core, community: int
) -> None:
    core.welcome = True
    first = await core.sync_members(community, listed("ada", "grace"))
    assert first.welcomed == 2
    await core.sync_members(community, listed("grace"))  # Ada leaves the channel …
    again = await core.sync_members(community, listed("ada", "grace"))  # … and comes back
    await core.handle(MemberJoined(WHERE, Actor("ada", "Ada Example")))
    assert again.welcomed == 0
    rows = await welcomes(core)
    assert sorted(r.people[0] for r in rows) == ["ada", "grace"]
    message = decode(rows[0].payload)
    assert isinstance(message, Choices)
    assert message.body.startswith(f"Hi {rows[0].people[0].capitalize()}!")
    assert [b.action for b in message.buttons] == ["pause", "leave"]
    sender = core.sender(RecordingChat())
    assert (await sender.drain(community_id=community)).sent == 2


async def test_a_newcomer_joining_the_channel_is_welcomed_once(core: Core, community: int) -> None:
    core.welcome = True
    for _ in range(2):
        await core.handle(MemberJoined(WHERE, Actor("ada", "Ada Example"), "Acme/Sales"))
    await core.handle(MemberJoined(WHERE, Actor("bot1", "Some Bot"), bot=True))
    assert [r.people for r in await welcomes(core)] == [["ada"]]


async def test_with_welcomes_off_nobody_is_messaged(core: Core, community: int) -> None:
    report = await core.sync_members(community, listed("ada", "grace"))
    assert report.welcomed == 0 and await welcomes(core) == []


async def test_a_team_path_over_the_limits_is_cut_to_them_and_the_member_enrolled(
    core: Core, community: int
) -> None:
    long_level = "Acme/" + "E" * 75 + "/Platform"
    deep = "/".join(f"L{i}" for i in range(9))
    await core.sync_members(
        community, [*listed("ada", team=long_level), *listed("kofi", team=deep)]
    )
    await core.handle(MemberJoined(WHERE, Actor("mei", "Mei Example"), "x" * 5000))
    async with core.db.session() as session:
        teams = {r.platform_id: r.team for r in (await session.scalars(select(MemberRow))).all()}
    assert teams == {
        "ada": "Acme/" + "E" * 60 + "/Platform",
        "kofi": "L0/L1/L2/L3/L4/L5",
        "mei": "x" * 60,
    }
    assert set((await states(core)).values()) == {"active"}


async def test_setting_ones_team_where_a_role_decides_it_says_the_role_decides(
    core: Core, community: int
) -> None:
    await core.sync_members(community, listed("ada", team="Acme/Sales"))
    actor = Actor("ada", "Ada Example", platform_team="Acme/Sales")
    reply = await core.handle(CommandInvoked(WHERE, actor, "team Acme/Legal"))
    assert reply == Text(copy("team.from_role", first_name="Ada", team="Acme/Sales"))
    async with core.db.session() as session:
        assert (await session.scalar(select(MemberRow.team))) == "Acme/Sales"
    free = await core.handle(say("ada", "team Acme/Legal"))  # no role names a team
    assert free == Text(copy("team.ok", first_name="Ada", team="Acme/Legal"))
