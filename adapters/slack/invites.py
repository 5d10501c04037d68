"""A calendar invite shared as a file in a group's conversation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack.shared import thread_of
from bot.messages import Invite
from bot.ports import ConversationRef, SentRef

Call = Callable[..., Awaitable[AsyncSlackResponse]]


async def share_invite(call: Call, where: ConversationRef, invite: Invite) -> SentRef:
    """Share the calendar file in the conversation, its text as the initial comment
    (files.getUploadURLExternal, the upload, files.completeUploadExternal with the channel).
    A shared file carries no message metadata: the file's name, which is the group's own,
    marks it, so a look for it in doubt finds it (``SlackChat.sent_before``)."""
    channel, thread = thread_of(where.id)

    def upload(client: AsyncWebClient) -> Awaitable[Any]:
        return client.files_upload_v2(
            content=invite.ics.encode("utf-8"),
            filename=invite.filename,
            title=invite.filename,
            channel=channel,
            initial_comment=invite.body,
            thread_ts=thread or None,
        )

    uploaded = await call("files.upload", upload, channel=channel)
    # Slack shares the file in the background and answers without the message's ts: the
    # file's id stands for it (an invite is never updated).
    return SentRef(where, str(uploaded["file"]["id"]))
