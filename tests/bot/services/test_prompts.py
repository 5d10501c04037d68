from __future__ import annotations

from sqlalchemy import func, select

from bot.core import Core
from bot.delivery.codec import decode
from bot.domain import Platform, Role
from bot.events import Actor, CommandInvoked, MessagePosted
from bot.messages import Text
from bot.store import repo
from bot.store.facilitation import PromptAnswerRow, ScheduleRow
from bot.store.models import OutboxRow
from tests.conftest import WHERE, MovableClock, say
from tests.recording import RecordingChat

PROMPT = 'prompt schedule "What helped you this week?" every monday 10:00 #coffee'


def facilitator_says(text: str, channels: frozenset[str] = frozenset({"coffee"})) -> CommandInvoked:
    return CommandInvoked(WHERE, Actor("fa", "Fatima Haddad"), text, channels=channels)


async def make_facilitator(core: Core, community: int) -> None:
    async with core.db.session() as session, session.begin():
        await repo.grant_role(session, community, "fa", Role.FACILITATOR)
    await core.handle(say("fa", "join"))


async def count(core: Core, table: type[object]) -> int:
    async with core.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


def body(reply: object) -> str:
    assert isinstance(reply, Text), reply
    return reply.body


async def test_a_facilitator_schedules_lists_pauses_and_deletes_a_prompt(
    core: Core, community: int
) -> None:
    await make_facilitator(core, community)
    scheduled = body(await core.handle(facilitator_says(PROMPT)))
    when = "every Monday at 10:00 Europe/London"
    assert f"{when} in #coffee: “What helped you this week?”" in scheduled
    listed = body(await core.handle(facilitator_says("prompt list")))
    assert listed.startswith("schedule 1: every Monday at 10:00")
    assert "schedule 1 — pause" in body(await core.handle(facilitator_says("prompt pause 1")))
    assert "(paused)" in body(await core.handle(facilitator_says("prompt list")))
    await core.handle(facilitator_says("prompt resume 1"))
    assert "(paused)" not in body(await core.handle(facilitator_says("prompt list")))
    assert "no prompt schedule 7" in body(await core.handle(facilitator_says("prompt delete 7")))
    await core.handle(facilitator_says("prompt delete 1"))
    assert await count(core, ScheduleRow) == 0


async def test_a_member_may_not_schedule_prompts(core: Core, community: int) -> None:
    await core.handle(say("ada", "join"))
    reply = await core.handle(
        CommandInvoked(WHERE, Actor("ada", "Ada"), PROMPT, channels=frozenset({"coffee"}))
    )
    assert "for facilitators of this community" in body(reply)
    assert await count(core, ScheduleRow) == 0


async def test_bad_prompt_schedules_are_explained_and_store_nothing(
    core: Core, community: int
) -> None:
    await make_facilitator(core, community)
    cases = {
        'prompt schedule "Hi" every monday 10:00 #nowhere': "I can't post in #nowhere",
        'prompt schedule "Hi" every someday 10:00 #coffee': "I can't read that schedule",
        'prompt schedule "Hi" every monday 25:00 #coffee': "'25:00' is not a time",
        'prompt schedule "Hi" once 2026-12-31 10:00 #coffee': "2026-12-31 has passed",
        'prompt schedule "" every monday 10:00 #coffee': "the text is empty",
        'prompt schedule "unclosed every monday 10:00 #coffee': "a quote is not closed",
        f'prompt schedule "{"x" * 600}" every monday 10:00 #coffee': "500 at most",
        'prompt schedule "Hi" every monday 10:00': "say which channel",
    }
    for text, problem in cases.items():
        reply = body(await core.handle(facilitator_says(text)))
        assert problem in reply, (text, reply)
        assert "Example: prompt schedule" in reply or "Example:" in reply
    assert await count(core, ScheduleRow) == 0


async def test_a_posted_prompt_collects_answers_from_its_thread(core: Core, community: int) -> None:
    await make_facilitator(core, community)
    await core.handle(say("ada", "join"))
    await core.handle(facilitator_says(PROMPT))
    assert (await core.run_job("prompts", community)).startswith("prompt 1 posted to #coffee")
    assert "already posted today" in await core.run_job("prompts", community, force=True)
    chat = RecordingChat()
    await core.sender(chat).drain()
    [posted] = chat.sends()
    assert posted.conversation == "coffee"
    assert "What helped you this week?" in body(posted.message)
    thread = chat.by_key[posted.key].message_id
    answer = MessagePosted(WHERE, Actor("ada", "Ada"), "Listening to Kofi.", thread, "m-1")
    assert await core.handle(answer) is None
    assert await core.handle(answer) is None  # redelivered by the platform: kept once
    too_long = await core.handle(MessagePosted(WHERE, Actor("ada", "Ada"), "x" * 2001, thread))
    assert "longer than 2000 characters" in body(too_long)
    assert (
        await core.handle(MessagePosted(WHERE, Actor("ada", "Ada"), "elsewhere", "m-other")) is None
    )
    async with core.db.session() as session:
        answers = (await session.scalars(select(PromptAnswerRow.text))).all()
    assert answers == ["Listening to Kofi."]


async def test_library_prompts_rotate_without_repeats_until_all_are_used(
    core: Core, community: int, clock: MovableClock
) -> None:
    await make_facilitator(core, community)
    await core.handle(facilitator_says("prompt schedule library every monday 10:00 #coffee"))
    await core.handle(facilitator_says('library add listening "Our own: what did you hear today?"'))
    texts: list[str] = []
    for _ in range(23):
        await core.run_job("prompts", community, force=True)
        clock.advance(days=1)
    async with core.db.session() as session:
        rows = (await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all()
        texts = [body(decode(r.payload)) for r in rows]
    first_cycle = texts[:22]
    assert len(set(first_cycle)) == 22
    assert any("Our own: what did you hear today?" in t for t in first_cycle)
    assert texts[22] in first_cycle


async def test_a_schedule_for_another_platform_channel_needs_the_adapters_mention(
    core: Core,
) -> None:
    community = await core.ensure_community(Platform.SLACK, "T1", "C1", name="Slack")
    async with core.db.session() as session, session.begin():
        await repo.grant_role(session, community, "U1", Role.FACILITATOR)
    from bot.events import Where

    where = Where(Platform.SLACK, "T1", "C1")
    typed = CommandInvoked(
        where, Actor("U1", "Fa"), 'prompt schedule "Hi" every monday 10:00 #general'
    )
    assert "I can't post in #general" in body(await core.handle(typed))
    resolved = CommandInvoked(
        where,
        Actor("U1", "Fa"),
        'prompt schedule "Hi" every monday 10:00 #C42',
        channels=frozenset({"C42"}),
    )
    assert "in #C42" in body(await core.handle(resolved))
