"""An admin's opt-out @person / opt-in @person: left out of rounds and check-ins, or back in;
told privately once; refused for non-admins, unknown people, the bot itself, and no-ops. An
opt-out (an admin's, or a member's own `leave`) outlasts rejoining the channel and a sync."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.core import Core
from bot.delivery.codec import decode
from bot.events import Actor, ButtonPressed, MemberJoined, MemberLeft
from bot.messages import Choices, Text
from bot.ports import MemberInfo
from bot.store.facilitation import ParticipantRow
from bot.store.models import GroupMemberRow, MemberRow, OutboxRow
from bot.texts import copy
from tests.conftest import WHERE, say
from tests.factories import members

BOSS = "boss"


def body(reply: object) -> str:
    assert isinstance(reply, Text), reply
    return reply.body


async def admin(core: Core, text: str) -> str:
    return body(await core.handle(say(BOSS, text, admin=True)))


async def status_of(core: Core, pid: str) -> str:
    async with core.db.session() as session:
        row = await session.scalar(select(MemberRow).where(MemberRow.platform_id == pid))
    assert row is not None
    return row.status


async def told(core: Core, pid: str) -> list[str]:
    async with core.db.session() as session:
        rows = (
            await session.scalars(
                select(OutboxRow).where(OutboxRow.kind == "opt").order_by(OutboxRow.id)
            )
        ).all()
    texts = []
    for row in rows:
        assert row.people == [pid]
        message = decode(row.payload)
        assert isinstance(message, Text)
        texts.append(message.body)
    return texts


async def paired(core: Core) -> set[str]:
    async with core.db.session() as session:
        rows = (
            await session.scalars(
                select(MemberRow.platform_id).join(
                    GroupMemberRow, GroupMemberRow.member_id == MemberRow.id
                )
            )
        ).all()
    return set(rows)


async def test_an_opted_out_member_is_left_out_of_rounds_and_check_ins_and_told_once(
    core: Core, community: int
) -> None:
    ids = await members(core, 5, teams=3)
    out = ids[1]
    assert "left out" in await admin(core, f"opt-out @{out}")
    assert await status_of(core, out) == "opted_out"
    assert len(await told(core, out)) == 1
    assert "an admin of Acme has left you out" in (await told(core, out))[0]
    await core.run_round(community)
    assert await paired(core) == set(ids) - {out}
    await admin(core, 'checkin schedule "How are you?" every monday 09:00')
    await core.run_job("checkins", community, force=True)
    async with core.db.session() as session:
        asked = set(
            (
                await session.scalars(
                    select(MemberRow.platform_id).join(
                        ParticipantRow, ParticipantRow.member_id == MemberRow.id
                    )
                )
            ).all()
        )
    assert out not in asked and ids[0] in asked


async def test_opt_in_takes_the_member_back_into_the_next_round_and_tells_them(
    core: Core, community: int
) -> None:
    ids = await members(core, 4, teams=2)
    await admin(core, f"opt-out @{ids[0]}")
    assert "takes part again" in await admin(core, f"opt-in @{ids[0]}")
    assert await status_of(core, ids[0]) == "active"
    messages = await told(core, ids[0])
    assert len(messages) == 2 and "taken you back" in messages[1]
    await core.run_round(community)
    assert ids[0] in await paired(core)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("opt-out @nobody", copy("opt.unknown", verb="opt-out", person="nobody")),
        ("opt-out @bridgework", copy("opt.bot", verb="opt-out")),
        ("opt-in @u000", copy("opt.already_in", first_name="Ada")),
        ("opt-out u000", "is not a person"),
        ("opt-out @u000 @u001", "mention one person"),
        ("opt-in", "mention one person"),
    ],
)
async def test_unknown_people_the_bot_itself_no_ops_and_bad_mentions_change_nothing(
    core: Core, community: int, text: str, expected: str
) -> None:
    await members(core, 3, teams=2)
    event = replace(say(BOSS, text, admin=True), me="bridgework")
    assert expected in body(await core.handle(event))
    assert await status_of(core, "u000") == "active"
    assert await told(core, "u000") == []


async def test_opting_out_twice_says_so_and_tells_the_member_only_once(
    core: Core, community: int
) -> None:
    ids = await members(core, 3, teams=2)
    await admin(core, f"opt-out @{ids[2]}")
    again = await admin(core, f"opt-out @{ids[2]}")
    assert again == copy("opt.already_out", first_name="Alan")
    assert len(await told(core, ids[2])) == 1


async def test_a_member_who_is_not_an_admin_is_refused_and_nothing_changes(
    core: Core, community: int
) -> None:
    ids = await members(core, 3, teams=2)
    reply = body(await core.handle(say(ids[0], f"opt-out @{ids[1]}")))
    assert reply == copy("error.role", first_name="U000", command="opt-out", role="admin")
    assert await status_of(core, ids[1]) == "active"
    assert await told(core, ids[1]) == []


async def test_a_member_who_left_the_channel_cannot_be_opted_in(core: Core, community: int) -> None:
    ids = await members(core, 3, teams=2)
    await core.handle(MemberLeft(WHERE, Actor(ids[1], "Grace")))
    reply = await admin(core, f"opt-in @{ids[1]}")
    assert reply == copy("opt.gone", first_name="Grace")
    assert await status_of(core, ids[1]) == "left"


async def test_an_admins_opt_out_outlasts_leaving_and_rejoining_the_channel_and_a_sync(
    core: Core, community: int
) -> None:
    ids = await members(core, 4, teams=2)
    out = ids[1]
    await admin(core, f"opt-out @{out}")
    await core.handle(MemberLeft(WHERE, Actor(out, "Grace")))
    await core.handle(MemberJoined(WHERE, Actor(out, "Grace Example"), "Acme/Ops"))
    assert await status_of(core, out) == "opted_out"
    report = await core.sync_members(community, [MemberInfo(pid, pid) for pid in ids])
    assert report.left_out == {"said leave": 1}
    assert await status_of(core, out) == "opted_out"
    await core.run_round(community)
    assert out not in await paired(core)
    await admin(core, f"opt-in @{out}")
    await core.handle(MemberJoined(WHERE, Actor(out, "Grace Example")))
    assert await status_of(core, out) == "active"


async def test_a_members_own_leave_outlasts_a_rejoin_and_their_join_brings_them_back(
    core: Core, community: int
) -> None:
    core.welcome = True
    await core.handle(MemberJoined(WHERE, Actor("ada", "Ada Example"), "Acme/Sales"))
    await core.handle(say("ada", "leave"))
    await core.handle(MemberLeft(WHERE, Actor("ada", "Ada Example")))
    await core.handle(MemberJoined(WHERE, Actor("ada", "Ada Example"), "Acme/Ops"))
    assert await status_of(core, "ada") == "opted_out"
    await core.sync_members(community, [MemberInfo("ada", "Ada Example")])
    assert await status_of(core, "ada") == "opted_out"
    assert body(await core.handle(say("ada", "join"))).startswith("Welcome, Ada! You're in.")
    assert await status_of(core, "ada") == "active"
    async with core.db.session() as session:
        row = await session.scalar(select(MemberRow).where(MemberRow.platform_id == "ada"))
        welcomes = (
            await session.scalars(select(OutboxRow).where(OutboxRow.kind == "welcome"))
        ).all()
    assert row is not None and row.team == "Acme/Ops"  # the rejoin still updated their team
    assert len(welcomes) == 1  # greeted once, on the first join only


async def test_someone_who_was_forgotten_and_rejoins_is_a_fresh_member(
    core: Core, community: int
) -> None:
    core.welcome = True
    await core.handle(MemberJoined(WHERE, Actor("ada", "Ada Example"), "Acme/Sales"))
    await core.handle(say("ada", 'about "I look after payroll"'))
    await core.handle(say("ada", "leave"))
    ask = await core.handle(say("ada", "forget-me"))
    assert isinstance(ask, Choices)
    await core.handle(
        ButtonPressed(WHERE, Actor("ada", "Ada"), "forget_confirm", ask.buttons[0].value)
    )
    async with core.db.session() as session:
        assert await session.scalar(select(MemberRow).where(MemberRow.platform_id == "ada")) is None
    await core.handle(MemberJoined(WHERE, Actor("ada", "Ada Example")))
    async with core.db.session() as session:
        row = await session.scalar(select(MemberRow).where(MemberRow.platform_id == "ada"))
        welcomes = (
            await session.scalars(select(OutboxRow).where(OutboxRow.kind == "welcome"))
        ).all()
    assert row is not None
    assert (row.status, row.about, row.team) == ("active", "", "Unassigned")
    assert [w.people for w in welcomes] == [["ada"]]  # the new member is welcomed afresh
