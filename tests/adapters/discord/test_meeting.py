"""A time to meet on Discord: each time as a timestamp Discord shows in the reader's own zone,
a numbered "This works" per time, and the invite as a message attachment (multipart)."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.discord import BridgeworkClient, render
from bot.messages import Button, Intro, IntroPerson, Invite, MeetingTime
from bot.ports import ConversationRef
from tests.adapters.discord.conftest import Community
from tests.bot.test_ics import unfolded
from tests.fakes.discord import FakeDiscord

GUILD, CHANNEL = "111111111111111111", "222222222222222222"
MESSAGES = "/channels/{channel_id}/messages"
WHEN = datetime(2027, 1, 6, 15, 30, tzinfo=UTC)


def an_intro() -> Intro:
    return Intro(
        greeting="Hello Ada and Grace!",
        people=(IntroPerson("Ada", "Engineering"), IntroPerson("Grace", "Sales")),
        starter="What did you learn this week?",
        scheduler_note="Grace, would you suggest a time?",
        buttons=(Button("We met", "outcome", "1:met"),),
        times_note="These 30 minutes suit you all:",
        times=(
            MeetingTime(
                WHEN, "Wed 15:30 for Ada, 10:30 for Grace", Button("This works", "slot", "1:0")
            ),
        ),
    )


def test_each_time_is_a_discord_timestamp_with_a_numbered_button() -> None:
    (piece,) = render.render(an_intro(), guild=GUILD, channel=CHANNEL)
    (embed,) = piece.embeds
    assert f"**1.** <t:{int(WHEN.timestamp())}:F> (your time)" in (embed.description or "")
    assert "These 30 minutes suit you all:" in (embed.description or "")
    labels = {b.label: b.custom_id for b in piece.buttons}
    assert labels["This works · 1"] == f"bw:{GUILD}:{CHANNEL}:slot:1:0"
    assert "We met" in labels


def test_an_invite_is_its_text_with_the_calendar_attached() -> None:
    invite = Invite("It's settled.", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "meeting-1.ics")
    (piece,) = render.render(invite, guild=GUILD, channel=CHANNEL)
    assert piece.content == "It's settled."
    assert piece.attachment is not None
    assert piece.attachment.filename == "meeting-1.ics"
    assert piece.attachment.data == invite.ics.encode()


async def test_the_invite_goes_as_a_multipart_attachment_once(
    running: tuple[Community, BridgeworkClient], fake: FakeDiscord
) -> None:
    community, client = running
    chat = client.chats.at(community.guild.id, community.channel.id)
    calendar = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART:20270106T153000Z\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    invite = Invite("It's settled.", calendar, "bridgework-meeting-1.ics")
    where = ConversationRef(community.channel.id)
    await chat.send(where, invite, key="slots-agreed:1")
    await chat.send(where, invite, key="slots-agreed:1")
    posts = [p for p in fake.requests("POST", MESSAGES) if p.status == 200]
    assert posts[0].files == 1
    [attachment] = posts[0].body["attachments"]
    assert attachment["filename"] == "bridgework-meeting-1.ics"
    stored = [m for m in fake.world.messages.values() if m.get("attachments")]
    assert len(stored) == 1
    [shown] = stored[0]["attachments"]
    assert shown["size"] == len(calendar.encode())
    assert "DTSTART:20270106T153000Z" in unfolded(fake.rest.files[shown["url"]].decode())
    assert fake.rest.violations == []
