"""A member's own line under their name: set, shown in intros, status and my-data, bounded."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.core import Core
from bot.delivery.codec import decode
from bot.messages import Intro, Message, Text, plain_text
from bot.store.models import MemberRow, OutboxRow
from tests.conftest import say
from tests.factories import members

LINE = "I look after the payroll system; ask me about cycling routes"


def body(reply: Message | None) -> str:
    assert isinstance(reply, Text), reply
    return reply.body


async def about_of(core: Core, pid: str) -> str:
    async with core.db.session() as session:
        member = await session.scalar(select(MemberRow).where(MemberRow.platform_id == pid))
        assert member is not None
        return member.about


async def test_the_line_is_shown_under_the_name_in_the_intro_and_in_status_and_my_data(
    core: Core, community: int
) -> None:
    ids = await members(core, 2, teams=2)
    assert LINE in body(await core.handle(say(ids[0], f'about "{LINE}"')))
    await core.run_round(community)
    async with core.db.session() as session:
        row = await session.scalar(select(OutboxRow).where(OutboxRow.kind == "intro"))
    assert row is not None
    intro = decode(row.payload)
    assert isinstance(intro, Intro)
    shown = {p.about for p in intro.people}
    assert shown == {LINE, ""}
    lines = plain_text(intro).split("\n")
    named = next(i for i, p in enumerate(intro.people) if p.about)
    at = lines.index(f"• {intro.people[named].label}")
    assert lines[at + 1].strip() == LINE
    assert LINE in body(await core.handle(say(ids[0], "status")))
    exported = body(await core.handle(say(ids[0], "my-data")))
    data = json.loads(exported[exported.index("{") : exported.rindex("}") + 1])
    assert data["member"]["about"] == LINE


async def test_about_alone_shows_the_line_and_clear_removes_it(core: Core, community: int) -> None:
    ids = await members(core, 2, teams=2)
    assert 'about "' in body(await core.handle(say(ids[0], "about")))
    await core.handle(say(ids[0], f"about {LINE}"))  # quotes are optional
    assert LINE in body(await core.handle(say(ids[0], "about")))
    await core.handle(say(ids[0], "about clear"))
    assert await about_of(core, ids[0]) == ""
    assert LINE not in body(await core.handle(say(ids[0], "status")))


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("x" * 161, "161 characters; 160 at most"),
        ('""', "plain text"),
        ("\u202eevil", "plain text"),
    ],
)
async def test_a_line_too_long_empty_or_with_control_characters_is_refused_and_nothing_changes(
    core: Core, community: int, line: str, problem: str
) -> None:
    ids = await members(core, 2, teams=2)
    await core.handle(say(ids[0], f'about "{LINE}"'))
    reply = body(await core.handle(say(ids[0], f"about {line}")))
    assert problem in reply and "about clear" in reply  # the usage line
    assert await about_of(core, ids[0]) == LINE


async def test_runs_of_spaces_and_line_breaks_become_one_line(core: Core, community: int) -> None:
    ids = await members(core, 2, teams=2)
    await core.handle(say(ids[0], "about  cycling\n\nand   payroll "))
    assert await about_of(core, ids[0]) == "cycling and payroll"


async def test_control_characters_never_reach_the_line(core: Core, community: int) -> None:
    ids = await members(core, 2, teams=2)
    await core.handle(say(ids[0], "about ask me\x00 about \x1b[31mred"))
    stored = await about_of(core, ids[0])
    assert stored.startswith("ask me") and all(ch.isprintable() for ch in stored)


async def test_someone_who_has_not_joined_is_told_to_join_first(core: Core, community: int) -> None:
    assert "join" in body(await core.handle(say("nobody", f'about "{LINE}"')))
