"""Recorded Slack payloads become the core's events (pure translation)."""

from __future__ import annotations

from adapters.slack import translate
from bot.domain import Platform
from bot.events import (
    AccessGranted,
    AccessRevoked,
    Actor,
    ButtonPressed,
    CommandInvoked,
    ConversationMessage,
    FormSubmitted,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    Where,
)
from bot.ports import MemberInfo
from tests.adapters.slack.conftest import CHANNEL, TEAM, recorded

ADA = {
    "id": "U0ADA00001",
    "is_admin": False,
    "is_owner": False,
    "tz": "Europe/London",
    "profile": {"first_name": "Ada", "last_name": "Lovelace", "real_name": "Ada Lovelace"},
}


def test_a_slash_command_is_a_command_with_its_text_and_trigger() -> None:
    event = translate.command(recorded("slash_command", text="pause 2 weeks"), ADA)
    assert event == CommandInvoked(
        Where(Platform.SLACK, TEAM, CHANNEL),
        Actor("U0ADA00001", "Ada Lovelace", timezone="Europe/London"),
        "pause 2 weeks",
        interaction="trigger-13345224609.738474920.8088930838d88f008e0",
    )


def test_workspace_owners_and_admins_carry_the_platform_admin_fact() -> None:
    for flag in ("is_admin", "is_owner", "is_primary_owner"):
        event = translate.command(recorded("slash_command"), {**ADA, flag: True})
        assert event.actor.platform_admin, flag
    assert not translate.command(recorded("slash_command"), ADA).actor.platform_admin


def test_without_a_user_record_the_actor_is_no_admin() -> None:
    event = translate.command(recorded("slash_command"), None)
    assert event.actor == Actor("U0ADA00001", "U0ADA00001")


def test_a_button_in_a_group_dm_finds_the_community_channel_it_carries() -> None:
    event = translate.button(recorded("block_actions_message"), ADA)
    assert event == ButtonPressed(
        Where(Platform.SLACK, TEAM, CHANNEL),
        Actor("U0ADA00001", "Ada Lovelace", timezone="Europe/London"),
        "outcome",
        "1:met",
        interaction="trigger-12466734323.1395872398",
    )


def test_a_button_in_the_app_home_is_from_the_home_and_names_no_channel() -> None:
    body = recorded("block_actions_home")
    event = translate.button(body, ADA)
    assert (event.where.channel, event.action, event.value) == ("", "join", "")
    assert translate.is_home(body)
    assert not translate.is_home(recorded("block_actions_message"))


def test_a_modal_submission_is_a_form_with_each_fields_value() -> None:
    event = translate.submission(recorded("view_submission"), ADA)
    assert event == FormSubmitted(
        Where(Platform.SLACK, TEAM, CHANNEL),
        Actor("U0ADA00001", "Ada Lovelace", timezone="Europe/London"),
        "reflection:7",
        (("answer", "We talked about onboarding."),),
    )


def test_joining_and_leaving_the_channel_name_the_community_and_person() -> None:
    info = MemberInfo("U0ADA00001", "Ada Lovelace", "Europe/Paris", "Engineering", guest=True)
    assert translate.joined(recorded("member_joined_channel"), info) == MemberJoined(
        Where(Platform.SLACK, TEAM, CHANNEL),
        Actor("U0ADA00001", "Ada Lovelace", timezone="Europe/Paris"),
        "Engineering",
        guest=True,
    )
    assert translate.left(recorded("member_left_channel")) == MemberLeft(
        Where(Platform.SLACK, TEAM, CHANNEL), Actor("U0ADA00001", "U0ADA00001")
    )


def test_the_app_home_opened_on_the_messages_tab_is_not_a_home_view() -> None:
    body = recorded("app_home_opened")
    assert translate.home_opened(body) == (Where(Platform.SLACK, TEAM, ""), "U0ADA00001")
    body["event"]["tab"] = "messages"
    assert translate.home_opened(body) is None


def test_a_name_comes_from_first_and_last_name_then_the_real_name() -> None:
    assert translate.actor("U1", {"profile": {"real_name": "Grace Hopper"}}).display_name == (
        "Grace Hopper"
    )
    assert translate.actor("U1", {"name": "grace", "profile": {}}).display_name == "grace"


def test_a_reply_in_the_thread_of_our_message_is_a_message_in_that_thread() -> None:
    body = recorded("message_thread_reply")
    assert translate.is_thread_reply(body, "U0BRIDGEBOT")
    assert translate.thread_reply(body, ADA) == MessagePosted(
        Where(Platform.SLACK, TEAM, CHANNEL),
        Actor("U0ADA00001", "Ada Lovelace", timezone="Europe/London"),
        "We should pair across Sales and Legal more often.",
        thread="1798000000.000001",
        message="1798000100.000200",
    )


def test_a_message_in_a_group_dm_is_a_message_in_that_conversation_without_its_text() -> None:
    body = recorded("message_mpim")
    assert translate.is_group_message(body, "U0BRIDGEBOT")
    assert not translate.is_thread_reply(body, "U0BRIDGEBOT")
    assert translate.group_message(body) == ConversationMessage(
        Where(Platform.SLACK, TEAM, "G00000001"),
        Actor("U0ADA00001", "U0ADA00001"),
        conversation="G00000001",
        message="1798000300.000400",
    )


def test_edits_bots_channels_and_replies_to_us_are_no_group_dm_message() -> None:
    body = recorded("message_mpim")
    edited = {**body, "event": {**body["event"], "subtype": "message_changed"}}
    by_bot = {**body, "event": {**body["event"], "bot_id": "B0OTHER01"}}
    ours = {**body, "event": {**body["event"], "user": "U0BRIDGEBOT"}}
    in_channel = {**body, "event": {**body["event"], "channel_type": "channel"}}
    reply = {
        **body,
        "event": {
            **body["event"],
            "thread_ts": "1798000000.000001",
            "parent_user_id": "U0BRIDGEBOT",
        },
    }
    for other in (edited, by_bot, ours, in_channel, reply):
        assert not translate.is_group_message(other, "U0BRIDGEBOT")


def test_a_channel_in_a_command_arrives_as_its_id_and_is_one_of_its_channels() -> None:
    text = "prompt schedule “What surprised you?” once 2027-01-05 10:00 <#C0LISTEN01|listening>"
    event = translate.command(recorded("slash_command", text=text), ADA)
    assert event.text == 'prompt schedule "What surprised you?" once 2027-01-05 10:00 #C0LISTEN01'
    assert event.channels == frozenset({"C0LISTEN01"})


def test_slacks_escapes_are_undone_in_what_people_wrote() -> None:
    written = "Tom &amp; Jerry &lt;3 <@U0ADA00001|ada> see <https://example.org/a|the page>"
    assert translate.unescape(written) == "Tom & Jerry <3 @U0ADA00001 see https://example.org/a"


def test_other_messages_are_not_answers() -> None:
    def changed(**event: object) -> dict[str, object]:
        body = recorded("message_thread_reply")
        body["event"] = {**body["event"], **event}
        return body

    assert not translate.is_thread_reply(changed(parent_user_id="U0SOMEONE1"), "U0BRIDGEBOT")
    assert not translate.is_thread_reply(changed(subtype="message_changed"), "U0BRIDGEBOT")
    assert not translate.is_thread_reply(changed(bot_id="B0OTHER01"), "U0BRIDGEBOT")
    assert not translate.is_thread_reply(changed(thread_ts=None), "U0BRIDGEBOT")
    assert not translate.is_thread_reply(changed(ts="1798000000.000001"), "U0BRIDGEBOT")


def test_a_team_access_revoked_names_the_workspaces_lost_and_the_org() -> None:
    body = recorded("team_access_revoked")
    assert translate.access_revoked(body) == AccessRevoked(
        Platform.SLACK, "E0BRIDGE1", ("T0BRIDGE2", "T0BRIDGE3"), "team access revoked"
    )
    body["event"]["team_ids"] = []
    assert translate.access_revoked(body) is None  # nothing lost: nothing to do


def test_a_team_access_granted_names_the_workspaces_given_and_the_org_as_revoked_does() -> None:
    body = recorded("team_access_granted")
    given = AccessGranted(
        Platform.SLACK, "E0BRIDGE1", ("T0BRIDGE2", "T0BRIDGE3"), "team access revoked"
    )
    assert translate.team_access(body) == given
    assert translate.team_access(recorded("team_access_revoked")) == AccessRevoked(
        Platform.SLACK, "E0BRIDGE1", ("T0BRIDGE2", "T0BRIDGE3"), "team access revoked"
    )
    body["event"]["enterprise_id"] = "E0BRIDGE1"  # Slack's own example: the org in the event
    del body["authorizations"][0]["enterprise_id"]
    assert translate.team_access(body) == given
    body["event"]["team_ids"] = []
    assert translate.team_access(body) is None
