"""A community with two rounds of history, its lead and admin, and the dashboard over it."""

from __future__ import annotations

import pytest

from bot.core import Core
from bot.dashboard.app import Dashboard
from bot.domain import Role
from bot.events import Actor, CommandInvoked
from bot.messages import Text
from bot.store import repo
from bot.web import ASGIApp
from tests.bot.services.test_digest import a_community_with_history
from tests.conftest import WHERE, MovableClock

BASE = "http://127.0.0.1:3000"
LEAD, ADMIN = Actor("lead", "Lea Lead"), Actor("boss", "Bo Admin")


@pytest.fixture
async def history(core: Core, community: int, clock: MovableClock) -> int:
    core.dispatcher.dashboard_url = BASE
    await a_community_with_history(core, community, clock)
    async with core.db.transaction() as session:
        await repo.grant_role(session, community, ADMIN.platform_id, Role.ADMIN)
    return community


@pytest.fixture
def app(core: Core, clock: MovableClock) -> ASGIApp:
    return Dashboard(core.db, clock=clock, threshold=core.threshold, base_url=BASE).mounted(None)


async def link_for(core: Core, actor: Actor = LEAD) -> str:
    """The path of the link the bot sends ``actor`` (its token included)."""
    reply = await core.handle(CommandInvoked(WHERE, actor, "dashboard"))
    assert isinstance(reply, Text), reply
    url = next(word for word in reply.body.split() if word.startswith(BASE))
    return url.removeprefix(BASE)
