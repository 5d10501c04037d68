"""A workspace that installed Bridgework itself (Slack OAuth) has the LLM off, even where the
operator configured one, until that workspace's own admin turns it on there: an admin the
operator made is refused. The operator's own install keeps the usual rule."""

from __future__ import annotations

from bot.core import Core
from bot.domain import Platform, Role
from bot.events import Actor, CommandInvoked, Installed, Where
from bot.messages import Text
from bot.services.digest import LLMConfig
from bot.store import repo
from bot.texts import copy

TEAM = "T0OAUTH01"
HERE = Where(Platform.SLACK, TEAM, "C0COFFEE01")


def configured(core: Core) -> None:
    """The operator has set LLM_BASE_URL and LLM_MODEL."""
    core.llm = core.dispatcher.llm = LLMConfig("http://127.0.0.1:9/v1", "none", "small")


async def llm_on(core: Core, cid: int) -> bool:
    async with core.db.session() as session:
        row = await repo.get_community(session, cid)
    assert row is not None
    return row.llm_enabled


async def say(core: Core, who: Actor, text: str, where: Where = HERE) -> str:
    reply = await core.handle(CommandInvoked(where, who, text))
    assert isinstance(reply, Text)
    return reply.body


async def test_an_oauth_workspaces_llm_is_off_until_its_own_admin_turns_it_on(core: Core) -> None:
    configured(core)
    cid = await core.ensure_community(Platform.SLACK, TEAM, "C0COFFEE01", name="Coffee", oauth=True)
    assert await llm_on(core, cid) is False
    async with core.db.session() as session, session.begin():
        await repo.grant_role(session, cid, "U0BOB0001", Role.ADMIN)  # by the operator

    refused = await say(core, Actor("U0BOB0001", "Bob"), "set llm on")

    assert refused == copy("set.llm_workspace_admin")
    assert await llm_on(core, cid) is False
    await say(core, Actor("U0ADA0001", "Ada", platform_admin=True), "set llm on")
    assert await llm_on(core, cid) is True


async def test_an_oauth_install_marks_the_workspaces_communities_and_new_ones_follow(
    core: Core,
) -> None:
    configured(core)
    first = await core.ensure_community(Platform.SLACK, TEAM, "C0COFFEE01", name="Coffee")
    await core.installation(Installed(Platform.SLACK, TEAM, oauth=True))
    second = await core.ensure_community(Platform.SLACK, TEAM, "C0TEA00001", name="Tea")
    async with core.db.session() as session, session.begin():
        for cid in (first, second):
            await repo.grant_role(session, cid, "U0BOB0001", Role.ADMIN)
    for channel in ("C0COFFEE01", "C0TEA00001"):
        where = Where(Platform.SLACK, TEAM, channel)
        body = await say(core, Actor("U0BOB0001", "Bob"), "set llm on", where)
        assert body == copy("set.llm_workspace_admin")
    assert not await llm_on(core, first) and not await llm_on(core, second)


async def test_on_the_operators_own_install_an_admin_it_made_may_turn_the_llm_on(
    core: Core,
) -> None:
    configured(core)
    cid = await core.ensure_community(Platform.SLACK, "T0OWN0001", "C0OWN00001", name="Own")
    async with core.db.session() as session, session.begin():
        await repo.grant_role(session, cid, "U0BOB0001", Role.ADMIN)
    where = Where(Platform.SLACK, "T0OWN0001", "C0OWN00001")
    await say(core, Actor("U0BOB0001", "Bob"), "set llm on", where)
    assert await llm_on(core, cid) is True
