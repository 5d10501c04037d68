"""No ghosts: whoever answers none of three introductions in a row is paused and told once, with
"Keep me in"; the likely quiet are the extra member of a group, never one of a pair."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import select

from adapters.console import ConsoleChat
from bot.core import Core
from bot.delivery.codec import decode
from bot.domain import Platform
from bot.events import Actor, ButtonPressed, ConversationMessage, DirectMessage, MemberJoined, Where
from bot.messages import Choices, Text
from bot.ports import Chat, ConversationRef
from bot.services import digest
from bot.services.context import Context
from bot.services.intros import RoundResult
from bot.store import repo
from bot.store.models import GroupRow, MemberRow, OutboxRow
from bot.store.standing import GroupAnswerRow
from bot.texts import copy
from tests.conftest import WHERE, MovableClock, say
from tests.factories import members
from tests.recording import Call, RecordingChat


class DirectChat(RecordingChat):
    """Opens each group as direct messages, one to each person (as on Discord where private
    threads are refused, or across linked servers)."""

    async def open_group(self, people: Sequence[str]) -> ConversationRef:
        self.calls.append(Call("open_group", "+".join(people)))
        return ConversationRef.direct(people)


async def groups_of(core: Core, result: RoundResult) -> list[tuple[GroupRow, list[str]]]:
    async with core.db.session() as session:
        groups = await repo.groups_of_round(session, result.round_id)
        return [
            (g, [m.platform_id for m in await repo.group_members(session, g.id)]) for g in groups
        ]


async def everyone_but(core: Core, result: RoundResult, quiet: set[str]) -> None:
    """Everyone of the round but ``quiet`` taps "We met"."""
    for group, people in await groups_of(core, result):
        for pid in people:
            if pid not in quiet:
                met = ButtonPressed(WHERE, Actor(pid, pid), "outcome", f"{group.id}:met")
                assert isinstance(await core.handle(met), Text)


async def notices(core: Core) -> list[tuple[list[str], Choices]]:
    async with core.db.session() as session:
        rows = (
            await session.scalars(
                select(OutboxRow).where(OutboxRow.key.startswith("quiet:")).order_by(OutboxRow.id)
            )
        ).all()
    shown = [(row.people, decode(row.payload)) for row in rows]
    return [(people, m) for people, m in shown if isinstance(m, Choices)]


def placed(result: RoundResult) -> set[str]:
    return {p for g in result.groups for p in g}


def group_of(result: RoundResult, pid: str) -> tuple[str, ...]:
    return next(g for g in result.groups if pid in g)


async def test_three_unanswered_intros_pause_a_member_who_is_told_once_and_kept_in_by_a_tap(
    core: Core, community: int, clock: MovableClock
) -> None:
    ids = await members(core, 6, teams=3)
    ghost = ids[0]
    for _ in range(3):
        result = await core.run_round(community)
        assert ghost in placed(result)
        await everyone_but(core, result, {ghost})
        clock.advance(weeks=1)
    assert await notices(core) == []

    fourth = await core.run_round(community)
    assert placed(fourth) == set(ids) - {ghost}
    [(people, told)] = await notices(core)
    assert people == [ghost]
    assert told.body == copy("quiet.paused", first_name="Ada", n=3)
    [keep] = told.buttons
    assert keep.label == copy("quiet.keep_me_in")
    status = await core.handle(say(ghost, "status"))
    assert isinstance(status, Text) and copy("state.paused_open") in status.body
    assert copy("digest.quiet", people="1 person") in await digest_text(core, community)

    await everyone_but(core, fourth, set())
    clock.advance(weeks=1)
    fifth = await core.run_round(community)
    assert ghost not in placed(fifth)
    assert len(await notices(core)) == 1  # told once

    pressed = ButtonPressed(WHERE, Actor(ghost, "Ada"), keep.action, keep.value)
    assert await core.handle(pressed) == Text(copy("quiet.kept_in", first_name="Ada"))
    again = await core.handle(pressed)
    assert again == Text(copy("quiet.not_paused", first_name="Ada"))
    clock.advance(weeks=1)
    sixth = await core.run_round(community)
    assert ghost in placed(sixth)
    assert len(group_of(sixth, ghost)) == 2  # counted afresh: not likely quiet any more
    assert len(await notices(core)) == 1


async def digest_text(core: Core, community: int) -> str:
    async with core.db.transaction() as session:
        row = await repo.get_community(session, community)
        assert row is not None
        built = await digest.build(Context(session, core.clock, row, 5))
    return built.text


@pytest.mark.parametrize(("size", "groups"), [(6, [3, 3]), (5, [2, 3])])
async def test_a_likely_quiet_member_is_the_third_of_a_trio_never_one_of_a_pair(
    core: Core, community: int, clock: MovableClock, size: int, groups: list[int]
) -> None:
    ids = await members(core, size, teams=3)
    ghost = ids[-1]
    for _ in range(2):
        result = await core.run_round(community)
        await everyone_but(core, result, {ghost})
        clock.advance(weeks=1)
    third = await core.run_round(community)
    assert placed(third) == set(ids)
    assert sorted(len(g) for g in third.groups) == groups
    assert len(group_of(third, ghost)) == 3
    assert all(len(g) == 2 for g in third.groups if ghost not in g) or size == 6


async def test_a_message_in_the_group_answers_its_introduction(
    core: Core, community: int, clock: MovableClock
) -> None:
    ids = await members(core, 4, teams=2)
    chatty = ids[0]
    for _ in range(3):
        result = await core.run_round(community)
        await core.sender(ConsoleChat(None)).drain(community_id=community, max_wait=5)
        await everyone_but(core, result, {chatty})
        [(group, _)] = [(g, p) for g, p in await groups_of(core, result) if chatty in p]
        assert group.conversation_id
        wrote = ConversationMessage(WHERE, Actor(chatty, "Ada"), group.conversation_id, "m1")
        assert await core.handle(wrote) is None
        clock.advance(weeks=1)
    fourth = await core.run_round(community)
    assert chatty in placed(fourth)
    assert await notices(core) == []


async def test_a_message_elsewhere_or_in_anothers_group_answers_nothing(
    core: Core, community: int, clock: MovableClock
) -> None:
    ids = await members(core, 6, teams=3)
    quiet = ids[0]
    for _ in range(3):
        result = await core.run_round(community)
        await core.sender(ConsoleChat(None)).drain(community_id=community, max_wait=5)
        await everyone_but(core, result, {quiet})
        other = next(g for g, p in await groups_of(core, result) if quiet not in p)
        assert other.conversation_id
        for place in (other.conversation_id, "D-elsewhere"):
            await core.handle(ConversationMessage(WHERE, Actor(quiet, "Ada"), place))
        clock.advance(weeks=1)
    assert quiet not in placed(await core.run_round(community))
    async with core.db.session() as session:
        member = await session.scalar(select(MemberRow).where(MemberRow.platform_id == quiet))
        assert member is not None and member.status == "paused"


async def test_resume_brings_a_quiet_member_back_with_their_count_afresh(
    core: Core, community: int, clock: MovableClock
) -> None:
    ids = await members(core, 6, teams=3)
    ghost = ids[0]
    for _ in range(3):
        await everyone_but(core, await core.run_round(community), {ghost})
        clock.advance(weeks=1)
    assert ghost not in placed(await core.run_round(community))
    assert isinstance(await core.handle(say(ghost, "resume")), Text)
    clock.advance(weeks=1)
    back = await core.run_round(community)
    assert ghost in placed(back) and len(group_of(back, ghost)) == 2


async def test_a_tap_on_a_time_to_meet_answers_its_introduction(
    core: Core, community: int, clock: MovableClock
) -> None:
    ids = await members(core, 4, teams=2)
    tapper = ids[0]
    for _ in range(3):
        result = await core.run_round(community)
        await core.sender(ConsoleChat(None)).drain(community_id=community, max_wait=5)
        await everyone_but(core, result, {tapper})
        [(group, _)] = [(g, p) for g, p in await groups_of(core, result) if tapper in p]
        works = ButtonPressed(WHERE, Actor(tapper, "Ada"), "slot", f"{group.id}:0")
        await core.handle(works)
        clock.advance(weeks=1)
    fourth = await core.run_round(community)
    assert tapper in placed(fourth)
    assert await notices(core) == []


async def answers_of(core: Core, pid: str) -> int:
    """How many introductions ``pid`` answered, in every community."""
    async with core.db.session() as session:
        found = await session.scalars(
            select(GroupAnswerRow)
            .join(MemberRow, MemberRow.id == GroupAnswerRow.member_id)
            .where(MemberRow.platform_id == pid)
        )
        return len(found.all())


async def statuses_of(core: Core, pid: str) -> list[str]:
    async with core.db.session() as session:
        found = await session.scalars(select(MemberRow).where(MemberRow.platform_id == pid))
        return sorted(m.status for m in found.all())


async def test_a_direct_message_answers_the_writers_introductions_by_dm_in_every_community(
    core: Core, community: int, clock: MovableClock
) -> None:
    ids = await members(core, 4, teams=2)
    writer, partner = ids[0], "u900"
    tea = Where(Platform.CONSOLE, WHERE.workspace, "tea")
    second = await core.ensure_community(
        Platform.CONSOLE, tea.workspace, tea.channel, name="Tea", timezone="Europe/London"
    )
    await core.handle(MemberJoined(tea, Actor(writer, "Ada Person0"), "Acme/Dept0/Team0"))
    await core.handle(MemberJoined(tea, Actor(partner, "Tom Other"), "Acme/Dept1/Team1"))
    chat = DirectChat()
    for week in range(3):
        result = await core.run_round(community)
        assert placed(await core.run_round(second)) == {writer, partner}
        for place in (community, second):
            await core.sender(chat).drain(community_id=place, max_wait=5)
        await everyone_but(core, result, {writer})
        [(group, _)] = [(g, p) for g, p in await groups_of(core, result) if writer in p]
        assert group.conversation_id and ConversationRef(group.conversation_id).by_direct_messages
        for pid in (writer, writer, partner):  # the writer's message delivered twice
            wrote = DirectMessage(Platform.CONSOLE, Actor(pid, pid), message=f"m{week}-{pid}")
            assert await core.handle(wrote) is None
        assert await answers_of(core, writer) == 2 * (week + 1)  # one a community, once
        clock.advance(weeks=1)
    assert writer in placed(await core.run_round(community))
    assert placed(await core.run_round(second)) == {writer, partner}
    assert await notices(core) == []
    assert await statuses_of(core, writer) == ["active", "active"]


@pytest.mark.parametrize(
    ("chat", "platform"),
    [(ConsoleChat(None), Platform.CONSOLE), (DirectChat(), Platform.SLACK)],
    ids=["a group the people share", "another platform"],
)
async def test_a_direct_message_answers_no_introduction_in_a_shared_group_or_on_another_platform(
    core: Core, community: int, clock: MovableClock, chat: Chat, platform: Platform
) -> None:
    ids = await members(core, 6, teams=3)
    quiet = ids[0]
    for _ in range(3):
        result = await core.run_round(community)
        await core.sender(chat).drain(community_id=community, max_wait=5)
        await everyone_but(core, result, {quiet})
        assert await core.handle(DirectMessage(platform, Actor(quiet, "Ada"), "m1")) is None
        clock.advance(weeks=1)
    assert await answers_of(core, quiet) == 0
    assert quiet not in placed(await core.run_round(community))
    assert await statuses_of(core, quiet) == ["paused"]
