"""Every id parsed from what people typed or pressed is bounded before it reaches SQL."""

from __future__ import annotations

import pytest

from bot.core import Core
from bot.events import Actor, ButtonPressed, Event, FormSubmitted
from bot.messages import Text
from tests.bot.test_rejected_commands import snapshot
from tests.conftest import WHERE, say

HUGE = "9" * 50
ENORMOUS = "9" * 5000


def events() -> list[Event]:
    ada, boss = Actor("ada", "Ada"), Actor("boss", "Boss", platform_admin=True)
    return [
        say("boss", "checkin results 99999999999999999999999", admin=True),
        say("boss", f"checkin results {ENORMOUS}", admin=True),
        say("boss", f"checkin results {HUGE} team Acme/Eng", admin=True),
        say("boss", f"checkin pause {HUGE}", admin=True),
        say("boss", f"prompt delete {ENORMOUS}", admin=True),
        say("boss", f'checkin schedule "Q?" every friday 10:00 window {HUGE} days', admin=True),
        say("boss", "checkin results ²", admin=True),
        ButtonPressed(WHERE, ada, "checkin_answer", HUGE),
        ButtonPressed(WHERE, ada, "checkin_skip", ENORMOUS),
        ButtonPressed(WHERE, ada, "checkin_answer", "٣"),
        ButtonPressed(WHERE, ada, "outcome", f"{ENORMOUS}:met"),
        ButtonPressed(WHERE, ada, "outcome", f"{HUGE}:met"),
        ButtonPressed(WHERE, ada, "outcome", "²:met"),
        ButtonPressed(WHERE, boss, "forget_confirm", HUGE),
        FormSubmitted(WHERE, ada, f"checkin:{HUGE}", (("q0", "x"),)),
        FormSubmitted(WHERE, ada, f"checkin:{ENORMOUS}", (("q0", "x"),)),
    ]


@pytest.mark.parametrize("event", events(), ids=lambda e: repr(e)[:80])
async def test_an_out_of_range_id_gets_a_reply_and_changes_nothing(
    core: Core, community: int, event: Event
) -> None:
    await core.handle(say("ada", "join"))
    before = await snapshot(core)
    reply = await core.handle(event)
    assert isinstance(reply, Text), reply
    assert await snapshot(core) == before
