"""What a conversation holds of ours, read only for messages in doubt, once per conversation.

Each message the outbox posts carries its key in Slack message metadata (``event_type``
``bridgework_outbox``). A message in doubt (its sender died, or its call failed, after Slack
may have taken it) is looked for in its conversation's latest messages (``conversations.history``;
in a thread, ``conversations.replies``) before it is posted again. Reading is dear: an app outside
the Slack Marketplace may read one conversation a minute, 15 messages at a time. So nothing else
reads, and one read of a conversation answers for every message in doubt there: it is kept
until a claim brings new messages in doubt (:meth:`History.forget`), since one read before they
were claimed may not show them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack import render
from adapters.slack.shared import thread_of

Call = Callable[..., Awaitable[AsyncSlackResponse]]
Marked = dict[str, dict[int, str]]
"""The outbox keys a conversation's latest messages carry: key → part → message ts."""


class History:
    """Each conversation's latest messages of ours, read once (``limit`` messages)."""

    def __init__(self, call: Call, *, limit: int) -> None:
        self._call = call
        self.limit = limit
        self._read: dict[str, Marked] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.reads = 0  # history calls made, for tests and benchmarks

    def forget(self) -> None:
        """New messages are in doubt: read each conversation afresh when asked."""
        self._read.clear()
        self._locks.clear()

    async def marked(self, conversation: str) -> Marked:
        """The keys in the conversation (``CHANNEL`` or ``CHANNEL/THREAD_TS``), read once."""
        lock = self._locks.setdefault(conversation, asyncio.Lock())
        async with lock:  # streams side by side asking for one conversation: one read
            if conversation not in self._read:
                self._read[conversation] = _marked(await self._messages(conversation))
            return self._read[conversation]

    async def _messages(self, conversation: str) -> list[dict[str, Any]]:
        channel, thread = thread_of(conversation)
        self.reads += 1
        if thread:
            found = await self._call(
                "conversations.replies",
                lambda client: _replies(client, channel, thread, self.limit),
            )
        else:
            found = await self._call(
                "conversations.history", lambda client: _history(client, channel, self.limit)
            )
        return list(found.get("messages") or [])


def file_key(filename: str) -> str:
    """How a shared file of ours (a calendar invite, named after its group) is marked."""
    return f"file:{filename}"


def _marked(messages: list[dict[str, Any]]) -> Marked:
    marked: Marked = {}
    for item in messages:
        found = render.metadata_key(item)
        if found is not None:
            marked.setdefault(found[0], {})[found[1]] = str(item["ts"])
        for shared in item.get("files") or []:
            if shared.get("name"):
                marked.setdefault(file_key(str(shared["name"])), {})[0] = str(item["ts"])
    return marked


def _history(client: AsyncWebClient, channel: str, limit: int) -> Awaitable[AsyncSlackResponse]:
    return client.conversations_history(channel=channel, limit=limit, include_all_metadata=True)


def _replies(
    client: AsyncWebClient, channel: str, thread: str, limit: int
) -> Awaitable[AsyncSlackResponse]:
    return client.conversations_replies(
        channel=channel, ts=thread, limit=limit, include_all_metadata=True
    )
