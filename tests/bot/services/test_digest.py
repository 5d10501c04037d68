from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import select

from bot.core import Core
from bot.delivery.codec import decode
from bot.domain import Role
from bot.events import Actor, ButtonPressed, CommandInvoked, FormSubmitted, MemberJoined
from bot.messages import Image, Text
from bot.services import digest
from bot.services.context import Context
from bot.store import repo
from bot.store.facilitation import AnswerRow, CheckInRow
from bot.store.models import OutboxRow
from tests.conftest import WHERE, MovableClock, say


async def a_community_with_history(core: Core, community: int, clock: MovableClock) -> None:
    teams = {"Acme/Eng/Platform": 6, "Acme/Sales/EMEA": 4, "Acme/People/Talent": 2}
    for team, size in teams.items():
        for i in range(size):
            pid = f"{team.split('/')[-1].lower()}{i}"
            await core.handle(MemberJoined(WHERE, Actor(pid, f"Person {pid}"), team))
    async with core.db.session() as session, session.begin():
        await repo.grant_role(session, community, "lead", Role.LEAD)
    for _ in range(2):
        result = await core.run_round(community)
        async with core.db.session() as session:
            rows = (await session.scalars(select(OutboxRow).where(OutboxRow.kind == "intro"))).all()
        for row in rows[-len(result.groups) :]:
            group_id = row.group_id
            await core.handle(
                ButtonPressed(WHERE, Actor(row.people[0], "P"), "outcome", f"{group_id}:met")
            )
        clock.advance(days=3)


async def build(core: Core, community: int) -> digest.Digest:
    async with core.db.session() as session, session.begin():
        row = await repo.get_community(session, community)
        assert row is not None
        return await digest.build(Context(session, core.clock, row, core.threshold))


async def test_the_digest_reports_participation_meetings_and_the_network(
    core: Core, community: int, clock: MovableClock
) -> None:
    await a_community_with_history(core, community, clock)
    await core.handle(say("talent0", "pause 2 weeks"))
    built = await build(core, community)
    text = built.text
    assert (
        "Participation: 11 taking part, 1 paused, 0 opted out; 12 people introduced in 2 rounds"
        in text
    )
    assert (
        "Meetings held: 12 of 12 groups said they met; 0 introductions could not be delivered"
        in text
    )
    assert "of 3 team pairs have met" in text
    assert "E-I index +1.00" in text
    assert "Least connected:" in text
    assert set(built.picture.nodes) <= {"Platform", "EMEA", "Talent"}
    assert built.picture.edges and all(held > 0 for _, _, held in built.picture.edges)
    assert "Picture: " in text and built.picture.alt_text in text


async def test_a_lead_gets_the_digest_privately_and_a_member_may_not(
    core: Core, community: int, clock: MovableClock
) -> None:
    await a_community_with_history(core, community, clock)
    refused = await core.handle(say("platform0", "digest"))
    assert isinstance(refused, Text) and "for leads of this community" in refused.body
    reply = await core.handle(CommandInvoked(WHERE, Actor("lead", "Lea"), "digest"))
    assert isinstance(reply, Text) and "on its way" in reply.body
    async with core.db.session() as session:
        rows = (await session.scalars(select(OutboxRow).where(OutboxRow.kind == "digest"))).all()
    assert [r.people for r in rows] == [["lead"], ["lead"]]
    messages = [decode(r.payload) for r in rows]
    assert isinstance(messages[0], Text) and "Bridgework digest for Acme" in messages[0].body
    assert isinstance(messages[1], Image) and messages[1].png.startswith(b"\x89PNG")
    assert messages[1].alt_text


async def test_the_weekly_digest_job_goes_to_each_lead_once_a_day(
    core: Core, community: int, clock: MovableClock
) -> None:
    await a_community_with_history(core, community, clock)
    assert (await core.run_job("digest", community)).startswith("digest queued for 1 lead ")
    await core.run_job("digest", community)
    async with core.db.session() as session:
        rows = (await session.scalars(select(OutboxRow).where(OutboxRow.kind == "digest"))).all()
    assert len(rows) == 2


async def test_small_check_ins_and_few_answers_show_no_rate_and_no_themes(
    core: Core, community: int, clock: MovableClock
) -> None:
    await a_community_with_history(core, community, clock)
    async with core.db.session() as session, session.begin():
        await repo.grant_role(session, community, "lead", Role.LEAD)
    schedule = 'checkin schedule "How connected do you feel?" every friday 15:00 for Acme/People'
    await core.handle(CommandInvoked(WHERE, Actor("lead", "Lea"), schedule))
    done = await core.run_job("checkins", community)
    checkin = int(done.split()[1].rstrip(":"))
    await core.handle(
        FormSubmitted(WHERE, Actor("talent0", "T"), f"checkin:{checkin}", (("q0", "Lonely."),))
    )
    clock.advance(days=3)
    await core.run_job("sweep", community)
    text = (await build(core, community)).text
    assert f"Check-in {checkin}: response rate withheld" in text
    assert "Lonely." not in text


async def closed_checkin(
    core: Core,
    community: int,
    clock: MovableClock,
    answers: dict[str, list[str]],
    questions: int,
    anonymous: bool = False,
) -> None:
    quoted = " ".join(f'"Question {q}?"' for q in range(questions))
    schedule = f"checkin schedule {quoted} every friday 15:00 for Acme/Eng"
    schedule += " anonymous" if anonymous else ""
    await core.handle(CommandInvoked(WHERE, Actor("lead", "Lea"), schedule))
    done = await core.run_job("checkins", community)
    checkin = int(done.split()[1].rstrip(":"))
    for pid, texts in answers.items():
        fields = tuple((f"q{i}", text) for i, text in enumerate(texts))
        await core.handle(FormSubmitted(WHERE, Actor(pid, "P"), f"checkin:{checkin}", fields))
    clock.advance(days=3)
    await core.run_job("sweep", community)


MEETINGS = "back to back meetings all day, no time to think"


async def test_the_themes_of_five_respondents_are_shown_with_one_quote_at_most_two(
    core: Core, community: int, clock: MovableClock
) -> None:
    await a_community_with_history(core, community, clock)
    answers = {f"platform{i}": [f"{MEETINGS}, week {i}"] for i in range(5)}
    await closed_checkin(core, community, clock, answers, questions=1)
    built = await build(core, community)
    (theme,) = built.themes.themes
    assert (theme.count, theme.respondents) == (5, 5)
    assert (
        f"• {theme.name}: 5 answers from at least 5 people — by team: Acme/Eng/Platform 5"
        in built.text
    )
    assert 1 <= sum(f"“{MEETINGS}, week" in line for line in built.text.splitlines()) <= 2


@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
async def test_many_answers_from_too_few_respondents_show_no_theme_and_no_quote(
    core: Core, community: int, clock: MovableClock, anonymous: bool
) -> None:
    await a_community_with_history(core, community, clock)
    # Six answers on one theme, but from two people (three questions each).
    answers = {f"platform{i}": [f"{MEETINGS}, part {q}" for q in range(3)] for i in range(2)}
    await closed_checkin(core, community, clock, answers, questions=3, anonymous=anonymous)
    built = await build(core, community)
    assert built.themes.themes == ()
    assert "Fewer than 5 respondents" in built.text
    assert MEETINGS not in built.text


async def test_the_digest_never_quotes_an_answer_that_names_a_member(
    core: Core, community: int, clock: MovableClock
) -> None:
    await a_community_with_history(core, community, clock)
    await core.handle(MemberJoined(WHERE, Actor("kofi", "Kofi Mensah"), "Acme/Sales/EMEA"))
    answers = {f"platform{i}": [f"{MEETINGS}; kofi books most of them, week {i}"] for i in range(5)}
    await closed_checkin(core, community, clock, answers, questions=1)
    built = await build(core, community)
    (theme,) = built.themes.themes
    assert (theme.count, theme.quotes) == (5, ())
    assert "kofi" not in built.text.lower()


async def test_an_admin_sends_the_weekly_digest_to_a_channel_once_and_back_to_the_leads(
    core: Core, community: int, clock: MovableClock
) -> None:
    await a_community_with_history(core, community, clock)
    setting = CommandInvoked(
        WHERE,
        Actor("ada", "Ada", platform_admin=True),
        "set digest-channel #C-leads",
        channels=frozenset({"C-leads"}),
    )
    answer = await core.handle(setting)
    assert isinstance(answer, Text) and "digest-channel is now #C-leads" in answer.body
    for _ in range(2):
        done = await core.run_job("digest", community)
    assert done.startswith("digest queued for #C-leads (2 messages")
    async with core.db.session() as session:
        rows = (await session.scalars(select(OutboxRow).where(OutboxRow.kind == "digest"))).all()
    assert [(r.conversation_id, r.people) for r in rows] == [("C-leads", []), ("C-leads", [])]
    back = await core.handle(say("ada", "set digest-channel direct", admin=True))
    assert isinstance(back, Text) and "direct messages to each lead" in back.body
    clock.advance(days=1)
    assert (await core.run_job("digest", community)).startswith("digest queued for 1 lead ")


async def test_theming_many_answers_never_blocks_the_event_loop(
    core: Core, community: int, clock: MovableClock, caplog: pytest.LogCaptureFixture
) -> None:
    await a_community_with_history(core, community, clock)
    await closed_checkin(core, community, clock, {"platform0": [MEETINGS]}, questions=1)
    async with core.db.session() as session, session.begin():
        (checkin,) = (await session.scalars(select(CheckInRow.id))).all()
        session.add_all(
            AnswerRow(checkin_id=checkin, question=0, text=f"{MEETINGS}, and then some: {i}")
            for i in range(1_500)
        )
    loop = asyncio.get_running_loop()
    # asyncio's own detector: in debug mode it logs any step of the loop that holds it this long.
    loop.set_debug(True)
    loop.slow_callback_duration = 0.25
    caplog.set_level(logging.WARNING, logger="asyncio")
    try:
        built = await build(core, community)
    finally:
        loop.set_debug(False)
    assert built.themes.themes and built.themes.themes[0].count > 1_000
    assert [r.getMessage() for r in caplog.records if "took" in r.getMessage()] == []


def test_counts_read_in_the_right_number() -> None:
    from bot import texts

    assert [texts.people(1), texts.people(3)] == ["1 person", "3 people"]
    assert [texts.themes(1), texts.themes(3)] == ["1 theme", "3 themes"]
    assert [texts.answers(1), texts.respondents(2)] == ["1 answer", "2 respondents"]
