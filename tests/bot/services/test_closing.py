"""Closing introductions' group DMs: once their round ran more than `close-dms-after` days ago
(30 by default) and their follow-up has gone out, each once; a rate limit is waited out or left
to the next run, a conversation the platform cannot find is marked done; a platform with nothing
to close is skipped."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from bot.core import Core
from bot.errors import DeliveryError, PlatformUnavailable, RateLimited, Undeliverable
from bot.messages import Text
from bot.ports import ClosesGroups, ConversationRef
from bot.store.models import CommunityRow, GroupRow
from bot.texts import copy
from tests.bot.services.test_on_demand import an_on_demand_pair
from tests.conftest import MovableClock, say
from tests.factories import all_answer, members
from tests.recording import RecordingChat

BOSS = "boss"


@dataclass
class ClosingChat(RecordingChat):
    """A recording Chat that also closes group conversations; ``close_failures`` come first."""

    closed: list[str] = field(default_factory=list)
    close_failures: list[DeliveryError] = field(default_factory=list)

    async def close_group(self, where: ConversationRef) -> bool:
        if self.close_failures:
            raise self.close_failures.pop(0)
        self.closed.append(where.id)
        return True


async def a_round(
    core: Core, community: int, chat: RecordingChat, *, followups: bool = True
) -> set[str]:
    """Run today's round, deliver its intros, then (three days on) its follow-ups; the
    conversations of its groups."""
    result = await core.run_round(community)
    await all_answer(core, result)
    await core.sender(chat).drain()
    if followups:
        await core.run_job("followups", community)
        await core.sender(chat).drain()
    async with core.db.session() as session:
        rows = await session.scalars(select(GroupRow).where(GroupRow.round_id == result.round_id))
        return {g.conversation_id for g in rows if g.conversation_id}


async def closed_marks(core: Core) -> dict[str, bool]:
    async with core.db.session() as session:
        rows = (await session.scalars(select(GroupRow))).all()
    return {g.conversation_id or f"group {g.id}": g.closed_at is not None for g in rows}


async def admin(core: Core, text: str) -> str:
    reply = await core.handle(say(BOSS, text, admin=True))
    assert isinstance(reply, Text), reply
    return reply.body


async def test_group_dms_older_than_30_days_are_closed_once_and_younger_ones_not(
    core: Core, community: int, clock: MovableClock
) -> None:
    chat = ClosingChat()
    assert isinstance(chat, ClosesGroups)
    await members(core, 6, teams=3)
    first = await a_round(core, community, chat)  # Monday 4 January
    clock.advance(weeks=1)
    second = await a_round(core, community, chat)  # Monday 11 January
    assert len(first) == len(second) == 3 and not first & second
    clock.advance(days=23)  # 3 February: round 1 ran 30 days ago, not more
    assert (await core.close_groups(community, chat)).closed == 0
    clock.advance(days=1)
    done = await core.close_groups(community, chat)
    assert (done.closed, done.left) == (3, 0)
    assert set(chat.closed) == first
    again = await core.close_groups(community, chat)
    assert again.closed == 0 and len(chat.closed) == 3
    clock.advance(weeks=1)
    await core.close_groups(community, chat)
    assert set(chat.closed) == first | second and len(chat.closed) == 6
    assert all((await closed_marks(core)).values())


async def test_a_group_is_not_closed_before_its_follow_up_has_gone_out(
    core: Core, community: int, clock: MovableClock
) -> None:
    chat = ClosingChat()
    await members(core, 4, teams=2)
    groups = await a_round(core, community, chat, followups=False)
    clock.advance(days=40)
    assert (await core.close_groups(community, chat)).closed == 0  # not asked yet
    await core.run_job("followups", community)
    assert (await core.close_groups(community, chat)).closed == 0  # asked, not yet sent
    await core.sender(chat).drain()
    assert (await core.close_groups(community, chat)).closed == 2
    assert set(chat.closed) == groups


async def test_the_setting_is_respected_off_never_closes_and_bad_input_changes_nothing(
    core: Core, community: int, clock: MovableClock
) -> None:
    chat = ClosingChat()
    await members(core, 4, teams=2)
    groups = await a_round(core, community, chat)
    reply = await admin(core, "set close-dms-after off")
    assert reply == copy("set.close_dms_elsewhere", value="never")  # a console community
    clock.advance(days=400)
    assert (await core.close_groups(community, chat)).closed == 0
    refused = await admin(core, "set close-dms-after soon")
    assert "is not a number of days" in refused and "set close-dms-after 30" in refused
    assert "is not a number of days" in await admin(core, "set close-dms-after 366")
    async with core.db.session() as session:
        row = await session.get(CommunityRow, community)
        assert row is not None and row.close_dms_after == 0
    await admin(core, "set close-dms-after 7d")
    assert (await core.close_groups(community, chat)).closed == 2
    assert set(chat.closed) == groups


async def test_a_week_setting_closes_after_a_week_and_not_before(
    core: Core, community: int, clock: MovableClock
) -> None:
    chat = ClosingChat()
    await members(core, 4, teams=2)
    await admin(core, "set close-dms-after 7")
    await a_round(core, community, chat)
    clock.advance(days=7)
    assert (await core.close_groups(community, chat)).closed == 0
    clock.advance(days=1)
    assert (await core.close_groups(community, chat)).closed == 2


async def test_a_rate_limit_is_waited_out_and_a_long_one_left_to_the_next_run(
    core: Core, community: int, clock: MovableClock
) -> None:
    chat = ClosingChat(close_failures=[RateLimited(0.01, scope="platform")])
    await members(core, 6, teams=3)
    groups = await a_round(core, community, chat)
    clock.advance(days=31)
    done = await core.close_groups(community, chat)
    assert (done.closed, done.left) == (3, 0) and set(chat.closed) == groups
    # A later round: a limit that outlasts the waits stops the run, and the next one resumes.
    clock.advance(weeks=1)
    later = await a_round(core, community, chat)
    clock.advance(days=31)
    chat.close_failures = [RateLimited(0.01)] * 4
    stopped = await core.close_groups(community, chat)
    assert (stopped.closed, stopped.left) == (0, 3) and "rate limited" in stopped.why
    assert len(chat.closed) == 3
    resumed = await core.close_groups(community, chat)
    assert resumed.closed == 3 and set(chat.closed) == groups | later


async def test_a_conversation_not_found_is_marked_done_and_an_outage_waits(
    core: Core, community: int, clock: MovableClock
) -> None:
    chat = ClosingChat()
    await members(core, 4, teams=2)
    groups = sorted(await a_round(core, community, chat))
    clock.advance(days=31)
    chat.close_failures = [PlatformUnavailable("conversations.close: HTTP 503")]
    down = await core.close_groups(community, chat)
    assert (down.closed, down.left) == (0, 2) and not any((await closed_marks(core)).values())
    chat.close_failures = [Undeliverable("conversations.close: channel_not_found")]
    done = await core.close_groups(community, chat)
    assert (done.closed, done.gone, done.left) == (1, 1, 0)
    assert chat.closed == [groups[1]]
    assert all((await closed_marks(core)).values())
    assert (await core.close_groups(community, chat)).closed == 0  # not tried again


async def test_a_platform_with_nothing_to_close_is_skipped(
    core: Core, community: int, clock: MovableClock
) -> None:
    chat = RecordingChat()
    assert not isinstance(chat, ClosesGroups)
    await members(core, 4, teams=2)
    await a_round(core, community, chat)
    clock.advance(days=31)
    done = await core.close_groups(community, chat)
    assert done.closed == 0 and done.why == "nothing to close on this platform"
    assert not any((await closed_marks(core)).values())


async def test_an_on_demand_group_waits_for_its_own_follow_up_or_for_its_window_to_pass(
    core: Core, community: int, clock: MovableClock
) -> None:
    chat = ClosingChat()
    await admin(core, "set close-dms-after 1")
    ada, priya, _ = await an_on_demand_pair(core)
    await core.sender(chat).drain()  # the intro is sent now; its follow-up is due in 3 days
    [conversation] = {c.conversation for c in chat.sends()}
    clock.advance(days=2)
    assert (await core.close_groups(community, chat)).closed == 0  # not asked yet
    clock.advance(days=1)
    assert "1 on-demand follow-up queued" in await core.run_job("sweep", community)
    assert (await core.close_groups(community, chat)).closed == 0  # asked, not yet sent
    await core.sender(chat).drain()
    assert (await core.close_groups(community, chat)).closed == 1
    assert chat.closed == [conversation]


async def test_an_on_demand_group_never_asked_is_closed_once_its_follow_up_can_no_longer_come(
    core: Core, community: int, clock: MovableClock
) -> None:
    chat = ClosingChat()
    await admin(core, "set close-dms-after 1")
    await an_on_demand_pair(core)
    await core.sender(chat).drain()
    clock.advance(days=10, minutes=-1)  # no sweep ran: in 3 days and a week it may yet ask
    assert (await core.close_groups(community, chat)).closed == 0
    clock.advance(minutes=1)
    assert (await core.close_groups(community, chat)).closed == 1
