"""On Discord: a check-in by DM reaches members who set their zone (Tokyo, Berlin, Los Angeles)
at 15:00 on their own Saturday, and the rest at the community's (London); each one's reminder
at 15:00 on their own Sunday — in the week Europe's clocks go forward that night."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from adapters.discord import BridgeworkClient, chat_for
from bot.core import Core
from bot.store.facilitation import ScheduleRow
from tests.adapters.discord.conftest import Community
from tests.conftest import MovableClock
from tests.fakes.discord import FakeDiscord, reply_text

ZONES = ("Asia/Tokyo", "Europe/Berlin", "America/Los_Angeles")
QUESTION = "How was your week?"


async def _zones_set(fake: FakeDiscord, community: Community) -> dict[str, str]:
    """The first members set their zones to ZONES (the others, the owner too, set none: the
    community's): each one's city by id."""
    where: dict[str, str] = {}
    for member, zone in zip(community.members, ZONES, strict=False):
        answer = await fake.slash(
            member.user, community.guild, community.channel, "timezone", zone=zone
        )
        assert zone in reply_text(answer), reply_text(answer)
        where[member.user.id] = zone.split("/")[1]
    return where


async def _scheduled(fake: FakeDiscord, community: Community, core: Core, when: str) -> int:
    """The guild's owner schedules a check-in of QUESTION ``when``: its schedule's id."""
    guild, channel = community.guild, community.channel
    owner = fake.world.users[guild.owner_id]
    scheduled = await fake.slash(
        owner, guild, channel, "checkin", what=f'schedule "{QUESTION}" {when}'
    )
    assert "Scheduled check-in" in reply_text(scheduled)
    async with core.db.session() as session:
        schedule = await session.scalar(select(ScheduleRow))
    assert schedule is not None
    return int(schedule.id)


async def test_check_ins_and_their_reminders_reach_each_zone_at_its_own_15_00(
    running: tuple[Community, BridgeworkClient],
    core: Core,
    fake: FakeDiscord,
    clock: MovableClock,
) -> None:
    community, client = running
    where = await _zones_set(fake, community)
    schedule = await _scheduled(fake, community, core, "every saturday 15:00")
    seen: set[str] = set()

    async def new_at(moment: datetime, *, sweep: bool = False) -> list[str]:
        """What reached whom since the last look, as "zone: ask|reminder" (one line a zone)."""
        clock.now = moment
        if sweep:
            await core.run_job("sweep", community.id)
        report = await core.sender(chat_for(client)).drain(community_id=community.id, max_wait=5)
        assert report.dead == 0
        found = set()
        for dm in fake.world.channels.values():
            if not dm.recipients:
                continue
            for message in fake.messages_in(dm.id):
                if message["id"] in seen:
                    continue
                seen.add(message["id"])
                text = json.dumps(message)
                kind = "ask" if QUESTION in text else "reminder" if "reminder" in text else text
                found.add(f"{where.get(dm.recipients[0].id, 'London')}: {kind}")
        return sorted(found)

    # Saturday 27 March 2027: 15:00 in Tokyo is 06:00 UTC, the job's time.
    clock.now = datetime(2027, 3, 27, 6, 0, tzinfo=UTC)
    assert (await core.run_job("schedule", schedule)).startswith("check-in")
    assert await new_at(clock.now) == ["Tokyo: ask"]
    assert await new_at(datetime(2027, 3, 27, 13, 59, tzinfo=UTC)) == []
    assert await new_at(datetime(2027, 3, 27, 14, 0, tzinfo=UTC)) == ["Berlin: ask"]  # CET
    assert await new_at(datetime(2027, 3, 27, 15, 0, tzinfo=UTC)) == ["London: ask"]  # GMT
    assert await new_at(datetime(2027, 3, 27, 21, 59, tzinfo=UTC)) == []
    assert await new_at(datetime(2027, 3, 27, 22, 0, tzinfo=UTC)) == ["Los_Angeles: ask"]  # PDT
    # Sunday: reminders half the 2-day window later, at 15:00 on each one's clock.
    assert await new_at(datetime(2027, 3, 28, 5, 55, tzinfo=UTC), sweep=True) == []
    assert await new_at(datetime(2027, 3, 28, 6, 0, tzinfo=UTC)) == ["Tokyo: reminder"]
    assert await new_at(datetime(2027, 3, 28, 12, 55, tzinfo=UTC), sweep=True) == []
    assert await new_at(datetime(2027, 3, 28, 13, 0, tzinfo=UTC)) == ["Berlin: reminder"]  # CEST
    assert await new_at(datetime(2027, 3, 28, 13, 55, tzinfo=UTC), sweep=True) == []
    assert await new_at(datetime(2027, 3, 28, 14, 0, tzinfo=UTC)) == ["London: reminder"]  # BST
    assert await new_at(datetime(2027, 3, 28, 21, 55, tzinfo=UTC), sweep=True) == []
    assert await new_at(datetime(2027, 3, 28, 22, 0, tzinfo=UTC)) == ["Los_Angeles: reminder"]
    assert await new_at(datetime(2027, 3, 29, 12, 0, tzinfo=UTC), sweep=True) == []


async def test_a_once_check_in_reaches_each_zone_at_15_00_on_its_date(
    running: tuple[Community, BridgeworkClient],
    core: Core,
    fake: FakeDiscord,
    clock: MovableClock,
) -> None:
    community, client = running
    where = await _zones_set(fake, community)
    # Sunday 28 March 2027, the day Europe's clocks went forward.
    schedule = await _scheduled(fake, community, core, "once 2027-03-28 15:00")

    async def asked_at(moment: datetime) -> set[str]:
        clock.now = moment
        report = await core.sender(chat_for(client)).drain(community_id=community.id, max_wait=5)
        assert report.dead == 0
        return {
            where.get(dm.recipients[0].id, "London")
            for dm in fake.world.channels.values()
            if dm.recipients and any(QUESTION in json.dumps(m) for m in fake.messages_in(dm.id))
        }

    clock.now = datetime(2027, 3, 28, 6, 0, tzinfo=UTC)  # 15:00 in Tokyo
    assert (await core.run_job("schedule", schedule)).startswith("check-in")
    assert await asked_at(clock.now) == {"Tokyo"}
    assert await asked_at(datetime(2027, 3, 28, 12, 59, tzinfo=UTC)) == {"Tokyo"}
    assert await asked_at(datetime(2027, 3, 28, 13, 0, tzinfo=UTC)) == {"Tokyo", "Berlin"}  # CEST
    assert await asked_at(datetime(2027, 3, 28, 14, 0, tzinfo=UTC)) == {
        "Tokyo",
        "Berlin",
        "London",  # 15:00 BST
    }
    assert await asked_at(datetime(2027, 3, 28, 22, 0, tzinfo=UTC)) == {
        "Tokyo",
        "Berlin",
        "London",
        "Los_Angeles",  # 15:00 PDT
    }
