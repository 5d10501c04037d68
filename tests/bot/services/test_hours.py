"""A member's own working hours: set, shown in status and my-data, refused when bad, forgotten."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.core import Core
from bot.events import ButtonPressed
from bot.messages import Choices, Message, Text
from bot.store.models import MemberRow
from tests.conftest import WHERE, person, say
from tests.factories import members


def body(reply: Message | None) -> str:
    assert isinstance(reply, Text), reply
    return reply.body


async def hours_of(core: Core, pid: str) -> str | None:
    async with core.db.session() as session:
        member = await session.scalar(select(MemberRow).where(MemberRow.platform_id == pid))
        assert member is not None
        return member.hours


async def test_own_hours_are_kept_and_shown_in_status_and_my_data(
    core: Core, community: int
) -> None:
    ids = await members(core, 2, teams=2)
    assert "09:00–17:00 (the community's" in body(await core.handle(say(ids[0], "status")))
    assert "08:00–16:00" in body(await core.handle(say(ids[0], "hours 08:00-16:00")))
    assert await hours_of(core, ids[0]) == "08:00-16:00"
    assert "working hours: 08:00–16:00" in body(await core.handle(say(ids[0], "status")))
    assert "08:00–16:00" in body(await core.handle(say(ids[0], "hours")))
    exported = body(await core.handle(say(ids[0], "my-data")))
    data = json.loads(exported[exported.index("{") : exported.rindex("}") + 1])
    assert data["member"]["hours"] == "08:00-16:00"


async def test_hours_default_goes_back_to_the_communitys(core: Core, community: int) -> None:
    ids = await members(core, 2, teams=2)
    await core.handle(say(ids[0], "hours 07:30-15:30"))
    assert "09:00–17:00" in body(await core.handle(say(ids[0], "hours default")))
    assert await hours_of(core, ids[0]) is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("hours 25:00-26:00", "25:00 is not a time of day"),
        ("hours 16:00-08:00", "is not after"),
        ("hours 09:00-09:15", "less than 30 minutes"),
        ("hours whenever", "not a range of hours"),
    ],
)
async def test_bad_hours_are_refused_with_the_usage_line_and_nothing_changes(
    core: Core, community: int, text: str, problem: str
) -> None:
    ids = await members(core, 2, teams=2)
    await core.handle(say(ids[0], "hours 08:00-16:00"))
    reply = body(await core.handle(say(ids[0], text)))
    assert problem in reply and "hours 08:00-16:00" in reply
    assert await hours_of(core, ids[0]) == "08:00-16:00"


async def test_forget_me_removes_the_hours(core: Core, community: int) -> None:
    ids = await members(core, 2, teams=2)
    await core.handle(say(ids[0], "hours 08:00-16:00"))
    ask = await core.handle(say(ids[0], "forget-me"))
    assert isinstance(ask, Choices)
    done = await core.handle(
        ButtonPressed(WHERE, person(ids[0]), "forget_confirm", ask.buttons[0].value)
    )
    assert "deleted" in body(done)
    async with core.db.session() as session:
        left = await session.scalar(select(MemberRow).where(MemberRow.platform_id == ids[0]))
    assert left is None
