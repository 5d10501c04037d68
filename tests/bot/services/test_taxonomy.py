"""A community's theme taxonomy: listed by leads, edited by admins, used by the digest."""

from __future__ import annotations

from sqlalchemy import select

from bot.core import Core
from bot.domain import Role
from bot.messages import Text
from bot.store import repo
from bot.store.models import CommunityRow
from bot.themes import default_taxonomy
from tests.bot.services.test_digest import a_community_with_history, build, closed_checkin
from tests.conftest import MovableClock, say

PARKING = 'themes add parking "Parking" "Finding a parking space near the office" "no spaces"'


async def reply(core: Core, pid: str, text: str, *, admin: bool = False) -> str:
    answer = await core.handle(say(pid, text, admin=admin))
    assert isinstance(answer, Text)
    return answer.body


async def stored(core: Core, community: int) -> str | None:
    async with core.db.session() as session:
        return (
            await session.scalars(select(CommunityRow.taxonomy).where(CommunityRow.id == community))
        ).one()


async def test_a_lead_lists_the_default_themes_and_a_member_may_not(
    core: Core, community: int
) -> None:
    async with core.db.session() as session, session.begin():
        await repo.grant_role(session, community, "lea", Role.LEAD)
    assert "`themes` is for leads" in await reply(core, "mo", "themes")
    listing = await reply(core, "lea", "themes")
    assert listing.startswith(f"The digest's {len(default_taxonomy())} themes (the default set")
    assert "• `recognition` Recognition: Feeling seen and appreciated" in listing
    assert "`themes` is for admins" in await reply(core, "lea", PARKING)
    assert await stored(core, community) is None


async def test_an_admin_adds_replaces_and_removes_themes(core: Core, community: int) -> None:
    count = len(default_taxonomy())
    added = await reply(core, "ada", PARKING, admin=True)
    assert f"Added the theme `parking` (Parking). The digest now uses {count + 1} themes." == added
    again = PARKING.replace('"Parking"', '"Car parking"')
    assert "Replaced the theme `parking` (Car parking)" in await reply(
        core, "ada", again, admin=True
    )
    removed = await reply(core, "ada", "themes remove tools", admin=True)
    assert f"Removed the theme `tools`. The digest now uses {count} themes." == removed
    listing = await reply(core, "ada", "themes list", admin=True)
    assert "this community's own set" in listing
    assert "`parking` Car parking" in listing and "`tools`" not in listing
    assert "Back to the default set" in await reply(core, "ada", "themes reset", admin=True)
    assert await stored(core, community) is None


async def test_bad_theme_edits_say_what_is_wrong_and_change_nothing(
    core: Core, community: int
) -> None:
    await reply(core, "ada", PARKING, admin=True)
    before = await stored(core, community)
    problems = {
        'themes add "Big Id" "Name" "Description"': "lower-case letters",
        'themes add parking "Parking"': "say the theme's id, its name and a description",
        "themes remove nothing-here": "there is no theme 'nothing-here'; there are: recognition",
        'themes add parking "Parking" "a description that is far too long' + "o" * 400 + '"': (
            "the description is"
        ),
        "themes rename a b": "say list, add, remove or reset",
        'themes add x "unclosed': "a quote is not closed",
    }
    for text, problem in problems.items():
        answer = await reply(core, "ada", text, admin=True)
        assert problem in answer, text
        assert "Example:" in answer or "example" in answer.lower()
    assert await stored(core, community) == before


async def test_the_last_theme_cannot_be_removed(core: Core, community: int) -> None:
    for theme in default_taxonomy()[1:]:
        await reply(core, "ada", f"themes remove {theme.id}", admin=True)
    last = default_taxonomy()[0].id
    assert "that is the last theme" in await reply(core, "ada", f"themes remove {last}", admin=True)
    assert "The digest's 1 theme (" in await reply(core, "ada", "themes", admin=True)


async def test_the_digest_sorts_answers_into_the_communitys_own_themes(
    core: Core, community: int, clock: MovableClock
) -> None:
    await a_community_with_history(core, community, clock)
    await reply(core, "ada", PARKING, admin=True)
    answers = {
        f"platform{i}": [f"circled the car park for ages looking for a space, day {i}"]
        for i in range(5)
    }
    await closed_checkin(core, community, clock, answers, questions=1)
    built = await build(core, community)
    assert [(t.name, t.emerging, t.count) for t in built.themes.themes] == [("Parking", False, 5)]
