from __future__ import annotations

from sqlalchemy import func, select

from bot.core import Core
from bot.delivery.codec import decode
from bot.events import Actor, ButtonPressed, MemberJoined
from bot.messages import Choices, Intro, Text, plain_text
from bot.store import repo
from bot.store.models import CommunityRow, OutboxRow, OutcomeRow
from tests.conftest import WHERE, MovableClock, say
from tests.factories import members
from tests.recording import RecordingChat


async def test_a_round_puts_every_available_member_in_exactly_one_group(
    core: Core, community: int
) -> None:
    ids = await members(core, 21, teams=5)
    result = await core.run_round(community)
    grouped = [pid for group in result.groups for pid in group]
    assert sorted(grouped) == sorted(ids)
    assert sorted(len(g) for g in result.groups) == [2] * 9 + [3]


async def test_paused_and_opted_out_members_are_not_paired(core: Core, community: int) -> None:
    ids = await members(core, 10, teams=3)
    await core.handle(say(ids[0], "pause 2 weeks"))
    await core.handle(say(ids[1], "leave"))
    result = await core.run_round(community)
    grouped = {pid for group in result.groups for pid in group}
    assert grouped == set(ids[2:])


async def test_a_paused_member_is_back_in_the_first_round_after_the_date(
    core: Core, community: int, clock: MovableClock
) -> None:
    ids = await members(core, 6, teams=3)
    await core.handle(say(ids[0], "pause 10 days"))
    first = await core.run_round(community)
    assert ids[0] not in {p for g in first.groups for p in g}
    clock.advance(weeks=1)
    second = await core.run_round(community)
    assert ids[0] not in {p for g in second.groups for p in g}
    clock.advance(weeks=1)
    third = await core.run_round(community)
    assert ids[0] in {p for g in third.groups for p in g}


async def test_each_group_gets_one_intro_in_the_rounds_own_transaction(
    core: Core, community: int
) -> None:
    await members(core, 8, teams=4)
    result = await core.run_round(community)
    async with core.db.session() as session:
        rows = (await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all()
    assert [r.kind for r in rows] == ["intro"] * len(result.groups)
    assert [sorted(r.people) for r in rows] == [sorted(g) for g in result.groups]
    intro = decode(rows[0].payload)
    assert isinstance(intro, Intro)
    assert len(intro.people) == 2
    assert intro.starter
    assert [b.label for b in intro.buttons] == ["We met", "Not yet", "Skip this round"]


async def test_running_a_round_twice_on_one_day_makes_one_round(core: Core, community: int) -> None:
    await members(core, 8, teams=4)
    first = await core.run_round(community)
    again = await core.run_round(community)
    assert (again.created, again.number, again.groups) == (False, first.number, first.groups)
    async with core.db.session() as session:
        count = await session.scalar(select(func.count()).select_from(OutboxRow))
    assert count == len(first.groups)


async def test_the_follow_up_is_a_new_message_in_the_group_and_updates_the_intros_buttons(
    core: Core, community: int, clock: MovableClock
) -> None:
    await members(core, 4, teams=2)
    result = await core.run_round(community)
    chat = RecordingChat()
    await core.sender(chat).drain()
    clock.advance(days=3)
    assert await core.send_followups(community) == len(result.groups)
    assert await core.send_followups(community) == 0
    await core.sender(chat).drain()
    updates = [c for c in chat.calls if c.method == "update"]
    assert len(updates) == len(result.groups)
    intro_ids = {chat.by_key[f"intro:{community}:1:{i}"] for i in range(len(result.groups))}
    assert {u.key for u in updates} == {sent.message_id for sent in intro_ids}
    intros, asks = chat.sends()[: len(result.groups)], chat.sends()[len(result.groups) :]
    assert len(asks) == len(result.groups)  # a new message notifies; an edit notifies nobody
    assert sorted(a.conversation for a in asks) == sorted(
        i.conversation for i in intros
    )  # in each group
    assert len([c for c in chat.calls if c.method == "open_group"]) == len(result.groups)
    for ask in asks:
        assert isinstance(ask.message, Choices) and ask.message.body.startswith("How did it go,")
        assert [b.action for b in ask.message.buttons] == ["outcome"] * 3
    followup = updates[0].message
    assert isinstance(followup, Intro)
    assert followup.followup.startswith("How did it go,")
    assert followup.starter  # the intro's content stays; the question is added
    group_id = followup.buttons[0].value.split(":")[0]
    who = result.groups[0][0]
    reply = await core.handle(ButtonPressed(WHERE, Actor(who, "X"), "outcome", f"{group_id}:met"))
    assert isinstance(reply, Text) and "noted: you met" in reply.body
    async with core.db.session() as session:
        outcomes = (await session.scalars(select(OutcomeRow.outcome))).all()
    assert outcomes == ["met"]


async def test_an_answer_after_the_round_ended_is_stale_and_changes_nothing(
    core: Core, community: int, clock: MovableClock
) -> None:
    await members(core, 4, teams=2)
    first = await core.run_round(community)
    async with core.db.session() as session:
        row = await session.scalar(select(OutboxRow).order_by(OutboxRow.id).limit(1))
        assert row is not None
    intro = decode(row.payload)
    assert isinstance(intro, Intro)
    value = intro.buttons[0].value
    clock.advance(weeks=1)
    await core.run_round(community)
    who = first.groups[0][0]
    reply = await core.handle(ButtonPressed(WHERE, Actor(who, "X"), "outcome", value))
    assert isinstance(reply, Text) and "That round has ended" in reply.body
    outsider = await core.handle(ButtonPressed(WHERE, Actor("zed", "Zed"), "outcome", value))
    assert isinstance(outsider, Text)
    assert (
        outsider.body
        == f"You weren't in introduction {value.split(':')[0]}, Zed, so nothing was recorded."
    )
    async with core.db.session() as session:
        assert (await session.scalars(select(OutcomeRow))).all() == []


async def test_a_press_with_an_unknown_group_or_junk_gets_its_own_answer(
    core: Core, community: int
) -> None:
    await members(core, 2, teams=2)
    result = await core.run_round(community)
    who = result.groups[0][0]
    for value, said in [
        ("999:met", "There is no introduction 999 here"),
        ("abc", "“abc” is not an answer to a follow-up"),
        ("1:maybe", "“1:maybe” is not an answer to a follow-up"),
    ]:
        reply = await core.handle(ButtonPressed(WHERE, Actor(who, "X"), "outcome", value))
        assert isinstance(reply, Text) and reply.body.startswith(said), reply
    odd = await core.handle(ButtonPressed(WHERE, Actor(who, "Xi"), "launch", "1"))
    assert (
        isinstance(odd, Text) and "That button (launch) isn't one Bridgework knows, Xi" in odd.body
    )
    async with core.db.session() as session:
        assert (await session.scalars(select(OutcomeRow))).all() == []


async def test_an_intro_names_no_team_for_people_without_one(core: Core, community: int) -> None:
    await core.handle(MemberJoined(WHERE, Actor("ada", "Ada Lovelace"), "Engineering"))
    await core.handle(MemberJoined(WHERE, Actor("wen", "Wen Li"), None))
    await core.handle(MemberJoined(WHERE, Actor("kofi", "Kofi Mensah"), None))
    await core.handle(MemberJoined(WHERE, Actor("mei", "Mei Tan"), None))
    await core.run_round(community)
    chat = RecordingChat()
    await core.sender(chat).drain()
    intros = [c.message for c in chat.sends()]
    assert len(intros) == 2 and all(isinstance(i, Intro) for i in intros)
    shown = "\n".join(plain_text(i) for i in intros if i is not None)
    assert "Unassigned" not in shown
    greetings = sorted(i.greeting for i in intros if isinstance(i, Intro))
    assert any(g.endswith("across Engineering.") for g in greetings)
    assert any(g.endswith("You're this round's introduction.") for g in greetings)


async def test_rounds_before_the_recency_window_still_steer_toward_team_pairs_not_met(
    core: Core, community: int, clock: MovableClock
) -> None:
    ids = await members(core, 8, teams=4)
    async with core.db.session() as session, session.begin():
        row = await session.get(CommunityRow, community)
        assert row is not None
        row.recency = 0  # nothing is a repeat: only the ties so far steer the round
    team_of = {}
    async with core.db.session() as session:
        for member in await repo.members(session, community):
            team_of[member.platform_id] = member.team
    met: list[frozenset[str]] = []
    for _ in range(3):
        result = await core.run_round(community)
        met += [frozenset(team_of[p] for p in g) for g in result.groups if len(g) == 2]
        clock.advance(weeks=1)
    assert len(ids) == 8
    teams = set(team_of.values())
    pairs = {p for p in met if len(p) == 2}
    assert len(pairs) == len(teams) * (len(teams) - 1) // 2
