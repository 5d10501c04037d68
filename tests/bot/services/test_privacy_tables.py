"""Reading every table: nothing of a forgotten member is left, and nothing links an anonymous
answer to the one who wrote it."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, text

from adapters.console import ConsoleChat
from bot.core import Core
from bot.events import Actor, ButtonPressed, MemberJoined
from bot.messages import Choices
from bot.store.models import MemberRow
from tests.bot.services.test_checkins import NAMED, answer, open_one
from tests.conftest import WHERE, MovableClock, say

DROPPED = {"id", "key", "created_at", "sent_at", "next_attempt_at", "joined_at", "updated_at"}


async def every_row(core: Core) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table the database holds, ours and the libraries'."""
    async with core.db.session() as session:
        tables = await session.run_sync(
            lambda s: s.connection().dialect.get_table_names(s.connection())
        )
        rows: dict[str, list[dict[str, Any]]] = {}
        for table in tables:
            result = await session.execute(text(f'SELECT * FROM "{table}"'))
            rows[table] = [dict(row._mapping) for row in result]
    return rows


def mentions(value: object, needles: tuple[str, ...]) -> bool:
    shown = value.decode("latin-1") if isinstance(value, bytes) else json.dumps(value, default=str)
    return any(needle in shown for needle in needles)


async def test_forget_me_leaves_no_row_that_names_the_person(
    core: Core, community: int, clock: MovableClock
) -> None:
    for pid, name, team in (
        ("zed0", "Zelda Zed", "Acme/Eng/Zed"),
        ("amy1", "Amy Ash", "Acme/Eng/Zed"),
        ("bo2", "Bo Birch", "Acme/Sales/Quux"),
        ("cy3", "Cy Cedar", "Acme/Sales/Quux"),
    ):
        await core.handle(MemberJoined(WHERE, Actor(pid, name), team))
    about = "rides a penny-farthing to the depot"
    await core.handle(say("zed0", f'about "{about}"'))
    await core.run_round(community)
    await core.sender(ConsoleChat(None)).drain(community_id=community, max_wait=5)
    await core.send_followups(community)
    checkin = await open_one(core, community, NAMED)
    await answer(core, "zed0", checkin, "Named answer.")
    async with core.db.session() as session:
        member = await session.scalar(select(MemberRow).where(MemberRow.platform_id == "zed0"))
        assert member is not None
        first_name, member_id = member.first_name, member.id
    ask = await core.handle(say("zed0", "forget-me"))
    assert isinstance(ask, Choices)
    await core.handle(
        ButtonPressed(WHERE, Actor("zed0", "P"), "forget_confirm", ask.buttons[0].value)
    )
    left = {
        table: [row for row in rows if mentions(row, ("zed0", first_name, "penny-farthing"))]
        for table, rows in (await every_row(core)).items()
    }
    assert {t: r for t, r in left.items() if r} == {}
    rows = await every_row(core)
    for table, table_rows in rows.items():
        for row in table_rows:
            assert row.get("member_id") != member_id, (table, row)


async def test_a_lone_anonymous_answer_cannot_be_linked_to_who_wrote_it(
    core: Core, community: int, clock: MovableClock
) -> None:
    for pid in ("platform0", "platform1"):
        await core.handle(MemberJoined(WHERE, Actor(pid, f"Name{pid}"), "Acme/Eng/Platform"))
    checkin = await open_one(core, community, NAMED + " anonymous")
    await answer(core, "platform0", checkin, "Only I answered.")
    await core.handle(ButtonPressed(WHERE, Actor("platform1", "P"), "checkin_skip", str(checkin)))
    clock.advance(days=3)
    await core.run_job("sweep", community)
    async with core.db.session() as session:
        ids = dict((await session.execute(select(MemberRow.platform_id, MemberRow.id))).all())

    def footprint(rows: dict[str, list[dict[str, Any]]], pid: str) -> dict[str, list[str]]:
        """The rows that name one member, with their own ids and names made anonymous."""
        mine: dict[str, list[str]] = {}
        for table, table_rows in rows.items():
            for row in table_rows:
                if row.get("member_id") != ids[pid] and not mentions(row, (pid,)):
                    continue
                kept = {k: v for k, v in row.items() if k not in DROPPED and k != "member_id"}
                shown = json.dumps(kept, default=str, sort_keys=True)
                shown = shown.replace(f"Name{pid}", "N").replace(pid, "P")
                mine.setdefault(table, []).append(shown)
        return {t: sorted(r) for t, r in mine.items()}

    rows = await every_row(core)
    assert footprint(rows, "platform0") == footprint(rows, "platform1")
    assert any(r["text"] == "Only I answered." for r in rows["answers"])
