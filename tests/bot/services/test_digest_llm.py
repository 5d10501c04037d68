"""The digest's LLM narrative: members' names as the platform lists them at digest time are
redacted before anything is sent (the recording fake OpenAI-compatible server)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest

pytest.importorskip("openai")  # the llm extra
pytest.importorskip("aiohttp")  # for the fake server (the slack extra)

from bot.core import Core  # noqa: E402
from bot.domain import Community  # noqa: E402
from bot.errors import PlatformUnavailable  # noqa: E402
from bot.services import digest  # noqa: E402
from bot.services.context import Context  # noqa: E402
from bot.store import repo  # noqa: E402
from tests.bot.services.test_digest import a_community_with_history, closed_checkin  # noqa: E402
from tests.conftest import MovableClock  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI, content_of  # noqa: E402

ANSWER = "back to back meetings all day, okafor books them all, week"


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAI]:
    fake = FakeOpenAI(model=lambda _: content_of({"narrative": "Meetings.", "themes": []}))
    await fake.start()
    yield fake
    await fake.stop()


async def narrated(
    core: Core, community: int, clock: MovableClock, server: FakeOpenAI, roster: digest.Roster
) -> digest.Digest:
    await a_community_with_history(core, community, clock)
    answers = {f"platform{i}": [f"{ANSWER} {i}"] for i in range(5)}
    await closed_checkin(core, community, clock, answers, questions=1)
    llm = digest.LLMConfig(server.base_url, server.key, "local-model", roster=roster)
    async with core.db.session() as session, session.begin():
        row = await repo.get_community(session, community)
        assert row is not None
        row.llm_enabled = True
        return await digest.build(Context(session, core.clock, row, core.threshold), llm=llm)


async def test_members_full_names_from_the_platform_are_redacted_before_the_llm(
    core: Core, community: int, clock: MovableClock, server: FakeOpenAI
) -> None:
    asked: list[Community] = []

    async def roster(of: Community) -> Sequence[str]:
        asked.append(of)
        return ["Tomasz Okafor", "Person platform0"]

    built = await narrated(core, community, clock, server, roster)
    assert [c.id for c in asked] == [community]
    sent = server.sent_text()
    assert "meetings all day, [name] books them all" in sent
    assert "okafor" not in sent.lower()
    assert built.themes.narrative == "Meetings."


async def test_the_llm_is_not_asked_when_the_member_list_cannot_be_read(
    core: Core, community: int, clock: MovableClock, server: FakeOpenAI
) -> None:
    async def roster(of: Community) -> Sequence[str]:
        raise PlatformUnavailable("conversations.members: timeout")

    built = await narrated(core, community, clock, server, roster)
    assert server.requests == []
    assert built.themes.narrative is None and built.themes.themes
    assert "the member list could not be read from the platform" in built.themes.note
