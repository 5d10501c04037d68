"""The app manifest asks for what the adapter uses and no more: every Web API method the adapter
(and Bolt on its behalf) calls exists in the published spec and is covered by a manifest scope.
(The fake Slack also answers ``missing_scope`` to any call the manifest's scopes do not cover.)"""

from __future__ import annotations

import re
from pathlib import Path

from adapters.slack import oauth
from adapters.slack.app import COMMAND
from bot import commands
from tests.fakes.slack import spec

ADAPTER = Path(__file__).resolve().parents[3] / "adapters" / "slack"
# slack_sdk methods that call several Web API methods
COMPOSITE = {"files_upload_v2": ["files.getUploadURLExternal", "files.completeUploadExternal"]}
# calls Bolt makes for the adapter: single-team authorize, the OAuth exchange, Socket Mode
BOLT = ["auth.test", "oauth.v2.access", "apps.connections.open"]
APP_LEVEL = {"apps.connections.open"}  # made with the app-level token (connections:write)
WEB_API_CALL = r"(?<![.\w])client\.([a-z]+_[A-Za-z0-9_]+)\("  # on an AsyncWebClient named client


def called_methods() -> list[str]:
    """Every Web API method the adapter's code calls through an AsyncWebClient."""
    found: list[str] = []
    for source in sorted(ADAPTER.glob("*.py")):
        for name in re.findall(WEB_API_CALL, source.read_text()):
            found.extend(COMPOSITE.get(name, [name.replace("_", ".")]))
    return sorted(set(found))


def test_the_adapter_calls_the_methods_it_needs() -> None:
    assert called_methods() == [
        "apps.connections.open",
        "auth.test",
        "chat.postEphemeral",
        "chat.postMessage",
        "chat.update",
        "conversations.close",
        "conversations.history",
        "conversations.info",
        "conversations.members",
        "conversations.open",
        "conversations.replies",
        "files.completeUploadExternal",
        "files.getUploadURLExternal",
        "team.info",
        "team.profile.get",
        "usergroups.list",
        "users.info",
        "users.profile.get",
        "views.open",
        "views.publish",
    ]


def test_every_method_called_is_in_the_published_spec() -> None:
    missing = [m for m in called_methods() + BOLT if spec.method(m) is None]
    assert missing == []


def test_every_method_called_is_covered_by_a_scope_in_the_manifest() -> None:
    granted = set(oauth.bot_scopes())
    uncovered = []
    for name in called_methods() + BOLT:
        method = spec.method(name)
        assert method is not None
        if name not in APP_LEVEL and method.scopes and not method.scopes & granted:
            uncovered.append((name, sorted(method.scopes)))
    assert uncovered == []


def test_the_manifest_asks_for_no_scope_it_does_not_use() -> None:
    used = {"commands"}  # the /bridgework slash command
    for name in called_methods():
        method = spec.method(name)
        assert method is not None
        used |= method.scopes
    assert set(oauth.bot_scopes()) - used == set()


def test_the_manifest_declares_the_command_home_interactivity_and_events() -> None:
    manifest = oauth.manifest()
    features, settings = manifest["features"], manifest["settings"]
    assert [c["command"] for c in features["slash_commands"]] == [COMMAND]
    assert features["app_home"]["home_tab_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    assert sorted(settings["event_subscriptions"]["bot_events"]) == [
        "app_home_opened",
        "app_uninstalled",
        "member_joined_channel",
        "member_left_channel",
        "message.channels",
        "message.groups",
        "message.mpim",
        "team_access_granted",
        "team_access_revoked",
        "tokens_revoked",
    ]


def test_the_slash_commands_usage_hint_names_every_subcommand_of_the_core_parser() -> None:
    [slash] = oauth.manifest()["features"]["slash_commands"]
    hinted = {part.split()[0] for part in slash["usage_hint"].split("|")}
    assert hinted == set(commands.USAGE), "update usage_hint in adapters/slack/manifest.yml"
