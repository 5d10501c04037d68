"""Enterprise Grid: an organisation's admin installs Bridgework org-wide through Bolt's OAuth flow
(the fake's ``oauth.v2.access`` answers ``is_enterprise_install`` with an ``enterprise`` and no
``team``); the one token serves a community in each of the org's two workspaces, commands and
events from either workspace reach their own community, and an uninstall at org level marks
every community of the org."""

from __future__ import annotations

import asyncio
from typing import Any

from adapters.slack import chat_for, oauth, translate
from bot.core import Core
from bot.delivery import outbox
from bot.domain import Community, Platform
from bot.messages import Text
from bot.ports import ConversationRef
from bot.settings import Settings
from bot.store import repo
from bot.store.models import CommunityRow
from tests.adapters.slack.conftest import OTHER, Web, install, recorded, said
from tests.fakes.slack import grid
from tests.fakes.slack.delivery import deliver
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.state import SIGNING_SECRET, User

ORG, SALES, LABS = "E0GRID0001", "T0GRIDS001", "T0GRIDL001"
SALES_CHANNEL, LABS_CHANNEL = "C0GRIDS001", "C0GRIDL001"
ORG_TOKEN = f"xoxb-{ORG}-installed-token"


def an_org(fake: FakeSlack) -> None:
    """Globex, an Enterprise Grid org of two workspaces, each with a channel and two people."""
    ws = fake.workspace
    ws.add_org(ORG, "Globex", {SALES: "Globex Sales", LABS: "Globex Labs"})
    bot = ws.users[ws.bot_user]  # an org-wide app's bot user is the org's (W… in Slack's sample)
    bot.team_id, bot.enterprise_id = SALES, ORG
    for team, channel, names in (
        (SALES, SALES_CHANNEL, ("Sam", "Sade")),
        (LABS, LABS_CHANNEL, ("Lea", "Lior")),
    ):
        ids = []
        for i, name in enumerate(names):
            uid = f"U0{team[2:7]}{i:03d}"
            ws.add_user(User(uid, name, team=f"{name} dept", team_id=team, enterprise_id=ORG))
            ids.append(uid)
        ws.add_channel(channel, ids, team_id=team)


async def communities(core: Core) -> tuple[int, int]:
    sales = await core.ensure_community(Platform.SLACK, ORG, SALES_CHANNEL, name="Sales coffee")
    labs = await core.ensure_community(Platform.SLACK, ORG, LABS_CHANNEL, name="Labs coffee")
    return sales, labs


async def row_of(core: Core, cid: int) -> CommunityRow:
    async with core.db.session() as session:
        row = await repo.get_community(session, cid)
    assert row is not None
    return row


async def synced(core: Core, *communities: int) -> None:
    """Wait for the sync an install starts in the background (two people in each channel)."""
    for _ in range(600):
        if all([len(await member_ids(core, c)) == 2 for c in communities]):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the install's sync did not finish")


async def member_ids(core: Core, community: int) -> set[str]:
    async with core.db.session() as session:
        return {m.platform_id for m in await repo.members(session, community)}


async def test_an_org_wide_install_is_kept_under_the_org_and_its_token_delivers_in_both_workspaces(
    fake: FakeSlack, oauth_web: Web, oauth_settings: Settings, core: Core
) -> None:
    an_org(fake)
    sales, labs = await communities(core)
    status, _ = await install(fake, oauth_web, ORG)
    assert status == 200
    await synced(core, sales, labs)  # the org's communities, synced with the org's token
    held = oauth.stores(oauth_settings, core.db.engine)
    bot = await held.installations.async_find_bot(
        enterprise_id=ORG, team_id=None, is_enterprise_install=True
    )
    assert bot is not None and bot.bot_token == ORG_TOKEN and bot.team_id is None
    assert await held.bot_token(ORG) == ORG_TOKEN
    assert await held.organisations() == [(ORG, "Globex")]
    for cid in (sales, labs):  # the install marks the org's communities as its own
        assert (await row_of(core, cid)).installed_via == "oauth"

    chats = chat_for(oauth_settings, core)
    for cid, channel in ((sales, SALES_CHANNEL), (labs, LABS_CHANNEL)):
        community = Community(cid, Platform.SLACK, ORG, channel, "Coffee")
        sent = await chats(community).send(ConversationRef(channel), Text("hello"), key=f"k{cid}")
        assert sent.conversation.id == channel
    posts = fake.ok_calls_of("chat.postMessage")
    assert {c.args["channel"] for c in posts} == {SALES_CHANNEL, LABS_CHANNEL}
    assert {c.team for c in posts} == {ORG}  # one token, the org's, in both workspaces


async def test_a_workspace_install_inside_an_org_is_found_by_its_team_not_the_org(
    fake: FakeSlack, oauth_web: Web, oauth_settings: Settings, core: Core
) -> None:
    an_org(fake)
    await install(fake, oauth_web, SALES)  # a workspace-level install of a Grid workspace
    held = oauth.stores(oauth_settings, core.db.engine)
    assert await held.bot_token(SALES) == f"xoxb-{SALES}-installed-token"
    assert await held.organisations() == []


async def test_commands_from_either_workspace_reach_their_own_community(
    fake: FakeSlack, oauth_web: Web, core: Core
) -> None:
    an_org(fake)
    await install(fake, oauth_web, ORG)
    sales, labs = await communities(core)
    ws = fake.workspace
    joining = ((SALES, SALES_CHANNEL, "U0GRIDS000"), (LABS, LABS_CHANNEL, "U0GRIDL000"))
    for done, (team, channel, uid) in enumerate(joining, start=1):
        body = recorded("slash_command", channel_id=channel, user_id=uid, text="join")
        body["response_url"] = fake.response_url()
        status, _ = await deliver(
            oauth_web.events, "command", grid.command(ws, body, team), secret=SIGNING_SECRET
        )
        assert status == 200
        await fake.wait_for(lambda done=done: len(fake.responses) == done)  # type: ignore[misc]
    assert fake.responses[0][1]["text"].startswith(said("join.ok", first_name="Sam"))
    assert fake.responses[1][1]["text"].startswith(said("join.ok", first_name="Lea"))
    assert await member_ids(core, sales) == {"U0GRIDS000"}
    assert await member_ids(core, labs) == {"U0GRIDL000"}
    # usergroups.list names the workspace, as an org token must (the fake refuses it otherwise)
    asked = [c.args.get("team_id") for c in fake.ok_calls_of("usergroups.list")]
    assert asked == [SALES, LABS]
    assert {c.team for c in fake.ok_calls_of("users.info")} == {ORG}


async def test_an_admin_of_any_workspace_of_the_org_is_an_admin_of_its_communities(
    fake: FakeSlack, oauth_web: Web, core: Core
) -> None:
    an_org(fake)
    await install(fake, oauth_web, ORG)
    await communities(core)
    ws = fake.workspace
    ws.users["U0GRIDS000"].is_admin = True  # an admin of Globex Sales, acting in Labs' channel
    body = recorded("slash_command", channel_id=LABS_CHANNEL, user_id="U0GRIDS000", text="help")
    body["response_url"] = fake.response_url()
    stamped = grid.command(ws, body, SALES)
    assert (await deliver(oauth_web.events, "command", stamped, secret=SIGNING_SECRET))[0] == 200
    await fake.wait_for(lambda: len(fake.responses) == 1)
    assert said("help.lead") in fake.responses[0][1]["text"]

    body = recorded("slash_command", channel_id=LABS_CHANNEL, user_id="U0GRIDL001", text="help")
    body["response_url"] = fake.response_url()
    stamped = grid.command(ws, body, LABS)
    assert (await deliver(oauth_web.events, "command", stamped, secret=SIGNING_SECRET))[0] == 200
    await fake.wait_for(lambda: len(fake.responses) == 2)
    assert said("help.lead") not in fake.responses[1][1]["text"]  # Lior is no admin


def event(ws: Any, name: str, team: str, **changes: Any) -> dict[str, Any]:
    body = recorded(name)
    body["event"].update(changes)
    return grid.event(ws, body, team)


async def test_events_from_either_workspace_reach_their_own_community(
    fake: FakeSlack, oauth_web: Web, core: Core
) -> None:
    an_org(fake)
    await install(fake, oauth_web, ORG)
    sales, labs = await communities(core)
    ws = fake.workspace
    joins = (
        (SALES, SALES_CHANNEL, "U0GRIDS001", "Ev0GRIDJ01"),
        (LABS, LABS_CHANNEL, "U0GRIDL001", "Ev0GRIDJ02"),
    )
    for team, channel, uid, event_id in joins:
        body = event(ws, "member_joined_channel", team, user=uid, channel=channel)
        body["event_id"] = event_id
        assert (await deliver(oauth_web.events, "event", body, secret=SIGNING_SECRET))[0] == 200
    assert await member_ids(core, sales) == {"U0GRIDS001"}
    assert await member_ids(core, labs) == {"U0GRIDL001"}


async def a_message(core: Core, cid: int, channel: str) -> None:
    async with core.db.session() as session, session.begin():
        await outbox.enqueue(
            session,
            community_id=cid,
            key=f"hello-{cid}",
            kind="text",
            message=Text("hello"),
            conversation_id=channel,
        )


async def test_an_uninstall_at_org_level_marks_every_community_of_the_org_and_no_other(
    fake: FakeSlack, oauth_web: Web, oauth_settings: Settings, core: Core
) -> None:
    an_org(fake)
    await install(fake, oauth_web, ORG)
    await install(fake, oauth_web, OTHER)
    sales, labs = await communities(core)
    other = await core.ensure_community(Platform.SLACK, OTHER, "C0OTHER001", name="Other")
    for cid, channel in ((sales, SALES_CHANNEL), (labs, LABS_CHANNEL), (other, "C0OTHER001")):
        await a_message(core, cid, channel)

    fake.workspace.uninstall(ORG)  # Slack revokes the org's token, then tells the app
    revoked = event(fake.workspace, "tokens_revoked", SALES)
    removed = event(fake.workspace, "app_uninstalled", SALES)
    for body in (revoked, removed):
        assert (await deliver(oauth_web.events, "event", body, secret=SIGNING_SECRET))[0] == 200

    held = oauth.stores(oauth_settings, core.db.engine)
    gone = await held.installations.async_find_bot(
        enterprise_id=ORG, team_id=None, is_enterprise_install=True
    )
    assert gone is None
    assert await held.bot_token(OTHER) == f"xoxb-{OTHER}-installed-token"
    states = {cid: (await row_of(core, cid)).uninstall_reason for cid in (sales, labs, other)}
    assert states == {sales: "tokens revoked", labs: "tokens revoked", other: None}
    async with core.db.session() as session:
        status = await outbox.status(session)
    dead = sorted(status.dead_reasons)
    assert dead == [(f"hello-{c}", "tokens revoked: not sent") for c in sorted((sales, labs))]
    assert status.pending == 1  # the other workspace's message still goes

    status_code, _ = await install(fake, oauth_web, ORG)  # installed org-wide again
    assert status_code == 200
    await synced(core, sales, labs)
    assert (await row_of(core, sales)).uninstalled_at is None
    assert await held.bot_token(ORG)


def test_a_button_or_form_of_an_org_wide_install_comes_under_the_org_though_team_is_null(
    fake: FakeSlack,
) -> None:
    an_org(fake)
    ws = fake.workspace
    pressed = translate.button(grid.interaction(ws, recorded("block_actions_message"), LABS))
    sent = translate.submission(grid.interaction(ws, recorded("view_submission"), LABS))
    assert pressed.where.workspace == sent.where.workspace == ORG
    alone = translate.button(
        grid.interaction(ws, recorded("block_actions_message"), LABS, org_wide=False)
    )
    assert alone.where.workspace == LABS  # a workspace-level install inside the org
    assert translate.workspace_of(grid.interaction(ws, recorded("view_submission"), LABS)) == LABS
