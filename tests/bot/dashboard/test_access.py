"""Who opens the dashboard: one-use links that expire, sessions that end, one community each."""

from __future__ import annotations

import pytest

from bot.core import Core
from bot.dashboard import access
from bot.dashboard.app import Dashboard
from bot.domain import Platform, Role
from bot.events import Actor, CommandInvoked
from bot.messages import Text
from bot.store import repo
from bot.web import ASGIApp
from tests.bot.dashboard.asgi import call
from tests.bot.dashboard.conftest import ADMIN, BASE, LEAD, link_for
from tests.conftest import WHERE, MovableClock, say


async def test_a_lead_opens_the_link_once_into_an_eight_hour_session(
    core: Core, history: int, app: ASGIApp
) -> None:
    link = await link_for(core)
    opened = await call(app, link)
    assert opened.status == 303 and opened.headers["location"] == f"/dashboard/{history}/"
    cookie = opened.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=28800" in cookie
    assert "Secure" not in cookie  # http: the browser would drop a Secure cookie
    page = await call(app, opened.headers["location"], cookie=opened.cookie())
    assert page.status == 200 and "Overview" in page.text
    again = await call(app, link)
    assert again.status == 403 and "used already" in again.text
    assert "set-cookie" not in again.headers


async def test_the_cookie_is_secure_when_the_dashboard_is_served_over_https(
    core: Core, history: int, clock: MovableClock
) -> None:
    secure = Dashboard(core.db, clock=clock, base_url="https://bw.example.org").mounted(None)
    opened = await call(secure, await link_for(core))
    assert "; Secure" in opened.headers["set-cookie"]


async def test_an_expired_link_is_refused_and_so_is_an_expired_session(
    core: Core, history: int, app: ASGIApp, clock: MovableClock
) -> None:
    stale = await link_for(core)
    clock.advance(minutes=15, seconds=1)
    refused = await call(app, stale)
    assert refused.status == 403 and "expired" in refused.text
    assert "set-cookie" not in refused.headers
    opened = await call(app, await link_for(core))
    clock.advance(hours=7, minutes=59)
    assert (await call(app, f"/dashboard/{history}/", cookie=opened.cookie())).status == 200
    clock.advance(minutes=2)
    late = await call(app, f"/dashboard/{history}/", cookie=opened.cookie())
    assert late.status == 403 and "expired" in late.text


async def test_an_unknown_or_forged_link_or_cookie_opens_nothing(
    core: Core, history: int, app: ASGIApp
) -> None:
    assert (await call(app, "/dashboard/login/not-a-token")).status == 403
    assert (await call(app, f"/dashboard/{history}/")).status == 403
    forged = await call(app, f"/dashboard/{history}/", cookie="bridgework_dashboard=forged")
    assert forged.status == 403 and "Digest" not in forged.text


async def test_a_member_gets_no_link_and_a_link_cannot_be_issued_to_a_member(
    core: Core, history: int
) -> None:
    refused = await core.handle(say("platform0", "dashboard"))
    assert isinstance(refused, Text) and "for leads of this community" in refused.body
    assert "/dashboard/login/" not in refused.body
    async with core.db.transaction() as session:
        with pytest.raises(access.AccessRefused):
            await access.issue(session, history, "platform0", Role.MEMBER, core.clock())


async def test_without_dashboard_url_the_command_says_how_to_set_it(
    core: Core, history: int
) -> None:
    core.dispatcher.dashboard_url = None
    reply = await core.handle(CommandInvoked(WHERE, LEAD, "dashboard"))
    assert isinstance(reply, Text) and "DASHBOARD_URL=" in reply.body
    assert "/dashboard/login/" not in reply.body


async def test_revoking_the_role_ends_the_session_at_once(
    core: Core, history: int, app: ASGIApp
) -> None:
    opened = await call(app, await link_for(core))
    unused = await link_for(core)
    page = f"/dashboard/{history}/"
    assert (await call(app, page, cookie=opened.cookie())).status == 200
    await core.handle(CommandInvoked(WHERE, ADMIN, "role revoke @lead lead"))
    ended = await call(app, page, cookie=opened.cookie())
    assert ended.status == 403 and "Overview" not in ended.text
    assert (await call(app, unused)).status == 403


async def test_a_grant_taken_away_without_the_command_is_noticed_on_the_next_request(
    core: Core, history: int, app: ASGIApp
) -> None:
    opened = await call(app, await link_for(core))
    async with core.db.transaction() as session:
        await repo.revoke_role(session, history, LEAD.platform_id, Role.LEAD)
    refused = await call(app, f"/dashboard/{history}/network", cookie=opened.cookie())
    assert refused.status == 403 and "for leads and admins" in refused.text


async def test_unlinking_a_platform_role_ends_the_sessions_it_opened(
    core: Core, history: int, app: ASGIApp
) -> None:
    await core.handle(CommandInvoked(WHERE, ADMIN, 'role link lead "Leads"'))
    holder = Actor("linked", "Lin Linked", platform_roles=frozenset({"Leads"}))
    opened = await call(app, await link_for(core, holder))
    assert (await call(app, f"/dashboard/{history}/", cookie=opened.cookie())).status == 200
    await core.handle(CommandInvoked(WHERE, ADMIN, 'role unlink lead "Leads"'))
    assert (await call(app, f"/dashboard/{history}/", cookie=opened.cookie())).status == 403


async def test_signing_out_ends_the_session(core: Core, history: int, app: ASGIApp) -> None:
    opened = await call(app, await link_for(core))
    out = await call(app, "/dashboard/logout", method="POST", cookie=opened.cookie())
    assert out.status == 200 and "Max-Age=0" in out.headers["set-cookie"]
    assert (await call(app, f"/dashboard/{history}/", cookie=opened.cookie())).status == 403


async def test_ids_of_another_community_in_the_url_reach_nothing(
    core: Core, history: int, app: ASGIApp
) -> None:
    other = await core.ensure_community(
        Platform.CONSOLE, "globex", "lounge", name="Globex", timezone="UTC"
    )
    async with core.db.transaction() as session:
        await repo.grant_role(session, other, LEAD.platform_id, Role.ADMIN)
    opened = await call(app, await link_for(core))
    for path in ("/", "/network", "/themes", "/rounds", "/csv/summary.csv", "/csv/groups.csv"):
        seen = await call(app, f"/dashboard/{other}{path}", cookie=opened.cookie())
        assert seen.status == 404, path
        assert "Globex" not in seen.text
    home = await call(app, "/dashboard/", cookie=opened.cookie())
    assert home.headers["location"] == f"/dashboard/{history}/"


async def test_a_lead_sees_no_rounds_page_and_no_groups_csv_but_an_admin_does(
    core: Core, history: int, app: ASGIApp
) -> None:
    lead = (await call(app, await link_for(core))).cookie()
    assert (await call(app, f"/dashboard/{history}/rounds", cookie=lead)).status == 403
    assert (await call(app, f"/dashboard/{history}/csv/groups.csv", cookie=lead)).status == 404
    overview = await call(app, f"/dashboard/{history}/", cookie=lead)
    assert f'/dashboard/{history}/rounds"' not in overview.text
    admin = (await call(app, await link_for(core, ADMIN))).cookie()
    rounds = await call(app, f"/dashboard/{history}/rounds", cookie=admin)
    assert rounds.status == 200 and "Round 2" in rounds.text and "Round 1" in rounds.text
    assert "Person (Platform)" in rounds.text  # first name and team
    groups = await call(app, f"/dashboard/{history}/csv/groups.csv", cookie=admin)
    assert groups.status == 200 and groups.text.count("\r\n") == 1 + 2 * 12  # 12 people a round


async def test_a_link_is_not_a_session_and_a_session_is_not_a_link(
    core: Core, history: int, app: ASGIApp
) -> None:
    link = await link_for(core)
    token = link.removeprefix(access.LOGIN_PATH)
    as_cookie = await call(app, f"/dashboard/{history}/", cookie=f"bridgework_dashboard={token}")
    assert as_cookie.status == 403
    opened = await call(app, link)
    session_token = opened.cookie().split("=", 1)[1]
    assert (await call(app, access.LOGIN_PATH + session_token)).status == 403
    assert BASE  # the links name the configured address (see link_for)
