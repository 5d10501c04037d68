"""A community uninstalled by its platform: its jobs stop, its undelivered messages die with the
reason and stay dead, its people's data is purged after the grace period (the movable clock
crosses it), and an install again within the grace keeps everything."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.core import Core
from bot.delivery import outbox
from bot.delivery.scheduler import desired_jobs
from bot.domain import Platform
from bot.events import AccessGranted, AccessRevoked, Installed, Uninstalled
from bot.services import installs
from bot.services.installs import describe
from bot.store import repo
from bot.store.models import CommunityRow, MemberRow, OutboxRow, RoundRow
from tests.conftest import WHERE, MovableClock
from tests.factories import members

GONE = Uninstalled(Platform.CONSOLE, WHERE.workspace, "uninstalled")
BACK = Installed(Platform.CONSOLE, WHERE.workspace)


async def a_community_with_a_round(core: Core, community: int) -> None:
    await members(core, 6, 3)
    result = await core.run_round(community)
    assert result.groups


async def count(core: Core, table: type[MemberRow | RoundRow | OutboxRow], cid: int) -> int:
    async with core.db.session() as session:
        found = await session.scalar(
            select(func.count()).select_from(table).where(table.community_id == cid)
        )
    return int(found or 0)


async def row_of(core: Core, cid: int) -> CommunityRow:
    async with core.db.session() as session:
        row = await repo.get_community(session, cid)
    assert row is not None
    return row


async def test_an_uninstall_stops_the_communitys_jobs_and_its_messages_die_with_the_reason(
    core: Core, community: int
) -> None:
    other = await core.ensure_community(Platform.CONSOLE, "elsewhere", "tea", name="Tea")
    await a_community_with_a_round(core, community)
    before = {spec.id for spec in await desired_jobs(core.db)}
    assert {f"intros:{community}", f"digest:{community}", f"intros:{other}"} <= before

    assert await core.installation(GONE, once="console:gone-1") == [community]

    after = {spec.id for spec in await desired_jobs(core.db)}
    assert not any(job.endswith(f":{community}") for job in after)
    assert {f"intros:{other}", "purge"} <= after
    async with core.db.session() as session:
        states = (
            await session.execute(
                select(OutboxRow.status, OutboxRow.last_error).where(
                    OutboxRow.community_id == community
                )
            )
        ).all()
    assert states and set(states) == {("dead", "uninstalled: not sent")}
    done = await core.run_job("intros", community, force=True)
    assert "uninstalled" in done
    assert await count(core, RoundRow, community) == 1  # no second round


async def test_outbox_retry_leaves_an_uninstalled_communitys_messages_dead_until_it_is_back(
    core: Core, community: int
) -> None:
    await a_community_with_a_round(core, community)
    queued = await count(core, OutboxRow, community)
    await core.installation(GONE)
    async with core.db.session() as session, session.begin():
        assert await outbox.retry(session, dead=True) == 0
        assert await outbox.held_back(session) == queued
    await core.installation(BACK)
    async with core.db.session() as session, session.begin():
        assert await outbox.retry(session, dead=True) == queued


async def test_a_repeated_delivery_of_the_uninstall_changes_nothing(
    core: Core, community: int, clock: MovableClock
) -> None:
    await core.installation(GONE, once="console:gone-1")
    first = (await row_of(core, community)).uninstalled_at
    clock.advance(hours=2)
    assert await core.installation(GONE, once="console:gone-1") == []
    revoked = Uninstalled(Platform.CONSOLE, WHERE.workspace, "tokens revoked")
    await core.installation(revoked, once="console:revoked-1")  # the other event, later
    row = await row_of(core, community)
    assert (row.uninstalled_at, row.uninstall_reason) == (first, "uninstalled")


async def test_the_peoples_data_is_purged_once_the_grace_period_has_passed(
    core: Core, community: int, clock: MovableClock
) -> None:
    await a_community_with_a_round(core, community)
    await core.installation(GONE)
    clock.advance(days=29)
    assert await core.run_job("purge", 0) == "nothing to purge"
    assert await count(core, MemberRow, community) == 6
    shown = describe(await row_of(core, community), core.uninstall_grace)
    assert "is purged on 2027-02-03" in shown

    clock.advance(days=1, minutes=1)
    assert str(community) in await core.run_job("purge", 0)

    for table in (MemberRow, RoundRow, OutboxRow):
        assert await count(core, table, community) == 0, table
    row = await row_of(core, community)
    assert row.name == "Acme" and row.purged_at is not None  # the community and its settings stay
    assert "was purged on 2027-02-03" in describe(row, core.uninstall_grace)
    assert await core.run_job("purge", 0) == "nothing to purge"


async def test_an_install_again_within_the_grace_keeps_the_data_and_restarts_the_jobs(
    core: Core, community: int, clock: MovableClock
) -> None:
    await a_community_with_a_round(core, community)
    await core.installation(GONE)
    clock.advance(days=10)
    assert await core.installation(BACK) == [community]
    clock.advance(days=60)
    assert await core.run_job("purge", 0) == "nothing to purge"
    assert await count(core, MemberRow, community) == 6
    assert await count(core, RoundRow, community) == 1
    assert f"intros:{community}" in {spec.id for spec in await desired_jobs(core.db)}
    assert describe(await row_of(core, community), core.uninstall_grace) == ""


async def test_an_uninstall_turns_the_llm_off_for_the_admin_to_turn_on_again(
    core: Core, community: int
) -> None:
    async with core.db.session() as session, session.begin():
        row = await repo.get_community(session, community)
        assert row is not None
        row.llm_enabled = True
    await core.installation(GONE)
    await core.installation(BACK)
    assert (await row_of(core, community)).llm_enabled is False


async def test_a_grant_of_access_brings_back_only_what_a_revocation_of_access_marked(
    core: Core,
) -> None:
    """Two organisations' communities, each channel in workspace T1: the app uninstalled from
    the second org before T1 was revoked from both; T1 granted back, only the first returns."""
    first = await core.ensure_community(Platform.CONSOLE, "E0ONE", "one", name="One")
    second = await core.ensure_community(Platform.CONSOLE, "E0TWO", "two", name="Two")
    async with core.db.transaction() as session:
        for cid in (first, second):
            await installs.locate(session, cid, ["T1"])
    await core.installation(Uninstalled(Platform.CONSOLE, "E0TWO", "uninstalled"))
    for org in ("E0ONE", "E0TWO"):
        await core.installation(AccessRevoked(Platform.CONSOLE, org, ("T1",), "access revoked"))
    assert (await row_of(core, first)).uninstall_reason == "access revoked"

    back = [
        await core.installation(AccessGranted(Platform.CONSOLE, org, ("T1",), "access revoked"))
        for org in ("E0ONE", "E0TWO")
    ]

    assert back == [[first], []]
    assert (await row_of(core, first)).uninstalled_at is None
    kept = await row_of(core, second)
    assert (kept.uninstall_reason, kept.lost_workspaces) == ("uninstalled", [])
