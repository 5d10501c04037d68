"""On Slack: a check-in by DM reaches members in Tokyo, Berlin and Los Angeles (their zones as
Slack gives them) at 15:00 on their own Saturday, and each one's reminder at 15:00 on their own
Sunday — in the week Europe's clocks go forward that night."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from adapters.slack import chat_for
from bot.core import Core
from bot.settings import Settings
from bot.store.facilitation import ScheduleRow
from tests.adapters.slack.conftest import Web, people
from tests.adapters.slack.test_http import command
from tests.conftest import MovableClock
from tests.fakes.slack.server import FakeSlack

ZONES = ("Asia/Tokyo", "Europe/Berlin", "America/Los_Angeles")
QUESTION = "What stayed with you this week?"


async def _joined_in_three_zones(fake: FakeSlack, web: Web) -> tuple[str, dict[str, str]]:
    """A facilitator (a workspace admin) and three members in ZONES who joined: the facilitator's
    id, and each member's city by id."""
    facilitator, *members = people(fake, 4)
    fake.workspace.users[facilitator].is_admin = True
    where = {}
    for member, zone in zip(members, ZONES, strict=True):
        fake.workspace.users[member].tz = zone
        await command(fake, web, member, "join")
        where[member] = zone.split("/")[1]
    return facilitator, where


async def _scheduled(fake: FakeSlack, web: Web, core: Core, facilitator: str, when: str) -> int:
    """The facilitator schedules a check-in of QUESTION ``when``: its schedule's id."""
    answer = await command(fake, web, facilitator, f'checkin schedule "{QUESTION}" {when}')
    assert "Scheduled check-in" in answer
    async with core.db.session() as session:
        schedule = await session.scalar(select(ScheduleRow))
    assert schedule is not None
    return int(schedule.id)


async def test_check_ins_and_their_reminders_reach_three_zones_at_their_own_15_00(
    fake: FakeSlack,
    web: Web,
    slack_settings: Settings,
    core: Core,
    slack_community: int,
    clock: MovableClock,
) -> None:
    facilitator, where = await _joined_in_three_zones(fake, web)
    schedule = await _scheduled(fake, web, core, facilitator, "every saturday 15:00")
    seen: set[tuple[str, int]] = set()

    async def new_at(moment: datetime, *, sweep: bool = False) -> list[str]:
        """What reached whom since the last look, as "zone: ask|reminder"."""
        clock.now = moment
        if sweep:
            await core.run_job("sweep", slack_community)
        await core.sender(chat_for(slack_settings, core)).drain(
            community_id=slack_community, max_wait=0.0
        )
        found = []
        for conversation, message in fake.workspace.posts():
            if (conversation, id(message)) in seen:
                continue
            seen.add((conversation, id(message)))
            [person] = set(fake.workspace.conversations[conversation].members) - {
                fake.workspace.bot_user
            }
            text = json.dumps(message)
            kind = "ask" if QUESTION in text else "reminder" if "reminder" in text else text
            found.append(f"{where[person]}: {kind}")
        return sorted(found)

    # Saturday 27 March 2027: 15:00 in Tokyo is 06:00 UTC, the job's time.
    clock.now = datetime(2027, 3, 27, 6, 0, tzinfo=UTC)
    assert (await core.run_job("schedule", schedule)).startswith("check-in")
    assert await new_at(clock.now) == ["Tokyo: ask"]
    assert await new_at(datetime(2027, 3, 27, 13, 59, tzinfo=UTC)) == []
    assert await new_at(datetime(2027, 3, 27, 14, 0, tzinfo=UTC)) == ["Berlin: ask"]  # CET
    assert await new_at(datetime(2027, 3, 27, 21, 59, tzinfo=UTC)) == []
    assert await new_at(datetime(2027, 3, 27, 22, 0, tzinfo=UTC)) == ["Los_Angeles: ask"]  # PDT
    # Sunday: reminders half the 2-day window later, at 15:00 on each one's clock.
    assert await new_at(datetime(2027, 3, 28, 5, 55, tzinfo=UTC), sweep=True) == []
    assert await new_at(datetime(2027, 3, 28, 6, 0, tzinfo=UTC)) == ["Tokyo: reminder"]
    assert await new_at(datetime(2027, 3, 28, 12, 55, tzinfo=UTC), sweep=True) == []
    assert await new_at(datetime(2027, 3, 28, 13, 0, tzinfo=UTC)) == ["Berlin: reminder"]  # CEST
    assert await new_at(datetime(2027, 3, 28, 21, 55, tzinfo=UTC), sweep=True) == []
    assert await new_at(datetime(2027, 3, 28, 22, 0, tzinfo=UTC)) == ["Los_Angeles: reminder"]
    assert await new_at(datetime(2027, 3, 29, 12, 0, tzinfo=UTC), sweep=True) == []


async def test_a_once_check_in_reaches_three_zones_at_15_00_on_its_date(
    fake: FakeSlack,
    web: Web,
    slack_settings: Settings,
    core: Core,
    slack_community: int,
    clock: MovableClock,
) -> None:
    facilitator, where = await _joined_in_three_zones(fake, web)
    # Sunday 28 March 2027, the day Europe's clocks went forward.
    schedule = await _scheduled(fake, web, core, facilitator, "once 2027-03-28 15:00")
    sender = core.sender(chat_for(slack_settings, core))

    async def asked_at(moment: datetime) -> list[str]:
        clock.now = moment
        await sender.drain(community_id=slack_community, max_wait=0.0)
        return sorted(
            where[person]
            for conversation, message in fake.workspace.posts()
            if QUESTION in json.dumps(message)
            for person in set(fake.workspace.conversations[conversation].members)
            - {fake.workspace.bot_user}
        )

    clock.now = datetime(2027, 3, 28, 6, 0, tzinfo=UTC)  # 15:00 in Tokyo
    assert (await core.run_job("schedule", schedule)).startswith("check-in")
    assert await asked_at(clock.now) == ["Tokyo"]
    assert await asked_at(datetime(2027, 3, 28, 12, 59, tzinfo=UTC)) == ["Tokyo"]
    assert await asked_at(datetime(2027, 3, 28, 13, 0, tzinfo=UTC)) == ["Berlin", "Tokyo"]  # CEST
    assert await asked_at(datetime(2027, 3, 28, 21, 59, tzinfo=UTC)) == ["Berlin", "Tokyo"]
    assert await asked_at(datetime(2027, 3, 28, 22, 0, tzinfo=UTC)) == [
        "Berlin",
        "Los_Angeles",
        "Tokyo",
    ]
