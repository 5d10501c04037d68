from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from adapters.console import ConsoleChat, ConsoleRunner, ConsoleSpace, to_event
from bot.core import Core
from bot.domain import Platform
from bot.errors import InputError, Undeliverable
from bot.events import (
    Actor,
    ButtonPressed,
    CommandInvoked,
    FormSubmitted,
    MemberJoined,
    MemberLeft,
    MessagePosted,
)
from bot.messages import Choices, Intro, Text
from bot.ports import ConversationRef
from bot.store.models import MemberRow, OutcomeRow
from tests.conftest import MovableClock

SPACE = ConsoleSpace("acme", "coffee")


def test_typed_lines_become_core_events() -> None:
    names: dict[str, str] = {}
    joined = to_event("+ada 'Ada Lovelace' Acme/Eng/Platform Europe/London", SPACE, names)
    assert isinstance(joined, MemberJoined)
    assert (joined.actor.platform_id, joined.actor.display_name) == ("ada", "Ada Lovelace")
    assert (joined.team, joined.actor.timezone) == ("Acme/Eng/Platform", "Europe/London")
    assert joined.where.platform is Platform.CONSOLE
    command = to_event("ada: pause 2 weeks", SPACE, names)
    assert isinstance(command, CommandInvoked)
    assert (command.text, command.actor.display_name, command.actor.platform_admin) == (
        "pause 2 weeks",
        "Ada Lovelace",
        False,
    )
    admin = to_event("boss!: set day friday", SPACE, names)
    assert isinstance(admin, CommandInvoked) and admin.actor.platform_admin
    for line in ("boss! set time 10:30", "boss!set time 10:30"):
        admin = to_event(line, SPACE, names)
        assert isinstance(admin, CommandInvoked)
        assert (admin.actor.platform_id, admin.actor.platform_admin) == ("boss", True)
        assert admin.text == "set time 10:30"
    timed = to_event('ada: checkin schedule "Q?" once 2027-01-07 10:00', SPACE, names)
    assert isinstance(timed, CommandInvoked) and timed.text.endswith("once 2027-01-07 10:00")
    with pytest.raises(InputError, match="say who is speaking"):
        to_event("just some words", SPACE, names)
    pressed = to_event("ada presses outcome 12:met", SPACE, names)
    assert isinstance(pressed, ButtonPressed)
    assert (pressed.action, pressed.value) == ("outcome", "12:met")
    left = to_event("-ada", SPACE, names)
    assert isinstance(left, MemberLeft) and left.actor.platform_id == "ada"
    assert to_event("# a comment", SPACE, names) is None
    assert to_event("   ", SPACE, names) is None


@pytest.mark.parametrize("line", ["just words", "+", "+'unclosed", "+a b c d e"])
def test_an_unreadable_line_gets_usage(line: str) -> None:
    with pytest.raises(InputError) as caught:
        to_event(line, SPACE, {})
    assert caught.value.usage and caught.value.example


async def test_the_console_sends_once_per_key_and_shows_updates() -> None:
    out = io.StringIO()
    chat = ConsoleChat(out)
    where = await chat.open_group(["b", "a"])
    assert where == ConversationRef("group:a+b")
    first = await chat.send(where, Text("hello"), key="k1")
    again = await chat.send(where, Text("hello"), key="k1")
    assert first == again
    await chat.update(first, Text("how did it go?"))
    assert [(d.message_id, d.updated) for d in chat.transcript] == [("m1", False), ("m1", True)]
    assert out.getvalue().count("hello") == 1
    assert "(m1, updated)" in out.getvalue()
    chat.gone.add("a")
    with pytest.raises(Undeliverable):
        await chat.open_group(["a", "c"])


async def test_a_scripted_console_session_runs_a_round_end_to_end(
    core: Core, clock: MovableClock
) -> None:
    community = await core.ensure_community(
        Platform.CONSOLE, SPACE.workspace, SPACE.channel, name="Acme"
    )
    out = io.StringIO()
    chat = ConsoleChat(out)
    runner = ConsoleRunner(core, chat, SPACE, community, out)
    await runner.run_script(
        [
            "+ada 'Ada Lovelace' Acme/Eng/Platform",
            "+kofi 'Kofi Mensah' Acme/Sales/EMEA",
            "+mei 'Dr. Mei Wong' Acme/People/Talent",
            "+lars 'Lars Nilsson' Acme/Eng/Platform",
            "lars: pause 2 weeks",
            "!round",
        ]
    )
    intros = [d for d in chat.transcript if isinstance(d.message, Intro)]
    assert len(intros) == 1
    intro = intros[0].message
    assert isinstance(intro, Intro)
    assert sorted(p.first_name for p in intro.people) == ["Ada", "Kofi", "Mei"]
    assert "Dr" not in out.getvalue()
    clock.advance(days=3)
    await runner.run_script(["!followups"])
    followup, ask = chat.transcript[-2:]
    assert followup.updated and followup.message_id == intros[0].message_id
    assert not ask.updated and isinstance(ask.message, Choices)  # a new message notifies
    assert isinstance(followup.message, Intro) and followup.message.followup
    value = followup.message.buttons[0].value
    await runner.run_script([f"ada presses outcome {value}", "-kofi", "!quit", "mei: leave"])
    assert "noted: you met" in out.getvalue()
    async with core.db.session() as session:
        assert (await session.scalars(select(OutcomeRow.outcome))).all() == ["met"]
        statuses = dict(
            (await session.execute(select(MemberRow.platform_id, MemberRow.status))).all()
        )
    assert statuses == {"ada": "active", "kofi": "left", "mei": "active", "lars": "paused"}


async def test_a_bad_line_is_explained_and_the_session_goes_on(core: Core) -> None:
    community = await core.ensure_community(
        Platform.CONSOLE, SPACE.workspace, SPACE.channel, name="Acme"
    )
    out = io.StringIO()
    runner = ConsoleRunner(core, ConsoleChat(out), SPACE, community, out)
    await runner.run_script(["hello there", "+ada Ada", "ada: pause until someday"])
    text = out.getvalue()
    assert "say who is speaking" in text and "example: ada: pause until 2027-01-15" in text
    assert "Usage: pause until YYYY-MM-DD" in text


def test_thread_replies_and_form_answers_are_typed_as_lines() -> None:
    names = {"ada": "Ada Lovelace"}
    reply = to_event("ada replies m3: I listened to Kofi.", SPACE, names)
    assert reply == MessagePosted(
        SPACE.where, Actor("ada", "Ada Lovelace"), "I listened to Kofi.", "m3"
    )
    form = to_event("ada submits checkin:4 q0='Quite connected.' q1=", SPACE, names)
    assert form == FormSubmitted(
        SPACE.where,
        Actor("ada", "Ada Lovelace"),
        "checkin:4",
        (("q0", "Quite connected."), ("q1", "")),
    )
    with pytest.raises(InputError):
        to_event("ada submits checkin:4 nonsense", SPACE, names)
    mention = to_event("fa: prompt schedule 'Hi' every monday 10:00 #coffee", SPACE, names)
    assert isinstance(mention, CommandInvoked) and mention.channels == frozenset({"coffee"})


def test_the_words_presses_replies_and_submits_inside_a_command_stay_in_it() -> None:
    names = {"cy": "Cy Twombly"}
    for line in (
        'cy: prompt schedule "Who presses whom for answers?" every monday 10:00 #coffee',
        'cy: library add listening "What replies: did you get?"',
        "cy! checkin schedule 'Who submits work late?' every friday 15:00",
    ):
        event = to_event(line, SPACE, names)
        assert isinstance(event, CommandInvoked), line
        assert event.actor.platform_id == "cy" and event.text == line.partition(" ")[2].lstrip()
    with pytest.raises(InputError, match="say which button"):
        to_event("ada presses", SPACE, names)
    with pytest.raises(InputError, match="say which message and the reply"):
        to_event("ada replies hello", SPACE, names)


async def test_buttons_and_forms_show_the_line_that_presses_or_submits_them(
    core: Core, clock: MovableClock
) -> None:
    community = await core.ensure_community(
        Platform.CONSOLE, SPACE.workspace, SPACE.channel, name="Acme"
    )
    out = io.StringIO()
    chat = ConsoleChat(out)
    runner = ConsoleRunner(core, chat, SPACE, community, out)
    await runner.run_script(
        ["+ada 'Ada Lovelace' Acme/Eng", "+kofi 'Kofi Mensah' Acme/Sales", "!round"]
    )
    clock.advance(days=3)
    await runner.run_script(["!followups"])
    intro = chat.transcript[-2].message  # updated in place; then the question anew
    assert isinstance(intro, Intro)
    group = intro.buttons[0].value.split(":")[0]
    shown = out.getvalue()
    assert f"[We met → outcome {group}:met] [Not yet → outcome {group}:not_yet]" in shown
    await runner.run_script(["boss! checkin schedule 'How was it?' once 2027-01-08 10:00"])
    clock.now = datetime(2027, 1, 8, 10, 0, tzinfo=UTC)  # asked at its time, in their zone
    await runner.run_script(["!checkins", "ada: forget-me"])
    shown = out.getvalue()
    assert "[Answer → checkin_answer 1] [Skip → checkin_skip 1]" in shown
    assert "[Yes, delete my data → forget_confirm" in shown
    await runner.run_script(["ada presses checkin_answer 1"])
    assert "→ ada: Reflection (form checkin:1)\n- q0: How was it?\n" in out.getvalue()
    assert "Answer with: ada submits checkin:1 q0='…'" in out.getvalue()


async def test_a_wrong_press_gets_its_own_answer_on_the_console(core: Core) -> None:
    community = await core.ensure_community(
        Platform.CONSOLE, SPACE.workspace, SPACE.channel, name="Acme"
    )
    out = io.StringIO()
    runner = ConsoleRunner(core, ConsoleChat(out), SPACE, community, out)
    await runner.run_script(
        [
            "+ada 'Ada Lovelace' Acme/Eng",
            "+kofi 'Kofi Mensah' Acme/Sales",
            "+zed 'Zed Shaw' Acme/Ops",
            "zed: pause 2 weeks",
            "!round",
            "zed presses outcome 1:met",
            "ada presses outcome 77:met",
            "ada presses outcome whatever",
            "!nonsense",
        ]
    )
    text = out.getvalue()
    assert "→ zed: You weren't in introduction 1, Zed, so nothing was recorded." in text
    assert "→ ada: There is no introduction 77 here, Ada; nothing was recorded." in text
    assert "→ ada: “whatever” is not an answer to a follow-up, Ada" in text
    assert "! there is no console command !nonsense; `!help` lists them" in text
    assert "That round has ended" not in text


async def test_the_console_runs_prompts_checkins_and_the_digest_now(
    core: Core, clock: MovableClock
) -> None:
    community = await core.ensure_community(
        Platform.CONSOLE, SPACE.workspace, SPACE.channel, name="Acme"
    )
    out = io.StringIO()
    chat = ConsoleChat(out)
    runner = ConsoleRunner(core, chat, SPACE, community, out)
    await runner.run_script(
        [
            "+ada 'Ada Lovelace' Acme/Eng",
            "boss! prompt schedule 'What helped?' once 2027-01-07 10:00 #coffee",
            "!prompts",
            "!checkins",
            "!digest",
            "boss! role grant @ada lead",
            "!digest",
        ]
    )
    text = out.getvalue()
    assert "── coffee (m1)\nWhat helped?" in text
    assert "no checkins are scheduled" in text
    assert "no leads to send the digest to; the next admin to use a command is told" in text
    assert "digest queued for 1 lead" in text
    assert any(
        d.conversation == "group:ada" and "Bridgework digest" in str(d.message)
        for d in chat.transcript
    )


async def test_meeting_again_is_asked_and_answered_on_the_console(
    core: Core, clock: MovableClock
) -> None:
    community = await core.ensure_community(
        Platform.CONSOLE, SPACE.workspace, SPACE.channel, name="Acme"
    )
    out = io.StringIO()
    chat = ConsoleChat(out)
    runner = ConsoleRunner(core, chat, SPACE, community, out)
    await runner.run_script(
        ["+ada 'Ada Lovelace' Acme/Eng/Platform", "+kofi 'Kofi Mensah' Acme/Sales/EMEA", "!round"]
    )
    intro = chat.transcript[-1].message
    assert isinstance(intro, Intro)
    group = intro.buttons[0].value.split(":")[0]
    await runner.run_script([f"ada presses outcome {group}:met"])
    ask = chat.transcript[-1]
    assert isinstance(ask.message, Choices) and "Meet again in 6 weeks?" in ask.message.body
    assert ask.conversation == chat.transcript[0].conversation  # in the group
    shown = f"[Yes, in 6 weeks → meet_again {group}:yes] [No, thanks → meet_again {group}:no]"
    assert shown in out.getvalue()
    await runner.run_script(
        [f"ada presses meet_again {group}:yes", f"kofi presses meet_again {group}:yes"]
    )
    assert "Everyone said yes, Kofi" in out.getvalue()
