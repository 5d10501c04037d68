"""Channels shared across organisations (Slack Connect) and workspaces (Enterprise Grid).

A person's organisation is their Enterprise Grid organisation, else their own workspace; its
name (``team.info``, the one method that names another workspace) tops their team path where
the community's channel is shared with another organisation. A group Slack opens no DM for
(across organisations) meets in a thread of the community's channel, under a message of ours
that mentions them and carries the key ``thread:<their ids>``: the conversation
``CHANNEL/THREAD_TS``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack import render
from bot.errors import Undeliverable
from bot.ports import ConversationRef
from bot.texts import copy

log = logging.getLogger(__name__)

Call = Callable[..., Awaitable[AsyncSlackResponse]]
Marked = Callable[[str], Awaitable[Mapping[str, Mapping[int, str]]]]
"""A conversation's outbox keys: key → part → message ts (:meth:`~.history.History.marked`)."""
THREAD = "/"


def thread_ref(channel: str, ts: str) -> ConversationRef:
    return ConversationRef(f"{channel}{THREAD}{ts}")


def thread_of(conversation: str) -> tuple[str, str | None]:
    """A conversation id as (channel, thread ts or None)."""
    channel, _, ts = conversation.partition(THREAD)
    return channel, ts or None


class Organisations:
    """What Slack says about the workspaces people come from, asked once a process each."""

    def __init__(self, call: Call, workspace: str) -> None:
        self._call = call
        self.workspace = workspace  # the community's workspace (or Enterprise Grid org) id
        self._teams: dict[str, Mapping[str, Any]] = {}
        self._channels: dict[str, Mapping[str, Any]] = {}

    async def shared(self, channel: str) -> bool:
        """Whether the channel is shared with another organisation (``is_ext_shared``)."""
        return bool((await self._channel(channel)).get("is_ext_shared"))

    async def workspaces(self, channel: str) -> tuple[str, ...] | None:
        """The workspaces of its Enterprise Grid organisation the channel is in: the one hosting
        it (``conversation_host_id``, unless that is the org itself) and those it is shared into
        (``internal_team_ids``). None for a channel of no organisation (Slack gives neither), or
        one the bot cannot see."""
        info = await self._channel(channel)
        host = str(info.get("conversation_host_id") or "")
        inside = [str(team) for team in info.get("internal_team_ids") or [] if team]
        found = ([host] if host.startswith("T") else []) + inside
        return tuple(dict.fromkeys(found)) or None

    async def _channel(self, channel: str) -> Mapping[str, Any]:
        """The channel's conversations.info record, read once; {} for one the bot cannot see."""
        if channel not in self._channels:
            try:
                info = await self._call(
                    "conversations.info",
                    lambda client: _conversation_info(client, channel),
                    patient=True,
                )
            except Undeliverable as exc:  # a channel the bot cannot see: nothing known of it
                log.info("conversations.info for %s: %s", channel, exc.reason)
                return {}
            self._channels[channel] = info.get("channel") or {}
        return self._channels[channel]

    async def external(self, user: Mapping[str, Any]) -> bool:
        """Whether a person (their users.info record) is of another organisation than the
        community's workspace: a Slack Connect partner's, not a guest."""
        team = str(user.get("team_id") or "")
        if not team or not self.workspace or team == self.workspace:
            return False
        return _organisation_id(user) != await self._own()

    async def name(self, user: Mapping[str, Any]) -> str | None:
        """The name of a person's organisation: their Enterprise Grid organisation's, else their
        workspace's; None where Slack will not say."""
        enterprise = user.get("enterprise_user") or {}
        if enterprise.get("enterprise_name"):
            return str(enterprise["enterprise_name"])
        team = await self._team(str(user.get("team_id") or ""))
        return str(team.get("enterprise_name") or team.get("name") or "") or None

    async def _own(self) -> str:
        if self.workspace.startswith("E"):  # an org-wide install's community
            return self.workspace
        team = await self._team(self.workspace)
        return str(team.get("enterprise_id") or self.workspace)

    async def _team(self, team_id: str) -> Mapping[str, Any]:
        if not team_id:
            return {}
        if team_id not in self._teams:
            try:
                found = await self._call(
                    "team.info", lambda client: client.team_info(team=team_id), patient=True
                )
            except Undeliverable as exc:
                log.info("team.info for workspace %s: %s", team_id, exc.reason)
                self._teams[team_id] = {}
            else:
                self._teams[team_id] = found.get("team") or {}
        return self._teams[team_id]


class Threads:
    """The threads of groups in the community's channel: one per group, opened once."""

    def __init__(self, call: Call, channel: str, marked: Marked) -> None:
        self._call = call
        self.channel = channel
        self._marked = marked
        self._opened: dict[str, ConversationRef] = {}

    def known(self, people: Sequence[str]) -> bool:
        """Whether the group's thread was opened (or found) here."""
        return _thread_key(people) in self._opened

    async def found(self, people: Sequence[str]) -> ConversationRef | None:
        """The group's thread, opened here or found in the channel (one read, for a group in
        doubt: a sender may have opened it and died before recording it)."""
        key = _thread_key(people)
        if key not in self._opened:
            ts = (await self._marked(self.channel)).get(key, {}).get(0)
            if ts is None:
                return None
            self._opened[key] = thread_ref(self.channel, ts)
        return self._opened[key]

    async def open(self, people: Sequence[str]) -> ConversationRef:
        """The group's thread: the one opened here, else under a new message for them."""
        key = _thread_key(people)
        if key in self._opened:
            return self._opened[key]
        mentions = ", ".join(f"<@{p}>" for p in people)
        text = copy("slack.thread_intro", people=mentions)
        posted = await self._call(
            "chat.postMessage",
            lambda client: client.chat_postMessage(
                channel=self.channel,
                text=text,
                metadata=render.outbox_metadata(key),
                unfurl_links=False,
                unfurl_media=False,
            ),
            channel=self.channel,
        )
        self._opened[key] = thread_ref(str(posted["channel"]), str(posted["ts"]))
        return self._opened[key]


def _thread_key(people: Sequence[str]) -> str:
    return "thread:" + ",".join(sorted(people))


def _organisation_id(user: Mapping[str, Any]) -> str:
    enterprise = user.get("enterprise_user") or {}
    return str(enterprise.get("enterprise_id") or user.get("team_id") or "")


def _conversation_info(client: AsyncWebClient, channel: str) -> Awaitable[AsyncSlackResponse]:
    return client.conversations_info(channel=channel)
