"""Slack's ``team_access_granted``, signed and posted to the real HTTP endpoint after the
``team_access_revoked`` it undoes: an org-ready app given a workspace back installs again the
communities its revocation marked (their jobs run again, their dead messages stay dead), gives
an org-wide community its workspaces back and brings it back once its channel is in one again,
leaves a community uninstalled for any other reason as it is, and handles a retry once."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.core import Core
from bot.delivery.scheduler import desired_jobs
from bot.settings import Settings
from tests.adapters.slack.conftest import Web, install, recorded
from tests.adapters.slack.test_grid import LABS, LABS_CHANNEL, ORG, SALES
from tests.adapters.slack.test_team_access import (
    RETRY,
    org_communities,
    outbox_state,
    revoked,
    row_of,
    synced,
    workspace_communities,
)
from tests.fakes.slack import grid
from tests.fakes.slack.delivery import deliver
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.state import SIGNING_SECRET

REVOKED = "team access revoked"


def granted(fake: FakeSlack, *teams: str) -> dict[str, Any]:
    """``team_access_granted`` for ``teams``, as Slack sends it to the org-wide install (Bolt
    authorizes this event, unlike ``team_access_revoked``: the org's install must be held)."""
    body = recorded("team_access_granted")
    body["event"]["team_ids"] = list(teams)
    return grid.event(fake.workspace, body, SALES, org_wide=True)


async def org_wide_too(fake: FakeSlack, web: Web, core: Core) -> tuple[int, int]:
    """``workspace_communities``, and the org's install org-wide, which is given workspaces."""
    sales, labs = await workspace_communities(fake, web, core)
    await install(fake, web, ORG)
    return sales, labs


async def post(web: Web, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    status, _ = await deliver(web.events, "event", body, secret=SIGNING_SECRET, headers=headers)
    assert status == 200


async def intro_jobs(core: Core) -> set[str]:
    """The communities whose introductions are scheduled, as ``intros:<id>``."""
    return {spec.id for spec in await desired_jobs(core.db) if spec.id.startswith("intros:")}


async def test_a_workspace_given_the_app_back_is_installed_again_and_its_jobs_run(
    fake: FakeSlack, oauth_web: Web, core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    sales, labs = await org_wide_too(fake, oauth_web, core)
    await post(oauth_web, revoked(fake, LABS, via=SALES, org_wide=False))
    assert (await row_of(core, labs)).uninstall_reason == REVOKED
    assert await intro_jobs(core) == {f"intros:{sales}"}
    dead = (1, [(f"hello-{labs}", f"{REVOKED}: not sent")])
    assert await outbox_state(core) == dead
    caplog.set_level(logging.INFO, logger="bot.services.installs")

    await post(oauth_web, granted(fake, LABS))

    row = await row_of(core, labs)
    assert (row.uninstalled_at, row.uninstall_reason, row.installed_via) == (None, None, None)
    assert await intro_jobs(core) == {f"intros:{sales}", f"intros:{labs}"}
    assert await outbox_state(core) == dead  # what died stays dead, as after any install
    assert f"{ORG}: access to workspaces {LABS} granted; communities [{labs}]" in caplog.text


async def test_an_org_community_comes_back_once_its_channel_is_in_a_workspace_given_back(
    fake: FakeSlack,
    oauth_web: Web,
    oauth_settings: Settings,
    core: Core,
    caplog: pytest.LogCaptureFixture,
) -> None:
    labs, both = await org_communities(fake, oauth_web, core)  # both: in Labs and Sales
    await synced(oauth_settings, core, labs, both)
    await post(oauth_web, revoked(fake, LABS, SALES, via=SALES, org_wide=True))
    for cid in (labs, both):
        row = await row_of(core, cid)
        assert (row.uninstall_reason, row.lost_workspaces) == (REVOKED, [LABS, SALES])
    assert await intro_jobs(core) == set()
    caplog.set_level(logging.INFO, logger="bot.services.installs")

    await post(oauth_web, granted(fake, SALES))

    back = await row_of(core, both)
    assert (back.uninstalled_at, back.lost_workspaces, back.installed_via) == (None, [LABS], None)
    still = await row_of(core, labs)  # its channel is in Labs only, still lost
    assert (still.uninstall_reason, still.lost_workspaces) == (REVOKED, [LABS])
    assert await intro_jobs(core) == {f"intros:{both}"}
    stays = f"community {labs} (channel {LABS_CHANNEL}) of org {ORG} stays uninstalled"
    assert stays in caplog.text
    assert f"community {both}: installed again" in caplog.text

    second = granted(fake, LABS)
    second["event_id"] = "Ev0TACCGRA2"
    await post(oauth_web, second)
    row = await row_of(core, labs)
    assert (row.uninstalled_at, row.lost_workspaces) == (None, [])
    assert await intro_jobs(core) == {f"intros:{labs}", f"intros:{both}"}


async def test_a_grant_leaves_a_workspace_that_uninstalled_the_app_uninstalled(
    fake: FakeSlack, oauth_web: Web, core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    sales, labs = await org_wide_too(fake, oauth_web, core)
    await post(oauth_web, revoked(fake, SALES, via=SALES, org_wide=True))
    fake.workspace.uninstall(LABS)  # Labs removes its own install: only an install undoes that
    removed = grid.event(fake.workspace, recorded("app_uninstalled"), LABS, org_wide=False)
    await post(oauth_web, removed)
    assert (await row_of(core, labs)).uninstall_reason == "uninstalled"
    caplog.set_level(logging.INFO, logger="bot.services.installs")

    await post(oauth_web, granted(fake, SALES, LABS))

    assert (await row_of(core, sales)).uninstalled_at is None  # the grant was applied
    row = await row_of(core, labs)
    assert (row.uninstall_reason, row.installed_via) == ("uninstalled", None)
    assert await intro_jobs(core) == {f"intros:{sales}"}
    stays = f"community {labs} (channel {LABS_CHANNEL}) stays uninstalled (uninstalled)"
    assert stays in caplog.text
    assert f"communities [{sales}] installed again" in caplog.text


async def test_a_retried_team_access_granted_is_not_applied_twice(
    fake: FakeSlack, oauth_web: Web, core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    sales, labs = await org_wide_too(fake, oauth_web, core)
    caplog.set_level(logging.INFO, logger="adapters.slack.app")
    await post(oauth_web, revoked(fake, LABS, via=SALES, org_wide=False))
    grant = granted(fake, LABS)
    await post(oauth_web, grant)
    assert (await row_of(core, labs)).uninstalled_at is None
    again = revoked(fake, LABS, via=SALES, org_wide=False)
    again["event_id"] = "Ev0TACCREV2"  # the org removes the app from Labs once more
    await post(oauth_web, again)
    marked = await row_of(core, labs)
    assert marked.uninstall_reason == REVOKED

    await post(oauth_web, grant, headers=RETRY)  # Slack retries the grant it thinks failed

    row = await row_of(core, labs)
    assert (row.uninstalled_at, row.uninstall_reason) == (marked.uninstalled_at, REVOKED)
    assert await intro_jobs(core) == {f"intros:{sales}"}
    assert "already handled" in caplog.text


async def test_a_grant_for_workspaces_with_no_community_changes_nothing_and_says_so(
    fake: FakeSlack, oauth_web: Web, core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    sales, labs = await org_wide_too(fake, oauth_web, core)
    await post(oauth_web, revoked(fake, LABS, via=SALES, org_wide=False))
    caplog.set_level(logging.INFO, logger="bot.services.installs")

    await post(oauth_web, granted(fake, "T0GONE0001"))

    assert (await row_of(core, labs)).uninstall_reason == REVOKED
    assert (await row_of(core, sales)).uninstalled_at is None
    said = f"{ORG}: access to workspaces T0GONE0001 granted; no community is registered under them"
    assert said in caplog.text
