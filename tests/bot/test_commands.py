from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import commands
from bot.commands import Help, Join, Pause, Set, SetTeam, Status, parse
from bot.domain import TeamPath
from bot.errors import InputError

TODAY = date(2027, 1, 4)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("join", Join()),
        ("  JOIN ", Join()),
        ("", Help()),
        ("help", Help()),
        ("status", Status()),
        ("pause until 2027-01-15", Pause(date(2027, 1, 15))),
        ("pause 2 weeks", Pause(date(2027, 1, 18))),
        ("pause 1 day", Pause(date(2027, 1, 5))),
        ("team Acme/Engineering/Platform", SetTeam(TeamPath(("Acme", "Engineering", "Platform")))),
        ("team Acme / Sales / EMEA", SetTeam(TeamPath(("Acme", "Sales", "EMEA")))),
        ("set cadence biweekly", Set("cadence", "biweekly")),
        ("set day Wednesday", Set("day", 2)),
        ("set time 9:30", Set("time", "09:30")),
        ("set timezone Europe/Berlin", Set("timezone", "Europe/Berlin")),
        ("set group-size 3", Set("group-size", 3)),
        ("set half-life 52", Set("half-life", 52)),
        ("set half-life 13w", Set("half-life", 13)),
        ("set half-life 0", Set("half-life", 0)),
        ("set leads-in-groups 2", Set("leads-in-groups", 2)),
        ("set leads-in-groups 0", Set("leads-in-groups", 0)),
        ("set holdout 10%", Set("holdout", 10)),
        ("set holdout 5", Set("holdout", 5)),
        ("set holdout off", Set("holdout", 0)),
        ("set close-dms-after 30", Set("close-dms-after", 30)),
        ("set close-dms-after 7d", Set("close-dms-after", 7)),
        ("set close-dms-after 0", Set("close-dms-after", 0)),
        ("set close-dms-after OFF", Set("close-dms-after", 0)),
    ],
)
def test_commands_parse_as_people_type_them(text: str, expected: commands.Command) -> None:
    assert parse(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "usage_part"),
    [
        ("pause until 2026-12-31", "pause until YYYY-MM-DD"),
        ("pause until tomorrow", "pause until YYYY-MM-DD"),
        ("pause 3 months", "pause until YYYY-MM-DD"),
        ("pause until 2029-01-01", "pause until YYYY-MM-DD"),
        ("pause", "pause until YYYY-MM-DD"),
        ("join now", "join"),
        ("team", "team Organisation/Department/Team"),
        ("team Acme//Platform", "team Organisation/Department/Team"),
        ("set day someday", "set day monday"),
        ("set time 25:00", "set time HH:MM"),
        ("set timezone Mars/Base", "set timezone Area/City"),
        ("set group-size 9", "set group-size 2…6"),
        (
            "set colour blue",
            "set cadence|day|time|timezone|group-size|llm|digest-channel|half-life|"
            "leads-in-groups|holdout|blackout|close-dms-after VALUE",
        ),
        ("set close-dms-after soon", "set close-dms-after 0…365|off"),
        ("set close-dms-after 366", "set close-dms-after 0…365|off"),
        ("set close-dms-after -1", "set close-dms-after 0…365|off"),
        ("set half-life forever", "set half-life 0…520"),
        ("set half-life 521", "set half-life 0…520"),
        ("set leads-in-groups some", "set leads-in-groups 0…50"),
        ("set leads-in-groups 51", "set leads-in-groups 0…50"),
        ("set holdout 60%", "set holdout 1…50%|off"),
        ("set holdout lots", "set holdout 1…50%|off"),
        ("dance", "join | leave | pause"),
    ],
)
def test_a_bad_command_gets_its_usage_and_an_example(text: str, usage_part: str) -> None:
    with pytest.raises(InputError) as caught:
        parse(text, TODAY)
    assert usage_part in caught.value.usage
    assert caught.value.example
    assert parse(caught.value.example, TODAY) is not None


def test_the_digest_channel_is_a_channel_the_platform_resolved_or_direct() -> None:
    leads = frozenset({"C9"})
    assert parse("set digest-channel #C9", TODAY, leads) == Set("digest-channel", "C9")
    assert parse("set digest-channel direct", TODAY, leads) == Set("digest-channel", "")
    for text, problem in {
        "set digest-channel #C1": "I can't post in #C1: mention a channel I am in",
        "set digest-channel leads": "'leads' is not a channel, or `direct`",
        "set digest-channel #": "'#' is not a channel",
    }.items():
        with pytest.raises(InputError, match=problem) as caught:
            parse(text, TODAY, leads)
        assert "set digest-channel #CHANNEL|direct" in caught.value.usage


def test_only_settings_roles_and_admins_controls_need_an_admin() -> None:
    admin_only = {
        name for name in commands.USAGE if commands.required_role(_sample(name)).name == "ADMIN"
    }
    assert admin_only == {"set", "role", "roles", "opt-out", "opt-in", "skip"}


def _sample(name: str) -> commands.Command:
    return parse(commands.USAGE[name][1], TODAY)


@given(st.text(max_size=200))
def test_the_parser_never_raises_anything_but_input_error(text: str) -> None:
    try:
        result = parse(text, TODAY)
    except InputError as exc:
        assert str(exc)
        assert exc.usage and exc.example
    else:
        assert commands.command_name(result) in commands.USAGE


@given(
    st.lists(
        st.sampled_from(
            ["pause", "until", "set", "team", "day", "2", "weeks", "2027-02-30", "time", "x/y", "/"]
        ),
        max_size=5,
    ).map(" ".join)
)
def test_near_miss_commands_are_parsed_or_refused_cleanly(text: str) -> None:
    try:
        parse(text, TODAY)
    except InputError as exc:
        assert exc.usage
