"""Fuzzing the parser through the dispatcher: a rejected command never changes state."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.core import Core, open_core
from bot.domain import Platform
from bot.messages import Text
from bot.settings import Settings
from bot.store.models import Base
from tests.conftest import WHERE, MovableClock, say

WORDS = [
    "pause",
    "until",
    "set",
    "team",
    "day",
    "time",
    "2",
    "weeks",
    "join",
    "leave",
    "resume",
    "status",
    "2027-13-01",
    "25:00",
    "Acme//X",
    "group-size",
    "9",
    "cadence",
    "daily",
    "/",
]


async def snapshot(core: Core) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    async with core.db.session() as session:
        for table in Base.metadata.sorted_tables:
            result = await session.execute(select(table))
            rows.extend((table.name, *row) for row in result.all())
    return sorted(rows, key=repr)


def test_a_rejected_command_never_changes_state(
    settings: Settings, clock: MovableClock, tmp_path: Path
) -> None:
    loop = asyncio.new_event_loop()
    core = loop.run_until_complete(
        open_core(settings, clock=clock, url=f"sqlite+aiosqlite:///{tmp_path / 'fuzz.db'}")
    )
    loop.run_until_complete(
        core.ensure_community(Platform.CONSOLE, WHERE.workspace, WHERE.channel, name="Acme")
    )
    loop.run_until_complete(core.handle(say("ada", "join")))
    rejected = 0

    @hypothesis_settings(max_examples=150, deadline=None)
    @given(
        st.one_of(
            st.text(max_size=60),
            st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join),
        ),
        st.booleans(),
    )
    def one_command(text: str, admin: bool) -> None:
        nonlocal rejected
        before = loop.run_until_complete(snapshot(core))
        reply = loop.run_until_complete(core.handle(say("ada", text, admin=admin)))
        assert isinstance(reply, Text)
        if "Usage:" in reply.body or "for admins" in reply.body:
            rejected += 1
            assert loop.run_until_complete(snapshot(core)) == before, text

    try:
        one_command()
    finally:
        loop.run_until_complete(core.close())
        loop.close()
    assert rejected > 20
