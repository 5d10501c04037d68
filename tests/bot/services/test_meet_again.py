from __future__ import annotations

from sqlalchemy import select

from bot.core import Core
from bot.delivery.codec import decode
from bot.events import Actor, ButtonPressed
from bot.messages import Choices, Message, Text
from bot.store import repo
from bot.store.models import OutboxRow
from tests.bot.services.test_digest import build
from tests.conftest import WHERE, MovableClock
from tests.factories import members
from tests.recording import RecordingChat


def press(who: str, action: str, value: str) -> ButtonPressed:
    return ButtonPressed(WHERE, Actor(who, who.capitalize()), action, value)


def body(reply: Message | None) -> str:
    assert isinstance(reply, Text), reply
    return reply.body


async def a_group_that_met(core: Core, community: int, people: int = 2) -> tuple[int, list[str]]:
    """A round of ``people`` members; the first group says it met. Its id and members."""
    await members(core, people, teams=2)
    result = await core.run_round(community)
    group = result.groups[0]
    async with core.db.session() as session:
        row = await session.scalar(
            select(OutboxRow).where(OutboxRow.kind == "intro").order_by(OutboxRow.id).limit(1)
        )
    assert row is not None and row.group_id is not None
    await core.handle(press(group[0], "outcome", f"{row.group_id}:met"))
    return row.group_id, list(group)


async def outbox(core: Core, key_prefix: str) -> list[OutboxRow]:
    async with core.db.session() as session:
        rows = await session.scalars(
            select(OutboxRow).where(OutboxRow.key.startswith(key_prefix)).order_by(OutboxRow.id)
        )
        return list(rows.all())


async def test_we_met_asks_the_group_once_whether_to_meet_again(core: Core, community: int) -> None:
    group_id, people = await a_group_that_met(core, community)
    await core.handle(press(people[1], "outcome", f"{group_id}:met"))  # a second "met"
    [ask] = await outbox(core, "meet-again-ask:")
    assert sorted(ask.people) == sorted(people) and ask.group_id == group_id
    message = decode(ask.payload)
    assert isinstance(message, Choices)
    assert "Meet again in 6 weeks?" in message.body
    assert [(b.action, b.value) for b in message.buttons] == [
        ("meet_again", f"{group_id}:yes"),
        ("meet_again", f"{group_id}:no"),
    ]


async def test_when_both_say_yes_one_reminder_goes_to_the_group_six_weeks_later(
    core: Core, community: int, clock: MovableClock
) -> None:
    group_id, (ada, bo) = await a_group_that_met(core, community)
    chat = RecordingChat()
    await core.sender(chat).drain()
    first = body(await core.handle(press(ada, "meet_again", f"{group_id}:yes")))
    assert "once everyone says yes" in first
    second = body(await core.handle(press(bo, "meet_again", f"{group_id}:yes")))
    assert "Everyone said yes" in second and "Monday 15 February 2027" in second
    async with core.db.session() as session:
        groups_before = await repo.past_groups(session, community, 1)
    clock.advance(weeks=6, minutes=-1)
    assert "meet-again" not in await core.run_job("sweep", community)
    assert await outbox(core, "meet-again:") == []
    clock.advance(minutes=1)
    assert "1 meet-again reminder queued" in await core.run_job("sweep", community)
    clock.advance(hours=1)
    assert "meet-again" not in await core.run_job("sweep", community)
    [reminder] = await outbox(core, "meet-again:")
    assert sorted(reminder.people) == sorted((ada, bo))
    await core.sender(chat).drain()
    sends = [c for c in chat.sends() if isinstance(c.message, Text)]
    assert [s.message.body for s in sends if isinstance(s.message, Text)] == [
        "Hi Ada and Grace: six weeks ago you said you'd meet again. Time to find a slot?"
    ]
    intro = chat.sends()[0]
    assert sends[0].conversation == intro.conversation  # in their group
    async with core.db.session() as session:
        # Outside rounds: no group is added, so pairing sees no tie and no repeat.
        assert await repo.past_groups(session, community, 1) == groups_before


async def test_one_no_ends_it_quietly_and_later_presses_are_told_it_is_settled(
    core: Core, community: int, clock: MovableClock
) -> None:
    group_id, (ada, bo) = await a_group_that_met(core, community)
    await core.handle(press(ada, "meet_again", f"{group_id}:yes"))
    declined = body(await core.handle(press(bo, "meet_again", f"{group_id}:no")))
    assert declined == "Noted, Grace: no reminder, then."
    stale = body(await core.handle(press(ada, "meet_again", f"{group_id}:yes")))
    assert stale == "That's settled already, Ada: this group won't get a reminder."
    clock.advance(weeks=7)
    await core.run_job("sweep", community)
    assert await outbox(core, "meet-again:") == []
    asks = await outbox(core, "meet-again-ask:")
    assert len(asks) == 1  # the no sent nothing to the group


async def test_stale_and_stray_presses_get_a_clear_answer_and_change_nothing(
    core: Core, community: int
) -> None:
    group_id, (ada, bo) = await a_group_that_met(core, community)
    await core.handle(press(ada, "meet_again", f"{group_id}:yes"))
    await core.handle(press(bo, "meet_again", f"{group_id}:yes"))
    settled = body(await core.handle(press(bo, "meet_again", f"{group_id}:no")))
    assert settled.startswith("That's settled already, Grace: everyone said yes")
    outsider = body(await core.handle(press("zed", "meet_again", f"{group_id}:yes")))
    assert outsider == f"You weren't in introduction {group_id}, Zed, so nothing was recorded."
    unknown = body(await core.handle(press(ada, "meet_again", "999:yes")))
    assert unknown.startswith("Introduction 999 has no question about meeting again")
    junk = body(await core.handle(press(ada, "meet_again", f"{group_id}:maybe")))
    assert junk.startswith(f"“{group_id}:maybe” is not an answer to meeting again")


async def test_a_group_asked_nothing_yet_cannot_be_answered(core: Core, community: int) -> None:
    await members(core, 2, teams=2)
    result = await core.run_round(community)
    async with core.db.session() as session:
        row = await session.scalar(select(OutboxRow).where(OutboxRow.kind == "intro"))
    assert row is not None
    reply = body(await core.handle(press(result.groups[0][0], "meet_again", f"{row.group_id}:yes")))
    assert "has no question about meeting again" in reply


async def test_a_trio_meets_again_only_when_all_three_say_yes(
    core: Core, community: int, clock: MovableClock
) -> None:
    group_id, people = await a_group_that_met(core, community, people=3)
    assert len(people) == 3
    for who in people[:2]:
        assert "once everyone says yes" in body(
            await core.handle(press(who, "meet_again", f"{group_id}:yes"))
        )
    assert "Everyone said yes" in body(
        await core.handle(press(people[2], "meet_again", f"{group_id}:yes"))
    )


async def test_the_digest_reports_the_share_that_met_and_of_those_the_share_that_meets_again(
    core: Core, community: int, clock: MovableClock
) -> None:
    await members(core, 8, teams=4)
    await core.run_round(community)
    async with core.db.session() as session:
        rows = (
            await session.scalars(
                select(OutboxRow).where(OutboxRow.kind == "intro").order_by(OutboxRow.id)
            )
        ).all()
    groups = [(r.group_id, r.people) for r in rows]
    assert len(groups) == 4
    for group_id, people in groups[:2]:  # two of four met
        await core.handle(press(people[0], "outcome", f"{group_id}:met"))
    first, people = groups[0]
    for who in people:  # of those, one chose to meet again
        await core.handle(press(who, "meet_again", f"{first}:yes"))
    second, others = groups[1]
    await core.handle(press(others[0], "meet_again", f"{second}:no"))
    built = await build(core, community)
    assert (
        "Ties that last: of 4 introductions so far, 2 met (50%); of those, 1 chose to meet "
        "again (50%)." in built.text
    )
