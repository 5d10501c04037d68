"""The Chat port over slack_sdk's AsyncWebClient.

Every call is paced first on the shared rate-limit state of its workspace and method
(:mod:`adapters.slack.limits`); slack_sdk's own rate-limit retries are off, since ours decide.
A 429 holds the key for every process (``Retry-After``) and comes back as
``RateLimited(retry_after)``; a 5xx, ``internal_error`` or a lost connection as
``PlatformUnavailable``, and any other Slack error (``channel_not_found``, ``not_in_channel``,
``is_archived``, ``account_inactive``, ``user_disabled``, ``invalid_auth`` …) as ``Undeliverable``.
Messages name the method and Slack's error code, never a token.

Sending is idempotent per key: each message carries its key in Slack message metadata
(``event_type`` ``bridgework_outbox``). Only a message in doubt (the sender says which) is looked
for in its conversation before it is posted again (:mod:`adapters.slack.history`), each
conversation read once for all of them: an app outside the Slack Marketplace (``marketplace``
False, the default) may read history once a minute.

Slack Connect: in a channel shared with partner organisations, each person's organisation is the
name of their own workspace (``team.info``), and a person whose workspace is of another
organisation is ``external``. Slack opens no direct message across organisations
(``conversations.open`` answers ``invalid_user_combination``): such a group gets a thread in the
community's channel instead, under a message that mentions them (conversation id
``CHANNEL/THREAD_TS``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack import limits, render
from adapters.slack.failures import guard
from adapters.slack.history import History, file_key
from adapters.slack.invites import share_invite
from adapters.slack.limits import HISTORY_PAGE
from adapters.slack.shared import Organisations, Threads, thread_of
from bot.delivery.limits import Limits
from bot.errors import RateLimited, Undeliverable
from bot.messages import Form, Image, Invite, Message
from bot.ports import ConversationRef, MemberInfo, Progress, SentRef, SpaceRef

log = logging.getLogger(__name__)

TokenSource = str | Callable[[], Awaitable[str]]
"""A bot token, or a coroutine that finds the workspace's token (OAuth installations)."""

SLACKBOT = "USLACKBOT"
PAGE_SIZE = 200
READ_RETRIES = 5
SENT_MEMORY = 10_000


def api_base(url: str) -> str:
    """The Web API base URL as slack_sdk wants it: ending in a slash."""
    return url if url.endswith("/") else url + "/"


def web_client(token: str | None, api_url: str, *, rate_limit_retries: int = 1) -> AsyncWebClient:
    """An AsyncWebClient on ``api_url`` that retries lost connections and waits out
    ``rate_limit_retries`` 429s itself (none: the caller decides)."""
    handlers: list[AsyncRetryHandler] = [AsyncConnectionErrorRetryHandler()]
    if rate_limit_retries > 0:
        handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=rate_limit_retries))
    return AsyncWebClient(token=token, base_url=api_base(api_url), retry_handlers=handlers)


class SlackChat:
    """One workspace's Chat. ``channel`` is the community's channel (carried by buttons)."""

    streams = 4  # each call checks the shared limits first: conversations may go side by side

    def __init__(
        self,
        token: TokenSource,
        *,
        api_url: str,
        channel: str = "",
        team_field: str = "Department",
        roster: Mapping[str, str] | None = None,
        read_retries: int = READ_RETRIES,
        page_size: int = PAGE_SIZE,
        workspace: str = "",
        limits: Limits | None = None,
        tier_scale: float = 1.0,
        marketplace: bool = False,
    ) -> None:
        self._token = token
        self._api_url = api_url
        self.channel = channel
        self.team_field = team_field
        self.roster = dict(roster or {})
        self._read_retries = read_retries
        self._page_size = page_size
        self.workspace = workspace
        self.limits = limits if limits is not None else Limits()
        self._tier_scale = tier_scale
        self.marketplace = marketplace
        self._clients: dict[str, AsyncWebClient] = {}
        self._sent: dict[str, SentRef] = {}
        self._partial: dict[str, dict[int, SentRef]] = {}  # parts of a message in doubt found
        self.history = History(self._call, limit=HISTORY_PAGE[marketplace])
        self.threads = Threads(self._call, channel, self.history.marked)
        self._field_id: str | None = None  # "" once looked up and not found
        self.organisations = Organisations(self._call, workspace)

    async def members(
        self, space: SpaceRef, *, progress: Progress | None = None
    ) -> Sequence[MemberInfo]:
        """The people in the community's channel (``conversations.members``, page by page), with
        each one's facts and team (``users.info``, the profile), one call at a time: a 429 is
        waited out as Slack's Retry-After says."""
        ids: list[str] = []
        cursor: str | None = None
        while True:
            page = await self._call(
                "conversations.members",
                lambda client, cursor=cursor: client.conversations_members(  # type: ignore[misc]
                    channel=space.channel, limit=self._page_size, cursor=cursor
                ),
                patient=True,
            )
            ids.extend(str(i) for i in page.get("members") or [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        shared = await self.organisations.shared(space.channel)
        infos: list[MemberInfo] = []
        for uid in ids:
            if progress is not None:
                progress(len(infos), len(ids))
            infos.append(await self.member(uid, shared=shared))
        if progress is not None:
            progress(len(infos), len(ids))
        return infos

    async def member(self, uid: str, *, shared: bool = False) -> MemberInfo:
        """One person's facts (users.info) and team (profile field, else the roster). In a
        channel ``shared`` with other organisations, or where they are of another, their
        organisation is their workspace's name; a partner's person is ``external``."""
        user = await self.user(uid, patient=True)
        bot = bool(user.get("is_bot")) or uid == SLACKBOT
        deactivated = bool(user.get("deleted"))
        guest = bool(user.get("is_restricted") or user.get("is_ultra_restricted"))
        team = self.roster.get(uid)
        external = await self.organisations.external(user)
        organisation = None
        if (shared or external) and not bot:
            organisation = await self.organisations.name(user)
        if not (bot or deactivated or external):  # a partner's fields are their workspace's
            field_id = await self._team_field_id()
            if field_id:
                team = await self._profile_team(uid, field_id) or team
        return MemberInfo(
            platform_id=uid,
            display_name=display_name(user),
            timezone=user.get("tz") or None,
            team=team,
            bot=bot,
            guest=guest,
            deactivated=deactivated,
            organisation=organisation,
            external=external,
        )

    async def user(self, uid: str, *, patient: bool = False) -> dict[str, Any]:
        """The person's users.info record."""
        found = await self._call(
            "users.info", lambda client: client.users_info(user=uid), patient=patient
        )
        user: dict[str, Any] = found["user"]
        return user

    async def open_group(self, people: Sequence[str]) -> ConversationRef:
        """A group DM (Slack opens the same one again); across organisations, where Slack opens
        none, a thread in the community's channel, under a new message that mentions them."""
        return await self._dm(people) or await self.threads.open(people)

    async def opened_before(self, people: Sequence[str]) -> ConversationRef | None:
        """Where a group in doubt was opened: its DM, or its thread in the community's channel
        (one read of the channel for every group in doubt)."""
        return await self._dm(people) or await self.threads.found(people)

    def doubts_claimed(self) -> None:
        """New messages are in doubt: read their conversations afresh."""
        self.history.forget()

    async def sent_before(
        self, where: ConversationRef, message: Message, *, key: str
    ) -> SentRef | None:
        """The message in doubt as its conversation holds it, if it holds every part; parts
        found are not posted again."""
        if key in self._sent or isinstance(message, Form):
            return self._sent.get(key)
        if isinstance(message, Invite):
            shared = (await self.history.marked(where.id)).get(file_key(message.filename), {})
            if 0 not in shared:
                return None
            log.info("slack: %s was in %s already; not shared again", key, where.id)
            return self._remember(key, SentRef(where, shared[0]))
        parts = (
            1 if isinstance(message, Image) else len(render.render(message, channel=self.channel))
        )
        marked = (await self.history.marked(where.id)).get(key, {})
        found = {part: SentRef(where, ts) for part, ts in marked.items() if part < parts}
        if len(found) < parts:
            self._partial[key] = found
            return None
        log.info("slack: %s was in %s already; not posted again", key, where.id)
        return self._remember(key, found[0])

    async def _dm(self, people: Sequence[str]) -> ConversationRef | None:
        """The group's DM, or None where Slack opens none (across organisations)."""
        if self.threads.known(people):
            return None
        try:
            opened = await self._call(
                "conversations.open", lambda client: client.conversations_open(users=list(people))
            )
        except Undeliverable as refused:
            if not refused.reason.endswith("invalid_user_combination") or not self.channel:
                raise
            return None
        return ConversationRef(str(opened["channel"]["id"]))

    async def send(self, where: ConversationRef, message: Message, *, key: str) -> SentRef:
        if key in self._sent:
            return self._sent[key]
        if isinstance(message, Form):
            raise Undeliverable("a form opens from an interaction, not in a conversation")
        if isinstance(message, Invite):
            return self._remember(key, await share_invite(self._call, where, message))
        found = self._partial.pop(key, {})  # what a look for it in doubt found
        if isinstance(message, Image):
            pages = [] if 0 in found else [await self._image(message)]
        else:
            pages = render.render(message, channel=self.channel)
        sent: dict[int, SentRef] = dict(found)
        channel, thread = thread_of(where.id)
        for part, page in enumerate(pages):
            if part in sent:
                continue
            posted = await self._call(
                "chat.postMessage",
                lambda client, page=page, part=part: client.chat_postMessage(  # type: ignore[misc]
                    channel=channel,
                    text=page.text,
                    blocks=page.blocks,
                    metadata=render.outbox_metadata(key, part),
                    unfurl_links=False,
                    unfurl_media=False,
                    **({"thread_ts": thread} if thread else {}),
                ),
                channel=channel,
            )
            at = where if thread else ConversationRef(str(posted["channel"]))
            sent[part] = SentRef(at, str(posted["ts"]))
        return self._remember(key, sent[0])

    def _remember(self, key: str, first: SentRef) -> SentRef:
        if len(self._sent) >= SENT_MEMORY:
            self._sent.clear()  # only a shortcut: the outbox records what was sent
        self._sent[key] = first
        return first

    async def update(self, sent: SentRef, message: Message) -> None:
        if isinstance(message, Invite):
            raise Undeliverable("a shared file cannot replace a message")
        if isinstance(message, Image):
            page = await self._image(message)
        elif isinstance(message, Form):
            raise Undeliverable("a form cannot replace a message")
        else:
            pages = render.render(message, channel=self.channel)
            if len(pages) > 1:
                log.warning(
                    "update of %s: only the first of %s parts fits", sent.message_id, len(pages)
                )
            page = pages[0]
        channel, _thread = thread_of(sent.conversation.id)
        await self._call(
            "chat.update",
            lambda client: client.chat_update(
                channel=channel, ts=sent.message_id, text=page.text, blocks=page.blocks
            ),
        )

    async def open_form(self, interaction: str, form: Form) -> None:
        view = render.modal(form, private_metadata=render.form_metadata(self.channel))
        await self._call(
            "views.open", lambda client: client.views_open(trigger_id=interaction, view=view)
        )

    async def call(
        self, method: str, call: Callable[[AsyncWebClient], Awaitable[AsyncSlackResponse]]
    ) -> AsyncSlackResponse:
        """Any other Web API call (a request handler's), paced and held like the rest."""
        return await self._call(method, call)

    async def _image(self, image: Image) -> render.SlackMessage:
        """Upload the picture (unshared) and return the message that shows it."""
        uploaded = await self._call(
            "files.upload",
            lambda client: client.files_upload_v2(
                content=image.png,
                filename=image.filename,
                title=image.title or image.filename,
                alt_txt=image.alt_text,
            ),
        )
        return render.image_message(image, str(uploaded["file"]["id"]))

    async def _team_field_id(self) -> str | None:
        """The id of the workspace's custom profile field labelled like ``team_field``."""
        if not self.team_field:
            return None
        if self._field_id is not None:
            return self._field_id or None
        profile = await self._call(
            "team.profile.get", lambda client: client.team_profile_get(), patient=True
        )
        wanted = self.team_field.strip().casefold()
        for field in (profile.get("profile") or {}).get("fields") or []:
            if str(field.get("label", "")).strip().casefold() == wanted:
                self._field_id = str(field["id"])
                return self._field_id
        self._field_id = ""
        return None

    async def _profile_team(self, uid: str, field_id: str) -> str | None:
        profile = await self._call(
            "users.profile.get", lambda client: client.users_profile_get(user=uid), patient=True
        )
        fields = (profile.get("profile") or {}).get("fields") or {}
        entry = fields.get(field_id) if isinstance(fields, dict) else None
        value = str((entry or {}).get("value") or "").strip()
        return value or None

    async def _call(
        self,
        method: str,
        call: Callable[[AsyncWebClient], Awaitable[AsyncSlackResponse]],
        *,
        channel: str | None = None,
        patient: bool = False,
    ) -> AsyncSlackResponse:
        """One Web API call, paced on its workspace's shared state. A 429 holds the key for
        everyone; sends hand it to the outbox, ``patient`` reads (listing members), which nobody
        retries, wait out several."""
        client = await self._client()
        workspace = self.workspace or limits.workspace_of_token(client.token or "")
        key = limits.key(workspace, method, channel)
        rate = limits.rate(method, scale=self._tier_scale, marketplace=self.marketplace)
        scope = limits.scope(method)
        attempts = self._read_retries + 1 if patient else 1
        for attempt in range(1, attempts + 1):
            try:
                await self.limits.acquire(key, rate, scope=scope)
            except RateLimited as waiting:  # held for longer than a call should sleep
                if attempt >= attempts:
                    raise
                await self.limits.sleep(waiting.retry_after)  # on the limits' own clock
                continue
            try:
                return await guard(method, call(client))
            except RateLimited as exc:  # Slack's 429: everyone on this key waits it out
                await self.limits.hold(key, exc.retry_after, rate)
                if attempt >= attempts:
                    raise RateLimited(exc.retry_after, scope=scope) from None
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _client(self) -> AsyncWebClient:
        """The client for the current token (slack_sdk's rate-limit retries off: ours decide)."""
        token = self._token if isinstance(self._token, str) else await self._token()
        client = self._clients.get(token)
        if client is None:
            self._clients = {}  # a rotated token replaces the old client
            client = web_client(token, self._api_url, rate_limit_retries=0)
            self._clients[token] = client
        return client


def display_name(user: Mapping[str, Any]) -> str:
    """A person's name as their profile gives it: first and last name, else the real name."""
    profile: Mapping[str, Any] = user.get("profile") or {}
    first = str(profile.get("first_name") or "").strip()
    last = str(profile.get("last_name") or "").strip()
    if first:
        return f"{first} {last}".strip()
    for candidate in (profile.get("real_name"), user.get("real_name"), profile.get("display_name")):
        if candidate and str(candidate).strip():
            return str(candidate).strip()
    return str(user.get("name") or user.get("id") or "")
