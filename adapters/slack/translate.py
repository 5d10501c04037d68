"""Slack payloads → the core's events. Pure: the payload as Slack sends it, and the actor's
``users.info`` record where the event needs facts about them (admin, name, time zone).

Payload shapes: https://docs.slack.dev/interactivity/implementing-slash-commands (slash commands),
https://docs.slack.dev/reference/interaction-payloads/block_actions-payload (buttons),
https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload (modals), and the
Events API's event_callback wrapper (member_joined_channel, member_left_channel, app_home_opened).

An Enterprise Grid organisation may install the app org-wide (``is_enterprise_install``): one
token then serves every workspace of the org, and the core knows the install by the org's id
(``E…``) where it would know a workspace's by its team id (``T…``): the ``workspace`` of a
``Where``, of a community, of an uninstall. A payload says which it is: a slash command by its
``is_enterprise_install`` and ``enterprise_id`` fields, an interaction by the same and its
``enterprise`` object, an event by its first ``authorizations`` entry (which is the app's own
installation; the wrapper's ``team_id`` is then the workspace the event happened in).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from adapters.slack.chat import display_name
from adapters.slack.render import action_name, block_channel
from bot.domain import Platform
from bot.errors import InputError
from bot.events import (
    AccessGranted,
    AccessRevoked,
    Actor,
    ButtonPressed,
    CommandInvoked,
    ConversationMessage,
    FormSubmitted,
    Installed,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    Uninstalled,
    Where,
)
from bot.ports import MemberInfo

Payload = Mapping[str, Any]


def actor(user_id: str, user: Payload | None) -> Actor:
    """Who acted, with the facts their ``users.info`` record gives (owners count as admins,
    of their own workspace and Enterprise Grid organisation: ``home``)."""
    record: Payload = user or {}
    admin = any(record.get(flag) for flag in ("is_admin", "is_owner", "is_primary_owner"))
    enterprise: Payload = record.get("enterprise_user") or {}
    home = {str(record.get("team_id") or ""), str(enterprise.get("enterprise_id") or "")}
    return Actor(
        platform_id=user_id,
        display_name=display_name(record) if record else user_id,
        platform_admin=bool(admin),
        timezone=record.get("tz") or None,
        home=frozenset(home - {""}),
    )


def where(team_id: str, channel: str) -> Where:
    return Where(Platform.SLACK, team_id, channel)


def command(body: Payload, user: Payload | None = None) -> CommandInvoked:
    """A ``/bridgework …`` slash command: its text is the core's command line.

    Slack escapes the text (the manifest's ``should_escape``): a channel comes as
    ``<#C123|coffee>`` and becomes ``#C123``, its id one of the command's resolved ``channels``.
    """
    raw = str(body.get("text") or "")
    return CommandInvoked(
        where=where(team_of(body), str(body.get("channel_id") or "")),
        actor=actor(str(body["user_id"]), user),
        text=unescape(raw).translate(STRAIGHT_QUOTES),
        interaction=str(body.get("trigger_id") or ""),
        channels=frozenset(CHANNEL.findall(raw)),
    )


# Slack's clients may turn typed quotes into typographic ones; the core's parser wants plain ones.
STRAIGHT_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>")
USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|[^>]*)?>")


def unescape(text: str) -> str:
    """Slack's escaped text as a person typed it: ``<#C1|x>`` → ``#C1``, ``<@U1|ada>`` → ``@U1``,
    ``<https://…|…>`` → the address, and ``&amp;`` ``&lt;`` ``&gt;`` → ``&`` ``<`` ``>``."""
    text = CHANNEL.sub(lambda m: f"#{m.group(1)}", text)
    text = USER.sub(lambda m: f"@{m.group(1)}", text)
    text = LINK.sub(lambda m: m.group(1), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def button(body: Payload, user: Payload | None = None) -> ButtonPressed:
    """A press of one of our buttons, in a message or the App Home."""
    actions = body.get("actions") or []
    if not actions:
        raise InputError("the interaction carries no action")
    pressed: Payload = actions[0]
    channel = block_channel(str(pressed.get("block_id") or "")) or _channel_of(body)
    return ButtonPressed(
        where=where(team_of(body), channel),
        actor=actor(user_of(body), user),
        action=action_name(str(pressed.get("action_id") or "")),
        value=str(pressed.get("value") or ""),
        interaction=str(body.get("trigger_id") or ""),
    )


def submission(body: Payload, user: Payload | None = None) -> FormSubmitted:
    """A modal's submission: each input block's value, by the block's id (the field's name)."""
    view: Payload = body.get("view") or {}
    values: list[tuple[str, str]] = []
    state: Payload = (view.get("state") or {}).get("values") or {}
    for block_id, elements in state.items():
        for element in (elements or {}).values():
            values.append((str(block_id), str(element.get("value") or "")))
    return FormSubmitted(
        where=where(team_of(body), form_channel(str(view.get("private_metadata") or ""))),
        actor=actor(user_of(body), user),
        form_id=str(view.get("callback_id") or ""),
        values=tuple(values),
    )


def is_thread_reply(body: Payload, bot_user: str) -> bool:
    """Whether a message event is a person's reply in the thread of one of our messages.

    Edits and deletions (subtypes), bots, replies under someone else's message and messages
    outside threads are not.
    """
    event: Payload = body.get("event") or {}
    thread = event.get("thread_ts")
    return bool(
        event.get("type") == "message"
        and not event.get("subtype")
        and not event.get("bot_id")
        and thread
        and thread != event.get("ts")
        and bot_user
        and event.get("parent_user_id") == bot_user
    )


def thread_reply(body: Payload, user: Payload | None = None) -> MessagePosted:
    """A reply in the thread of one of our messages (a listening prompt's answer)."""
    event: Payload = body["event"]
    return MessagePosted(
        where=where(_event_team(body), str(event.get("channel") or "")),
        actor=actor(str(event.get("user") or ""), user),
        text=unescape(str(event.get("text") or "")),
        thread=str(event["thread_ts"]),
        message=str(event.get("ts") or ""),
    )


def is_group_message(body: Payload, bot_user: str) -> bool:
    """Whether a message event is a person's message in a group DM (an introduction's
    conversation) that is not a reply under one of our messages. Edits and deletions
    (subtypes) and bots are not."""
    event: Payload = body.get("event") or {}
    return bool(
        event.get("type") == "message"
        and event.get("channel_type") == "mpim"
        and not event.get("subtype")
        and not event.get("bot_id")
        and event.get("user")
        and event.get("user") != bot_user
        and not is_thread_reply(body, bot_user)
    )


def group_message(body: Payload) -> ConversationMessage:
    """A message in a group DM: who wrote where (what they wrote is not carried)."""
    event: Payload = body["event"]
    channel = str(event.get("channel") or "")
    return ConversationMessage(
        where=where(_event_team(body), channel),
        actor=actor(str(event.get("user") or ""), None),
        conversation=channel,
        message=str(event.get("ts") or ""),
    )


def joined(body: Payload, info: MemberInfo) -> MemberJoined:
    """A member_joined_channel event, with the person's facts (bot, guest, deactivated)."""
    event: Payload = body["event"]
    person = Actor(info.platform_id, info.display_name, timezone=info.timezone)
    return MemberJoined(
        where(_event_team(body), str(event["channel"])),
        person,
        info.team,
        bot=info.bot,
        guest=info.guest,
        deactivated=info.deactivated,
        organisation=info.organisation,
    )


def delivery_key(body: Payload) -> str:
    """The Events API delivery's identity, the same on every retry of it: its ``event_id``."""
    return f"slack:{body.get('api_app_id') or ''}:{body['event_id']}"


def channel_event_where(body: Payload) -> Where:
    """The channel of a member_joined_channel or member_left_channel event."""
    return where(_event_team(body), str(body["event"]["channel"]))


def left(body: Payload) -> MemberLeft:
    """A member_left_channel event (the person may be gone: no lookup, the id is enough)."""
    event: Payload = body["event"]
    uid = str(event["user"])
    return MemberLeft(where(_event_team(body), str(event["channel"])), Actor(uid, uid))


UNINSTALLED = "uninstalled"
TOKENS_REVOKED = "tokens revoked"


def uninstalled(body: Payload) -> Uninstalled:
    """An ``app_uninstalled`` event: the workspace (``team_id`` of the wrapper) removed the app,
    or for an org-wide install the Enterprise Grid organisation, from all its workspaces."""
    return Uninstalled(Platform.SLACK, _event_team(body), UNINSTALLED)


def revoked_bot(body: Payload) -> bool:
    """Whether a ``tokens_revoked`` event revokes the bot's token (``tokens.bot`` lists the
    bot users whose tokens went; ``tokens.oauth`` the people's, which Bridgework never holds)."""
    tokens = (body.get("event") or {}).get("tokens") or {}
    return bool(tokens.get("bot"))


def revoked_people(body: Payload) -> list[str]:
    """The people whose user tokens a ``tokens_revoked`` event revokes."""
    tokens = (body.get("event") or {}).get("tokens") or {}
    return [str(uid) for uid in tokens.get("oauth") or []]


def tokens_revoked(body: Payload) -> Uninstalled | None:
    """A ``tokens_revoked`` event that revokes the bot's token: nothing can be sent there any
    more, as after an uninstall. None when only people's tokens went."""
    if not revoked_bot(body):
        return None
    return Uninstalled(Platform.SLACK, _event_team(body), TOKENS_REVOKED)


ACCESS_REVOKED = "team access revoked"


def access_revoked(body: Payload) -> AccessRevoked | None:
    """A ``team_access_revoked`` event: an org-wide install can no longer reach the workspaces
    ``event.team_ids`` (the app was removed from them). The org's id is taken wherever the
    payload puts it (Slack's own example nests it in the event). None without workspaces."""
    found = _team_access(body)
    return AccessRevoked(Platform.SLACK, *found, ACCESS_REVOKED) if found else None


def access_granted(body: Payload) -> AccessGranted | None:
    """A ``team_access_granted`` event: an org-wide install was given access to the workspaces
    ``event.team_ids`` (the app was added to them), as ``access_revoked`` reads its opposite.
    Its reason is the revocation's: the marks a grant may clear."""
    found = _team_access(body)
    return AccessGranted(Platform.SLACK, *found, ACCESS_REVOKED) if found else None


def team_access(body: Payload) -> AccessRevoked | AccessGranted | None:
    """``team_access_revoked`` or ``team_access_granted``, by the event's type."""
    if (body.get("event") or {}).get("type") == "team_access_granted":
        return access_granted(body)
    return access_revoked(body)


def _team_access(body: Payload) -> tuple[str, tuple[str, ...]] | None:
    """The org's id ("" where the payload gives none) and the workspaces of a team access event;
    None without workspaces."""
    event: Payload = body.get("event") or {}
    teams = tuple(str(team) for team in event.get("team_ids") or [] if team)
    if not teams:
        return None
    return enterprise_of(body) or str(event.get("enterprise_id") or ""), teams


def installed(team_id: str) -> Installed:
    """A workspace (or an Enterprise Grid organisation, by its id) finished an OAuth install, or
    installed again."""
    return Installed(Platform.SLACK, team_id, oauth=True)


def installation_keys(body: Payload) -> tuple[str | None, str | None]:
    """The (enterprise id, team id) an installation store keeps an event's installation under,
    as slack_sdk's stores do: an org-wide install's has no team; a workspace's in an Enterprise
    Grid organisation has both; a plain workspace's, no enterprise."""
    if is_enterprise_install(body):
        return enterprise_of(body), None
    return (str(body["enterprise_id"]) if body.get("enterprise_id") else None), str(
        body.get("team_id") or ""
    )


def is_enterprise_install(body: Payload) -> bool:
    """Whether a payload comes under an org-wide install of an Enterprise Grid organisation."""
    authorizations = body.get("authorizations") or []
    if authorizations and isinstance(authorizations[0], Mapping):
        return _true(authorizations[0].get("is_enterprise_install"))
    return _true(body.get("is_enterprise_install"))


def enterprise_of(body: Payload) -> str:
    """The Enterprise Grid organisation a payload comes from ("" outside one)."""
    authorizations = body.get("authorizations") or []
    if authorizations and isinstance(authorizations[0], Mapping):
        if authorizations[0].get("enterprise_id"):
            return str(authorizations[0]["enterprise_id"])
    enterprise = body.get("enterprise")
    if isinstance(enterprise, Mapping) and enterprise.get("id"):
        return str(enterprise["id"])
    return str(body.get("enterprise_id") or "")


def workspace_of(body: Payload) -> str:
    """The workspace a command or interaction was made in, even under an org-wide install (the
    ``team_id`` such an install's calls name, as usergroups.list must)."""
    team = body.get("team") or {}
    if isinstance(team, Mapping) and team.get("id"):
        return str(team["id"])
    user = body.get("user") or {}
    found = user.get("team_id") if isinstance(user, Mapping) else None
    return str(found or body.get("team_id") or "")


def _true(value: Any) -> bool:
    return value is True or value == "true"


def home_opened(body: Payload) -> tuple[Where, str] | None:
    """The workspace and person of an app_home_opened event on the Home tab (None otherwise)."""
    event: Payload = body["event"]
    if event.get("tab", "home") != "home":
        return None
    return where(_event_team(body), ""), str(event["user"])


def form_channel(private_metadata: str) -> str:
    """The community channel a modal was opened for (kept in its private_metadata)."""
    try:
        data = json.loads(private_metadata) if private_metadata else {}
    except ValueError:
        return ""
    return str(data.get("channel") or "") if isinstance(data, dict) else ""


def team_of(body: Payload) -> str:
    """The installation a command or interaction comes under: its workspace's team id, or the
    organisation's id under an org-wide install."""
    if is_enterprise_install(body):
        return enterprise_of(body)
    return workspace_of(body)


def user_of(body: Payload) -> str:
    user = body.get("user")
    if isinstance(user, Mapping):
        return str(user.get("id") or "")
    return str(body.get("user_id") or user or "")


def is_home(body: Payload) -> bool:
    """Whether an interaction came from the App Home tab (which has no response_url)."""
    container = body.get("container") or {}
    view = body.get("view") or {}
    return container.get("type") == "view" and view.get("type") == "home"


def _channel_of(body: Payload) -> str:
    channel = body.get("channel") or {}
    return str(channel.get("id") or "") if isinstance(channel, Mapping) else ""


def _event_team(body: Payload) -> str:
    """The installation an event comes under: the workspace of the wrapper's ``team_id``, or
    the organisation under an org-wide install."""
    if is_enterprise_install(body):
        return enterprise_of(body)
    event: Payload = body.get("event") or {}
    return str(body.get("team_id") or event.get("team") or "")
