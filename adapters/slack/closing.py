"""Closing an introduction's group DM once it is over (the core's ``ClosesGroups``), kept out of
:mod:`adapters.slack.chat`.

``conversations.close`` (Tier 2, about 20 a minute per workspace) closes a direct message or a
group DM: it leaves each person's sidebar until someone writes in it again, history intact.
A group DM already closed answers ``ok`` with ``already_closed`` (and ``no_op``): no error.
A Slack Connect group's conversation is a thread in the community's channel (``CHANNEL/TS``):
that is no DM, and is left as it is; so is the community's channel itself. Failures come back
as for every call: ``channel_not_found`` and the like as ``Undeliverable``, a 429 as
``RateLimited``.

It also says which workspaces of an Enterprise Grid org the community's channel is in (the
core's ``LocatesChannel``), from the ``conversations.info`` its member listing read.
"""

from __future__ import annotations

import logging

from adapters.slack.chat import SlackChat
from adapters.slack.shared import thread_of
from bot.ports import ConversationRef, SpaceRef

log = logging.getLogger(__name__)


class ClosingSlackChat(SlackChat):
    """A community's Chat that also closes group DMs and says where in its org its channel is."""

    async def workspaces_of(self, space: SpaceRef) -> tuple[str, ...] | None:
        """The org's workspaces the channel is in (Slack read once a process); None outside an
        Enterprise Grid org."""
        return await self.organisations.workspaces(space.channel)

    async def close_group(self, where: ConversationRef) -> bool:
        """Close the group DM (True); a thread in the channel is left as it is (False)."""
        channel, thread = thread_of(where.id)
        if thread or channel == self.channel:
            log.info("slack: %s is a thread in a channel, not a DM: left open", where.id)
            return False
        closed = await self.call(
            "conversations.close", lambda client: client.conversations_close(channel=channel)
        )
        if closed.get("already_closed"):
            log.info("slack: group DM %s was closed already", channel)
        return True
