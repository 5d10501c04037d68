"""Admins' controls by slash command on the fake Discord: opt-out and opt-in a member, blackout
days, and `set close-dms-after`, accepted and said to change nothing (no group DMs to close)."""

from __future__ import annotations

from sqlalchemy import select

from adapters.discord import BridgeworkClient
from bot.core import Core
from bot.delivery.scheduler import desired_jobs
from bot.ports import ClosesGroups
from bot.store.blackouts import BlackoutRow
from bot.store.models import CommunityRow, MemberRow, OutboxRow
from bot.texts import copy
from tests.adapters.discord.conftest import Community
from tests.fakes.discord import FakeDiscord, reply_text


async def status_of(core: Core, pid: str) -> str:
    async with core.db.session() as session:
        row = await session.scalar(select(MemberRow).where(MemberRow.platform_id == pid))
    assert row is not None
    return row.status


async def test_an_admin_opts_a_member_out_and_in_and_the_bot_itself_is_refused(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord
) -> None:
    community, _ = running
    owner = fake.world.users[community.guild.owner_id]
    bob = community.members[1]
    out = await fake.slash(owner, community.guild, community.channel, "opt-out", person=bob)
    assert reply_text(out) == copy("opt.done_out", first_name="Person001")
    assert await status_of(core, bob.user.id) == "opted_out"
    again = await fake.slash(owner, community.guild, community.channel, "opt-out", person=bob)
    assert reply_text(again) == copy("opt.already_out", first_name="Person001")
    back = await fake.slash(owner, community.guild, community.channel, "opt-in", person=bob)
    assert reply_text(back) == copy("opt.done_in", first_name="Person001")
    assert await status_of(core, bob.user.id) == "active"
    me = community.guild.members[fake.world.bot.id]
    refused = await fake.slash(owner, community.guild, community.channel, "opt-out", person=me)
    assert reply_text(refused) == copy("opt.bot", verb="opt-out")
    async with core.db.session() as session:
        told = (await session.scalars(select(OutboxRow).where(OutboxRow.kind == "opt"))).all()
    assert [row.people for row in told] == [[bob.user.id], [bob.user.id]]


async def test_an_admin_adds_blackout_days_and_sets_them_to_be_skipped(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord
) -> None:
    community, _ = running
    owner = fake.world.users[community.guild.owner_id]
    mode = await fake.slash(
        owner, community.guild, community.channel, "set", setting="blackout", value="skip"
    )
    assert "blackout is now skip" in reply_text(mode)
    added = await fake.slash(
        owner, community.guild, community.channel, "skip", days="2027-12-21..2028-01-03"
    )
    assert "are skipped" in reply_text(added)
    listed = await fake.slash(owner, community.guild, community.channel, "skip")
    assert "what falls on them is skipped" in reply_text(listed)
    async with core.db.session() as session:
        rows = (await session.scalars(select(BlackoutRow))).all()
    assert [(r.first_day.isoformat(), r.last_day.isoformat()) for r in rows] == [
        ("2027-12-21", "2028-01-03")
    ]


async def test_close_dms_after_is_accepted_on_discord_and_said_to_change_nothing(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord
) -> None:
    community, client = running
    owner = fake.world.users[community.guild.owner_id]
    reply = await fake.slash(
        owner, community.guild, community.channel, "set", setting="close-dms-after", value="14"
    )
    shown = copy("set.close_dms", days="14 days")
    assert reply_text(reply) == copy("set.close_dms_elsewhere", value=shown)
    async with core.db.session() as session:
        row = await session.scalar(select(CommunityRow))
    assert row is not None and row.close_dms_after == 14
    assert f"close-dms:{row.id}" not in {spec.id for spec in await desired_jobs(core.db)}
    assert not isinstance(
        client.chats.at(str(community.guild.id), str(community.channel.id)), ClosesGroups
    )
