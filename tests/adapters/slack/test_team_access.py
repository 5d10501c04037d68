"""Slack's ``team_access_revoked``, signed and posted to the real HTTP endpoint: an org-ready app
removed from some workspaces of an Enterprise Grid organisation marks the communities registered
under those workspaces (their messages dead, nothing more sent there), leaves the org's other
workspaces and the org's token alone, marks a community registered under the org's id once every
workspace its channel is in (as its member sync read them) is lost, logs the org-wide communities
it cannot place, and handles a retry or a repeat once."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from adapters.slack import chat_for, oauth, sync_community
from bot.core import Core
from bot.delivery import outbox
from bot.domain import Platform
from bot.events import Installed
from bot.settings import Settings
from bot.store import repo
from bot.store.models import CommunityRow
from tests.adapters.slack.conftest import Web, install, recorded
from tests.adapters.slack.test_grid import (
    LABS,
    LABS_CHANNEL,
    ORG,
    ORG_TOKEN,
    SALES,
    SALES_CHANNEL,
    a_message,
    an_org,
)
from tests.fakes.slack import grid
from tests.fakes.slack.delivery import deliver
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.state import SIGNING_SECRET

RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def revoked(fake: FakeSlack, *teams: str, via: str, org_wide: bool) -> dict[str, Any]:
    """``team_access_revoked`` for ``teams``, under the installation of workspace ``via``."""
    body = recorded("team_access_revoked")
    body["event"]["team_ids"] = list(teams)
    return grid.event(fake.workspace, body, via, org_wide=org_wide)


async def row_of(core: Core, cid: int) -> CommunityRow:
    async with core.db.session() as session:
        row = await repo.get_community(session, cid)
    assert row is not None
    return row


async def outbox_state(core: Core) -> tuple[int, list[tuple[str, str | None]]]:
    async with core.db.session() as session:
        status = await outbox.status(session)
    return status.pending, sorted(status.dead_reasons)


async def workspace_communities(fake: FakeSlack, web: Web, core: Core) -> tuple[int, int]:
    """Globex's two workspaces, each with its own install of the app and a community keyed by
    the workspace, each with a message not sent yet."""
    an_org(fake)
    await install(fake, web, SALES)
    await install(fake, web, LABS)
    sales = await core.ensure_community(Platform.SLACK, SALES, SALES_CHANNEL, name="Sales")
    labs = await core.ensure_community(Platform.SLACK, LABS, LABS_CHANNEL, name="Labs")
    await a_message(core, sales, SALES_CHANNEL)
    await a_message(core, labs, LABS_CHANNEL)
    return sales, labs


async def test_a_workspace_the_org_removed_the_app_from_stops_and_the_others_carry_on(
    fake: FakeSlack, oauth_web: Web, oauth_settings: Settings, core: Core
) -> None:
    sales, labs = await workspace_communities(fake, oauth_web, core)

    body = revoked(fake, LABS, via=SALES, org_wide=False)
    assert (await deliver(oauth_web.events, "event", body, secret=SIGNING_SECRET))[0] == 200

    assert (await row_of(core, labs)).uninstall_reason == "team access revoked"
    assert (await row_of(core, sales)).uninstalled_at is None
    pending, dead = await outbox_state(core)
    assert (pending, dead) == (1, [(f"hello-{labs}", "team access revoked: not sent")])
    report = await core.sender(chat_for(oauth_settings, core)).drain(max_wait=0)
    assert report.sent == 1
    posts = fake.ok_calls_of("chat.postMessage")
    assert [c.args["channel"] for c in posts] == [SALES_CHANNEL]  # nothing into Labs

    held = oauth.stores(oauth_settings, core.db.engine)
    assert await held.bot_token(SALES) == f"xoxb-{SALES}-installed-token"


async def test_a_retried_or_repeated_team_access_revoked_changes_nothing_more(
    fake: FakeSlack, oauth_web: Web, core: Core
) -> None:
    sales, labs = await workspace_communities(fake, oauth_web, core)
    body = revoked(fake, LABS, via=SALES, org_wide=False)
    assert (await deliver(oauth_web.events, "event", body, secret=SIGNING_SECRET))[0] == 200
    first = await row_of(core, labs)
    after_first = await outbox_state(core)

    retry = await deliver(oauth_web.events, "event", body, secret=SIGNING_SECRET, headers=RETRY)
    body["event_id"] = "Ev0TACCREV2"  # Slack sends it again, as a new event
    again = await deliver(oauth_web.events, "event", body, secret=SIGNING_SECRET)

    assert (retry[0], again[0]) == (200, 200)
    row = await row_of(core, labs)
    assert (row.uninstalled_at, row.uninstall_reason) == (
        first.uninstalled_at,
        "team access revoked",
    )
    assert await outbox_state(core) == after_first
    assert (await row_of(core, sales)).uninstalled_at is None

    await core.installation(Installed(Platform.SLACK, LABS))  # installed again meanwhile
    late = await deliver(oauth_web.events, "event", body, secret=SIGNING_SECRET, headers=RETRY)
    assert late[0] == 200
    assert (await row_of(core, labs)).uninstalled_at is None  # a late retry undoes nothing


async def test_an_org_wide_install_keeps_its_token_and_logs_the_communities_never_read(
    fake: FakeSlack,
    oauth_web: Web,
    oauth_settings: Settings,
    core: Core,
    caplog: pytest.LogCaptureFixture,
) -> None:
    an_org(fake)
    await install(fake, oauth_web, ORG)
    labs = await core.ensure_community(Platform.SLACK, ORG, LABS_CHANNEL, name="Labs")
    await a_message(core, labs, LABS_CHANNEL)
    caplog.set_level(logging.INFO, logger="bot.services.installs")

    body = revoked(fake, LABS, via=SALES, org_wide=True)
    assert (await deliver(oauth_web.events, "event", body, secret=SIGNING_SECRET))[0] == 200

    # the store does not know the org-wide community's channel is in Labs: it is kept, and said
    assert (await row_of(core, labs)).uninstalled_at is None
    assert await outbox_state(core) == (1, [])
    kept = f"community {labs} (channel {LABS_CHANNEL}) of org {ORG} kept"
    assert kept in caplog.text
    assert f"workspaces {LABS}" in caplog.text
    held = oauth.stores(oauth_settings, core.db.engine)
    assert await held.bot_token(ORG) == ORG_TOKEN  # it still serves the org's other workspaces


async def test_the_org_is_found_where_slacks_own_example_puts_it(
    fake: FakeSlack, oauth_web: Web, core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    sales, labs = await workspace_communities(fake, oauth_web, core)
    org_wide = await core.ensure_community(Platform.SLACK, ORG, "C0GRIDO001", name="Org")
    caplog.set_level(logging.INFO, logger="bot.services.installs")
    body = revoked(fake, LABS, "T0GONE0001", via=SALES, org_wide=False)
    body["event"]["enterprise_id"] = ORG  # as docs.slack.dev shows it: in the event, with
    del body["enterprise_id"]  # no enterprise_id in the wrapper or the authorization
    del body["authorizations"][0]["enterprise_id"]

    assert (await deliver(oauth_web.events, "event", body, secret=SIGNING_SECRET))[0] == 200
    assert (await row_of(core, labs)).uninstall_reason == "team access revoked"
    assert (await row_of(core, sales)).uninstalled_at is None
    assert f"community {org_wide} (channel C0GRIDO001) of org {ORG} kept" in caplog.text


SHARED_CHANNEL = "C0GRIDSH01"


async def org_communities(fake: FakeSlack, web: Web, core: Core) -> tuple[int, int]:
    """The org-wide install's communities, registered under the org's id and synced: Labs's own
    channel, and one hosted in Labs and shared into Sales; each with a message not sent yet."""
    an_org(fake)
    ws = fake.workspace
    people = list(ws.conversations[LABS_CHANNEL].members)
    ws.add_channel(SHARED_CHANNEL, people, team_id=LABS, shared_with=[SALES])
    await install(fake, web, ORG)
    labs = await core.ensure_community(Platform.SLACK, ORG, LABS_CHANNEL, name="Labs")
    both = await core.ensure_community(Platform.SLACK, ORG, SHARED_CHANNEL, name="Both")
    for cid, channel in ((labs, LABS_CHANNEL), (both, SHARED_CHANNEL)):
        await a_message(core, cid, channel)
    return labs, both


async def synced(settings: Settings, core: Core, *communities: int) -> None:
    for cid in communities:
        await sync_community(settings, core, await core.community_of(cid))


async def test_the_member_sync_records_which_of_the_orgs_workspaces_a_channel_is_in(
    fake: FakeSlack, oauth_web: Web, oauth_settings: Settings, core: Core
) -> None:
    labs, both = await org_communities(fake, oauth_web, core)
    assert (await row_of(core, labs)).channel_workspaces is None  # not read yet

    await synced(oauth_settings, core, labs, both)

    assert (await row_of(core, labs)).channel_workspaces == [LABS]
    assert (await row_of(core, both)).channel_workspaces == [LABS, SALES]
    info = fake.ok_calls_of("conversations.info")
    assert {c.args["channel"] for c in info} == {LABS_CHANNEL, SHARED_CHANNEL}


async def test_an_org_community_whose_channel_is_in_a_lost_workspace_only_is_marked(
    fake: FakeSlack, oauth_web: Web, oauth_settings: Settings, core: Core
) -> None:
    labs, both = await org_communities(fake, oauth_web, core)
    await synced(oauth_settings, core, labs, both)

    body = revoked(fake, LABS, via=SALES, org_wide=True)
    assert (await deliver(oauth_web.events, "event", body, secret=SIGNING_SECRET))[0] == 200

    assert (await row_of(core, labs)).uninstall_reason == "team access revoked"
    kept = await row_of(core, both)  # shared into Sales, which the org keeps: it carries on
    assert (kept.uninstalled_at, kept.channel_workspaces, kept.lost_workspaces) == (
        None,
        [LABS, SALES],
        [LABS],
    )
    pending, dead = await outbox_state(core)
    assert (pending, dead) == (1, [(f"hello-{labs}", "team access revoked: not sent")])
    report = await core.sender(chat_for(oauth_settings, core)).drain(max_wait=0)
    assert report.sent == 1
    posts = fake.ok_calls_of("chat.postMessage")
    assert [c.args["channel"] for c in posts] == [SHARED_CHANNEL]


async def test_an_org_community_is_marked_when_the_second_of_its_workspaces_is_lost(
    fake: FakeSlack,
    oauth_web: Web,
    oauth_settings: Settings,
    core: Core,
    caplog: pytest.LogCaptureFixture,
) -> None:
    labs, both = await org_communities(fake, oauth_web, core)
    await synced(oauth_settings, core, labs, both)
    caplog.set_level(logging.INFO, logger="bot.services.installs")

    first = revoked(fake, LABS, via=SALES, org_wide=True)
    assert (await deliver(oauth_web.events, "event", first, secret=SIGNING_SECRET))[0] == 200
    assert (await row_of(core, both)).uninstalled_at is None
    assert f"community {both} (channel {SHARED_CHANNEL}) of org {ORG} kept" in caplog.text
    assert f"still in workspaces {SALES} (lost {LABS})" in caplog.text
    await synced(oauth_settings, core, both)  # Slack still lists Labs: it stays lost
    assert (await row_of(core, both)).channel_workspaces == [LABS, SALES]

    second = revoked(fake, SALES, via=SALES, org_wide=True)
    second["event_id"] = "Ev0TACCREV2"
    assert (await deliver(oauth_web.events, "event", second, secret=SIGNING_SECRET))[0] == 200
    marked = await row_of(core, both)
    assert (marked.uninstall_reason, marked.lost_workspaces) == (
        "team access revoked",
        [LABS, SALES],
    )
    dead = [(f"hello-{cid}", "team access revoked: not sent") for cid in sorted((labs, both))]
    assert await outbox_state(core) == (0, dead)

    retry = await deliver(oauth_web.events, "event", second, secret=SIGNING_SECRET, headers=RETRY)
    first["event_id"] = "Ev0TACCREV3"  # the first, sent again as a new event
    again = await deliver(oauth_web.events, "event", first, secret=SIGNING_SECRET)
    assert (retry[0], again[0]) == (200, 200)
    row = await row_of(core, both)
    assert (row.uninstalled_at, row.uninstall_reason) == (
        marked.uninstalled_at,
        "team access revoked",
    )


async def test_an_org_community_never_read_keeps_the_warning(
    fake: FakeSlack,
    oauth_web: Web,
    core: Core,
    caplog: pytest.LogCaptureFixture,
) -> None:
    labs, both = await org_communities(fake, oauth_web, core)  # never synced
    assert (await row_of(core, both)).channel_workspaces is None
    caplog.set_level(logging.INFO, logger="bot.services.installs")

    body = revoked(fake, LABS, SALES, via=SALES, org_wide=True)
    assert (await deliver(oauth_web.events, "event", body, secret=SIGNING_SECRET))[0] == 200

    for cid, channel in ((labs, LABS_CHANNEL), (both, SHARED_CHANNEL)):
        assert (await row_of(core, cid)).uninstalled_at is None
        assert f"community {cid} (channel {channel}) of org {ORG} kept" in caplog.text
    assert "which workspace the channel is in is not known" in caplog.text
    assert await outbox_state(core) == (2, [])


async def test_installing_the_org_again_gives_its_communities_their_workspaces_back(
    fake: FakeSlack, oauth_web: Web, oauth_settings: Settings, core: Core
) -> None:
    labs, both = await org_communities(fake, oauth_web, core)
    await synced(oauth_settings, core, labs, both)
    body = revoked(fake, LABS, via=SALES, org_wide=True)
    assert (await deliver(oauth_web.events, "event", body, secret=SIGNING_SECRET))[0] == 200
    assert (await row_of(core, both)).lost_workspaces == [LABS]

    assert await core.installation(Installed(Platform.SLACK, ORG, oauth=True)) == [labs]

    for cid in (labs, both):
        row = await row_of(core, cid)
        assert (row.uninstalled_at, row.lost_workspaces) == (None, [])
