"""The whole of Bridgework in one scripted console session, from an empty database: an admin
grants Bob lead and Cy facilitator, Cy schedules a prompt and a check-in for later today, members
answer both, and Bob gets the weekly digest by direct message and asks for it again the next
day. Every step's reply is asserted."""

from __future__ import annotations

import io

from adapters.console import ConsoleChat, ConsoleRunner, ConsoleSpace
from bot.core import Core
from bot.domain import Platform
from bot.messages import Image, Text
from tests.conftest import MovableClock

SPACE = ConsoleSpace("acme", "coffee")
PEOPLE = {
    "ann": ("Ann Ode", "Acme/Ops"),
    "bob": ("Bob Ross", "Acme/Eng"),
    "cy": ("Cy Young", "Acme/Sales"),
    "dee": ("Dee Dee", "Acme/Eng"),
    "eve": ("Eve Arden", "Acme/Sales"),
    "fay": ("Fay Wray", "Acme/Ops"),
}
ANSWERS = {
    "bob": "Pairing with Sales showed me how they talk to customers.",
    "cy": "The meeting load got in the way of deep work.",
    "dee": "A quick call with Ops unblocked the release.",
    "eve": "Too many meetings again this week.",
    "fay": "Learning how Engineering plans their sprints helped.",
}


class Session:
    """A console runner whose ``say`` returns what that line printed."""

    def __init__(self, core: Core, community: int) -> None:
        self.out = io.StringIO()
        self.chat = ConsoleChat(self.out)
        self.runner = ConsoleRunner(core, self.chat, SPACE, community, self.out)

    async def say(self, line: str) -> str:
        start = len(self.out.getvalue())
        await self.runner.feed(line)
        return self.out.getvalue()[start:]

    def delivered_to(self, conversation: str) -> list[str]:
        return [
            d.message.body
            for d in self.chat.transcript
            if d.conversation == conversation and isinstance(d.message, Text)
        ]


async def test_from_an_empty_database_to_the_leads_digest(core: Core, clock: MovableClock) -> None:
    community = await core.ensure_community(
        Platform.CONSOLE, SPACE.workspace, SPACE.channel, name="Acme", timezone="Europe/London"
    )
    s = Session(core, community)  # Monday 4 January 2027, 09:00 in London
    for pid, (name, team) in PEOPLE.items():
        assert await s.say(f"+{pid} '{name}' {team} Europe/London") == ""
        joined = await s.say(f"{pid}: status")
        assert f"→ {pid}: {name.split()[0]}, here is what Bridgework knows about you" in joined
        assert "next round: Monday 4 January 2027, 10:00 Europe/London" in joined

    # An admin grants the roles; each person is told privately what it allows.
    refused = await s.say("cy: prompt list")
    assert refused == "→ cy: Sorry, Cy: `prompt` is for facilitators of this community.\n"
    granted = await s.say("ann! role grant @bob lead")
    assert granted.startswith("→ ann: Done: Bob is now a lead of this community.\n")
    assert "── group:bob (m1)\nHi Bob, you are now a lead of Acme." in granted
    granted = await s.say("ann! role grant @cy facilitator")
    assert granted.startswith("→ ann: Done: Cy is now a facilitator of this community.\n")
    assert "Hi Cy, you are now a facilitator of Acme." in granted
    listing = await s.say("ann! roles")
    assert "• leads: Bob\n• facilitators: Cy" in listing
    assert "For facilitators" in await s.say("cy: help")
    assert "For leads" in await s.say("bob: help")

    # Cy schedules a listening prompt and an anonymous check-in, both for later today.
    prompt = await s.say(
        'cy: prompt schedule "What helped you this week?" once 2027-01-04 15:00 #coffee'
    )
    assert prompt == (
        "→ cy: Scheduled listening prompt, schedule 1: once, Monday 4 January 2027, 15:00 "
        "Europe/London in #coffee: “What helped you this week?”. Answers go in the prompt's "
        "thread.\n"
    )
    checkin = await s.say(
        'cy: checkin schedule "What helped or got in your way?" once 2027-01-04 16:00 '
        "window 2 days anonymous"
    )
    assert checkin.startswith(
        "→ cy: Scheduled check-in, schedule 2: once, Monday 4 January 2027, 16:00 each member's "
        "local time (Europe/London where unknown)\n"
        "  asks: “What helped or got in your way?”\n"
        "  for: everyone; answers for 2 days; anonymous\n"
    )
    late = await s.say('cy: checkin schedule "Q?" once 2027-01-04 08:00')
    assert "Monday 4 January 2027, 08:00 Europe/London has passed" in late

    # 15:00: the prompt is posted and two members answer in its thread.
    clock.advance(hours=6)
    posted = await s.say("!prompts")
    assert posted.startswith(
        "prompt 1 posted to #coffee\n── coffee (m3)\nWhat helped you this week?"
    )
    assert await s.say("dee replies m3: Sitting with Sales for an afternoon.") == ""
    assert await s.say("eve replies m3: Asking Ops before guessing.") == ""

    # 16:00: the check-in opens; everyone is asked privately, five answer, one skips.
    clock.advance(hours=1)
    opened = await s.say("!checkins")
    assert opened.startswith("check-in 1: 6 asked\n")
    assert "[Answer → checkin_answer 1] [Skip → checkin_skip 1]" in opened
    assert "until Wednesday 6 January 2027, 16:00 Europe/London" in opened
    form = await s.say("bob presses checkin_answer 1")
    assert "Answer with: bob submits checkin:1 q0='…'" in form
    for pid, answer in ANSWERS.items():
        first = PEOPLE[pid][0].split()[0]
        thanked = await s.say(f"{pid} submits checkin:1 q0='{answer}'")
        assert (
            thanked
            == f"→ {pid}: Thank you, {first}. You can edit your answer until the check-in closes.\n"
        )
    assert await s.say("ann presses checkin_skip 1") == (
        "→ ann: Skipped, Ann. No reminder will come for this one.\n"
    )
    listed = await s.say("cy: checkin list")
    assert (
        "  check-in 1 (open, closes Wednesday 6 January 2027, 16:00 Europe/London): "
        "`checkin results 1`" in listed
    )

    # Two days on the check-in closes; the weekly digest goes to Bob privately.
    clock.advance(days=2, hours=1)
    assert (await s.say("!sweep")) == "0 reminders, 1 check-in closed\n"
    results = await s.say("bob: checkin results 1")
    assert "→ bob: Check-in 1: 5 respondents, answers in no particular order." in results
    weekly = await s.say("!digest")
    assert weekly.startswith("digest queued for 1 lead (2 messages; themes: ")
    [digest] = s.delivered_to("group:bob")[1:]
    assert digest.startswith("*Bridgework digest for Acme* — since Wednesday 30 December 2026")
    assert "Listening prompts: 1 posted, 2 answers in their threads." in digest
    assert "Check-in 1: 5 of 6 answered" in digest
    assert any(
        d.conversation == "group:bob" and isinstance(d.message, Image) for d in s.chat.transcript
    )

    # The next day Bob asks for it again, on demand.
    clock.advance(days=1)
    again = await s.say("bob: digest")
    assert again.startswith("→ bob: The digest is on its way to you privately.\n── group:bob")
    assert len(s.delivered_to("group:bob")) == 3
    assert s.delivered_to("group:bob")[2].startswith(
        "*Bridgework digest for Acme* — since Thursday 31 December 2026"
    )
    assert (
        await s.say("dee: digest")
        == "→ dee: Sorry, Dee: `digest` is for leads of this community.\n"
    )
