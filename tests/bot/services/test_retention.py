"""Retention: after RETENTION_DAYS the daily job clears what people wrote and the bodies of the
messages sent, and the digest's figures for the past period, counts all, stay the same."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from bot.core import Core
from bot.events import Actor, MessagePosted
from bot.services import digest_figures
from bot.services.context import Context
from bot.services.digest_figures import Figures
from bot.store import repo
from bot.store.facilitation import AnswerRow, PromptAnswerRow
from bot.store.models import OutboxRow
from tests.bot.services.test_digest import a_community_with_history, closed_checkin
from tests.bot.services.test_prompts import PROMPT, facilitator_says, make_facilitator
from tests.conftest import WHERE, MovableClock, say
from tests.recording import RecordingChat


async def figures(core: Core, community: int) -> Figures:
    async with core.db.session() as session, session.begin():
        row = await repo.get_community(session, community)
        assert row is not None
        return await digest_figures.gather(Context(session, core.clock, row, core.threshold))


async def texts(core: Core) -> tuple[list[str], list[str], list[dict[str, object]]]:
    async with core.db.session() as session:
        answers = list((await session.scalars(select(AnswerRow.text))).all())
        replies = list((await session.scalars(select(PromptAnswerRow.text))).all())
        sent = select(OutboxRow.payload).where(OutboxRow.status == "sent")
        bodies = list((await session.scalars(sent)).all())
    return answers, replies, bodies


async def a_prompt_answered(core: Core, community: int) -> None:
    await make_facilitator(core, community)
    await core.handle(facilitator_says(PROMPT))
    await core.run_job("prompts", community, force=True)
    chat = RecordingChat()
    await core.sender(chat).drain()
    posted = [sent for sent in chat.sends() if sent.conversation == "coffee"][-1]
    thread = chat.by_key[posted.key].message_id
    for i in range(3):
        said = MessagePosted(
            WHERE, Actor(f"platform{i}", "P"), "Pairing with Sales", thread, f"m{i}"
        )
        assert await core.handle(said) is None


async def test_retention_clears_the_texts_and_the_digest_figures_stay_the_same(
    core: Core, community: int, clock: MovableClock
) -> None:
    await a_community_with_history(core, community, clock)
    await a_prompt_answered(core, community)
    answers = {f"platform{i}": ["Too many meetings, no time to think"] for i in range(6)}
    await closed_checkin(core, community, clock, answers, questions=1)
    async with core.db.session() as session:
        for row in (await session.scalars(select(OutboxRow))).all():
            row.status, row.sent_at = "sent", core.clock()
        await session.commit()
    before = await figures(core, community)
    written, replies, bodies = await texts(core)
    assert before.answers and before.prompt_answers == 3 and before.groups_met
    assert set(written) == {"Too many meetings, no time to think"} and set(replies) != {""}

    now = clock.now
    clock.advance(days=300)  # within RETENTION_DAYS (365) of everything
    assert "0 prompt answers, 0 check-in answers and 0 sent" in await core.run_job("retention", 0)
    clock.advance(days=100)
    done = await core.run_job("retention", 0)
    assert f"3 prompt answers, 6 check-in answers and {len(bodies)} sent messages" in done
    clock.now = now

    after = await figures(core, community)
    assert replace(after, answers=()) == replace(before, answers=())
    assert after.answers == ()  # no text is left to theme
    written, replies, bodies = await texts(core)
    assert set(written) == {""} and set(replies) == {""}
    assert bodies and all(body == {"retained": False} for body in bodies)
    clock.advance(days=400)
    assert "0 prompt answers, 0 check-in answers and 0 sent" in await core.run_job("retention", 0)


async def test_my_data_says_how_long_things_are_kept(core: Core, community: int) -> None:
    await core.handle(say("ada", "join"))
    reply = await core.handle(say("ada", "my-data"))
    assert reply is not None and hasattr(reply, "body")
    assert "kept 365 days, then deleted" in reply.body
    assert "30 days later" in reply.body
