"""Slack's ``app_uninstalled`` and ``tokens_revoked``, signed and posted to the real HTTP endpoint
(and over Socket Mode): the workspace's tokens leave the installation store, its communities are
marked uninstalled with their messages dead, and an OAuth install again clears the mark."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from adapters.slack import oauth, serve
from bot.core import Core
from bot.delivery import outbox
from bot.domain import Platform
from bot.events import Installed
from bot.messages import Text
from bot.settings import Settings
from bot.store import repo
from bot.store.models import CommunityRow
from tests.adapters.slack.conftest import OTHER, TEAM, Web, install, recorded
from tests.fakes.slack.delivery import deliver
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.state import SIGNING_SECRET

RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def event(name: str, team: str) -> dict[str, Any]:
    return recorded(name, team_id=team)


async def a_community_with_a_message(core: Core, team: str, channel: str) -> int:
    cid = await core.ensure_community(Platform.SLACK, team, channel, name="Coffee")
    async with core.db.session() as session, session.begin():
        await outbox.enqueue(
            session,
            community_id=cid,
            key=f"hello-{cid}",
            kind="text",
            message=Text("hello"),
            conversation_id=channel,
        )
    return cid


async def row_of(core: Core, cid: int) -> CommunityRow:
    async with core.db.session() as session:
        row = await repo.get_community(session, cid)
    assert row is not None
    return row


async def dead_reasons(core: Core) -> list[str | None]:
    async with core.db.session() as session:
        status = await outbox.status(session)
    return [reason for _, reason in status.dead_reasons]


async def test_an_uninstall_over_http_deletes_the_tokens_and_an_install_again_clears_the_mark(
    fake: FakeSlack, oauth_web: Web, oauth_settings: Settings, core: Core
) -> None:
    await install(fake, oauth_web, OTHER)
    cid = await a_community_with_a_message(core, OTHER, "C0OTHER001")
    held = oauth.stores(oauth_settings, core.db.engine)
    assert await held.bot_token(OTHER)

    fake.workspace.uninstall(OTHER)  # Slack revokes the tokens, then tells the app
    revoked = await deliver(
        oauth_web.events, "event", event("tokens_revoked", OTHER), secret=SIGNING_SECRET
    )
    removed = await deliver(
        oauth_web.events, "event", event("app_uninstalled", OTHER), secret=SIGNING_SECRET
    )

    assert (revoked[0], removed[0]) == (200, 200)
    assert await held.installations.async_find_bot(enterprise_id=None, team_id=OTHER) is None
    row = await row_of(core, cid)
    assert row.uninstalled_at is not None
    assert row.uninstall_reason == "tokens revoked"  # the first of the two to arrive
    assert await dead_reasons(core) == ["tokens revoked: not sent"]

    status, _ = await install(fake, oauth_web, OTHER)
    assert status == 200
    row = await row_of(core, cid)
    assert (row.uninstalled_at, row.installed_via) == (None, "oauth")
    assert await held.bot_token(OTHER)


async def test_an_uninstall_leaves_the_other_workspaces_alone(
    fake: FakeSlack, oauth_web: Web, oauth_settings: Settings, core: Core
) -> None:
    await install(fake, oauth_web, OTHER)
    ours = await a_community_with_a_message(core, OTHER, "C0OTHER001")
    theirs = await a_community_with_a_message(core, "T0THIRD01", "C0THIRD001")
    removed = await deliver(
        oauth_web.events, "event", event("app_uninstalled", OTHER), secret=SIGNING_SECRET
    )
    assert removed[0] == 200
    assert (await row_of(core, ours)).uninstalled_at is not None
    assert (await row_of(core, theirs)).uninstalled_at is None
    async with core.db.session() as session:
        assert (await outbox.status(session)).pending == 1


async def test_revoking_only_peoples_tokens_uninstalls_nothing(
    fake: FakeSlack, web: Web, core: Core
) -> None:
    cid = await a_community_with_a_message(core, TEAM, "C0COFFEE01")
    body = event("tokens_revoked", TEAM)
    body["event"]["tokens"] = {"oauth": ["U0INSTALLER"]}
    assert (await deliver(web.events, "event", body, secret=SIGNING_SECRET))[0] == 200
    assert (await row_of(core, cid)).uninstalled_at is None


async def test_a_late_retry_of_an_uninstall_already_handled_does_not_undo_an_install_again(
    fake: FakeSlack, web: Web, core: Core
) -> None:
    cid = await a_community_with_a_message(core, TEAM, "C0COFFEE01")
    body = event("app_uninstalled", TEAM)
    assert (await deliver(web.events, "event", body, secret=SIGNING_SECRET))[0] == 200
    assert (await row_of(core, cid)).uninstalled_at is not None
    await core.installation(Installed(Platform.SLACK, TEAM))  # installed again meanwhile
    again = await deliver(web.events, "event", body, secret=SIGNING_SECRET, headers=RETRY)
    assert again[0] == 200
    assert (await row_of(core, cid)).uninstalled_at is None


async def test_an_uninstall_over_socket_mode_marks_the_workspaces_communities(
    fake: FakeSlack, slack_settings: Settings, core: Core
) -> None:
    cid = await a_community_with_a_message(core, TEAM, "C0COFFEE01")
    running = asyncio.create_task(serve(slack_settings, core))
    try:
        envelope = await fake.push("events_api", event("app_uninstalled", TEAM))
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
    assert envelope.acked.is_set()
    assert (await row_of(core, cid)).uninstall_reason == "uninstalled"
    assert await dead_reasons(core) == ["uninstalled: not sent"]
