from __future__ import annotations

import json

from sqlalchemy import select

from bot.core import Core
from bot.delivery.codec import decode
from bot.domain import Role
from bot.events import Actor, ButtonPressed, CommandInvoked, FormSubmitted, MemberJoined
from bot.messages import Choices, Form, FormErrors, Text
from bot.store import repo
from bot.store.facilitation import AnswerRow, CheckInRow, ParticipantRow
from bot.store.models import MemberRow, OutboxRow
from tests.conftest import WHERE, MovableClock, say

NAMED = (
    'checkin schedule "How connected do you feel?" "What got in the way?" '
    "every friday 15:00 window 2 days"
)


def body(reply: object) -> str:
    if isinstance(reply, FormErrors):
        return "; ".join(f"{name}: {problem}" for name, problem in reply.errors)
    assert isinstance(reply, Text | Choices), reply
    return reply.body


async def people(core: Core, teams: dict[str, int]) -> list[str]:
    ids: list[str] = []
    for team, size in teams.items():
        for i in range(size):
            pid = f"{team.split('/')[-1].lower()}{i}"
            await core.handle(MemberJoined(WHERE, Actor(pid, f"Person {pid}"), team))
            ids.append(pid)
    return ids


async def facilitate(core: Core, community: int, text: str) -> str:
    async with core.db.session() as session, session.begin():
        await repo.grant_role(session, community, "boss", Role.LEAD)
    return body(await core.handle(CommandInvoked(WHERE, Actor("boss", "Boss"), text)))


async def open_one(core: Core, community: int, text: str) -> int:
    assert "Scheduled check-in" in await facilitate(core, community, text)
    done = await core.run_job("checkins", community)
    assert done.startswith("check-in ")
    return int(done.split()[1].rstrip(":"))


async def answer(core: Core, pid: str, checkin: int, *values: str) -> str:
    fields = tuple((f"q{i}", v) for i, v in enumerate(values))
    return body(
        await core.handle(FormSubmitted(WHERE, Actor(pid, pid), f"checkin:{checkin}", fields))
    )


async def test_each_member_is_asked_privately_and_only_the_chosen_teams(
    core: Core, community: int
) -> None:
    await people(core, {"Acme/Eng/Platform": 3, "Acme/Sales/EMEA": 2, "Other/X/Y": 2})
    checkin = await open_one(
        core, community, NAMED.replace("window", "for Acme/Eng,Acme/Sales window")
    )
    async with core.db.session() as session:
        rows = (await session.scalars(select(OutboxRow).where(OutboxRow.kind == "checkin"))).all()
    assert sorted(r.people[0] for r in rows) == [
        "emea0",
        "emea1",
        "platform0",
        "platform1",
        "platform2",
    ]
    assert all(len(r.people) == 1 for r in rows)
    ask = decode(rows[0].payload)
    assert isinstance(ask, Choices)
    assert "How connected do you feel?" in ask.body and "What got in the way?" in ask.body
    assert [b.action for b in ask.buttons] == ["checkin_answer", "checkin_skip"]
    assert ask.buttons[0].value == str(checkin)


async def test_a_member_answers_in_a_form_edits_and_the_answers_are_named(
    core: Core, community: int
) -> None:
    await people(core, {"Acme/Eng/Platform": 2})
    checkin = await open_one(core, community, NAMED)
    form = await core.handle(
        ButtonPressed(WHERE, Actor("platform0", "P"), "checkin_answer", str(checkin))
    )
    assert isinstance(form, Form)
    assert [f.name for f in form.fields] == ["q0", "q1"]
    assert "Thank you" in await answer(core, "platform0", checkin, "Quite connected.", "Meetings.")
    again = await core.handle(
        ButtonPressed(WHERE, Actor("platform0", "P"), "checkin_answer", str(checkin))
    )
    assert isinstance(again, Form) and again.fields[0].initial == "Quite connected."
    assert "Updated" in await answer(core, "platform0", checkin, "Very connected.", "")
    async with core.db.session() as session:
        rows = (
            await session.execute(select(AnswerRow.question, AnswerRow.text, AnswerRow.member_id))
        ).all()
        member = await repo.get_member(session, community, "platform0")
    assert member is not None
    assert rows == [(0, "Very connected.", member.id)]


async def test_empty_and_over_long_answers_are_refused_and_nothing_is_stored(
    core: Core, community: int
) -> None:
    await people(core, {"Acme/Eng/Platform": 2})
    checkin = await open_one(core, community, NAMED)
    assert (await answer(core, "platform0", checkin, "   ", "x")).startswith(
        "q0: Your answer is empty"
    )
    long = await answer(core, "platform0", checkin, "fine", "y" * 1001)
    assert long.startswith("q1: That's longer than 1000 characters")
    outsider = await answer(core, "stranger", checkin, "hello")
    assert "wasn't sent to you" in outsider
    async with core.db.session() as session:
        assert (await session.scalars(select(AnswerRow))).all() == []


async def test_one_reminder_goes_to_those_who_have_not_answered(
    core: Core, community: int, clock: MovableClock
) -> None:
    await people(core, {"Acme/Eng/Platform": 3})
    checkin = await open_one(core, community, NAMED)
    await answer(core, "platform0", checkin, "Fine.")
    await core.handle(ButtonPressed(WHERE, Actor("platform1", "P"), "checkin_skip", str(checkin)))
    clock.advance(hours=25)
    assert (await core.run_job("sweep", community)).startswith("1 reminder,")
    assert (await core.run_job("sweep", community)).startswith("0 reminders")
    async with core.db.session() as session:
        reminded = (
            await session.scalars(select(OutboxRow).where(OutboxRow.kind == "reminder"))
        ).all()
    assert [r.people for r in reminded] == [["platform2"]]
    clock.advance(days=2)
    assert (await core.run_job("sweep", community)).endswith("1 check-in closed")
    late = await answer(core, "platform2", checkin, "Too late?")
    assert "has closed" in late


async def test_an_anonymous_reminder_goes_to_everyone_so_it_reveals_nothing(
    core: Core, community: int, clock: MovableClock
) -> None:
    await people(core, {"Acme/Eng/Platform": 3})
    checkin = await open_one(core, community, NAMED + " anonymous")
    await answer(core, "platform0", checkin, "Fine.")
    clock.advance(hours=25)
    await core.run_job("sweep", community)
    async with core.db.session() as session:
        reminded = (
            await session.scalars(select(OutboxRow).where(OutboxRow.kind == "reminder"))
        ).all()
    assert sorted(r.people[0] for r in reminded) == ["platform0", "platform1", "platform2"]


async def test_anonymous_answers_keep_no_member_and_a_team_only_when_it_is_large_enough(
    core: Core, community: int, clock: MovableClock
) -> None:
    await people(core, {"Acme/Eng/Platform": 5, "Acme/Eng/Tiny": 2})
    checkin = await open_one(core, community, NAMED + " anonymous")
    await answer(core, "platform0", checkin, "From the big team.")
    await answer(core, "tiny0", checkin, "From the small team.")
    await answer(core, "tiny0", checkin, "Edited, still anonymous.")
    async with core.db.session() as session:
        rows = (await session.scalars(select(AnswerRow).order_by(AnswerRow.text))).all()
    assert [(r.text, r.member_id, r.team) for r in rows] == [
        ("Edited, still anonymous.", None, None),
        ("From the big team.", None, "Acme/Eng/Platform"),
    ]
    assert all(r.edit_token for r in rows)
    clock.advance(days=3)
    await core.run_job("sweep", community)
    async with core.db.session() as session:
        tokens = (await session.scalars(select(AnswerRow.edit_token))).all()
        row = await session.get(CheckInRow, checkin)
    assert tokens == [None, None]
    assert row is not None and row.secret is None and row.closed


async def test_nobody_can_be_singled_out_through_slices_filters_or_timing(
    core: Core, community: int, clock: MovableClock
) -> None:
    """Six answer in Platform, one in a tiny team; a lead tries every way to isolate the one."""
    await people(core, {"Acme/Eng/Platform": 6, "Acme/Sales/Solo": 1})
    checkin = await open_one(core, community, NAMED + " anonymous")
    for i in range(6):
        await answer(core, f"platform{i}", checkin, f"platform answer {i}")
    await answer(core, "solo0", checkin, "the solo answer")
    lead = Actor("boss", "Boss")

    async def results(text: str) -> str:
        return body(await core.handle(CommandInvoked(WHERE, lead, text)))

    assert "still open" in await results(f"checkin results {checkin}")  # no watching it fill up
    clock.advance(days=3)
    await core.run_job("sweep", community)
    everyone = await results(f"checkin results {checkin}")
    assert "7 respondents" in everyone and "the solo answer" in everyone
    for slice_ in ("Acme/Sales/Solo", "Acme/Sales", "Acme/Eng/Platform", "Acme/Eng"):
        withheld = await results(f"checkin results {checkin} team {slice_}")
        assert "Withheld" in withheld, slice_
        assert "answer" not in withheld.split("Withheld")[0]
    orders = {
        tuple(
            line
            for line in (await results(f"checkin results {checkin}")).splitlines()
            if line.startswith("•")
        )
        for _ in range(12)
    }
    assert len(orders) > 1  # shuffled, not in the order people answered
    async with core.db.session() as session:
        rows = (await session.scalars(select(AnswerRow))).all()
        participation = (await session.scalars(select(ParticipantRow.state))).all()
    assert {r.member_id for r in rows} == {None}
    assert "Acme/Sales/Solo" not in {r.team for r in rows}
    assert sorted(set(participation)) == ["asked"]  # who answered is kept nowhere


async def test_results_over_a_large_enough_slice_are_shown(
    core: Core, community: int, clock: MovableClock
) -> None:
    await people(core, {"Acme/Eng/Platform": 5, "Acme/Sales/EMEA": 5})
    checkin = await open_one(core, community, NAMED + " anonymous")
    for pid in [f"platform{i}" for i in range(5)] + [f"emea{i}" for i in range(5)]:
        await answer(core, pid, checkin, f"from {pid[:-1]}")
    clock.advance(days=3)
    await core.run_job("sweep", community)
    shown = body(
        await core.handle(
            CommandInvoked(WHERE, Actor("boss", "B"), f"checkin results {checkin} team Acme/Sales")
        )
    )
    assert "5 respondents" in shown
    assert shown.count("from emea") == 5 and "from platform" not in shown


async def test_a_member_exports_their_data_and_deletes_it_after_confirming(
    core: Core, community: int
) -> None:
    await people(core, {"Acme/Eng/Platform": 2})
    checkin = await open_one(core, community, NAMED)
    await answer(core, "platform0", checkin, "Named answer.")
    export = body(await core.handle(say("platform0", "my-data")))
    data = json.loads(export.split("```")[1])
    assert data["member"]["team"] == "Acme/Eng/Platform"
    assert data["check_in_answers"] == [
        {"question": "How connected do you feel?", "answer": "Named answer."}
    ]
    ask = await core.handle(say("platform0", "forget-me"))
    assert isinstance(ask, Choices) and "Delete?" in ask.body
    confirm = ask.buttons[0]
    assert "Nothing was deleted" in body(
        await core.handle(
            ButtonPressed(WHERE, Actor("platform0", "P"), "forget_cancel", confirm.value)
        )
    )
    stolen = await core.handle(
        ButtonPressed(WHERE, Actor("platform1", "Q"), "forget_confirm", confirm.value)
    )
    assert "nothing of yours" in body(stolen)
    done = await core.handle(
        ButtonPressed(WHERE, Actor("platform0", "P"), "forget_confirm", confirm.value)
    )
    assert "your data is deleted" in body(done)
    async with core.db.session() as session:
        members = (await session.scalars(select(MemberRow.platform_id))).all()
        answers = (await session.scalars(select(AnswerRow))).all()
    assert members == ["platform1"]
    assert answers == []
