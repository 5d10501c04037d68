"""The Chat port over slack_sdk's AsyncWebClient.

Every failure comes back as the core's DeliveryError: a 429 (after slack_sdk's own rate-limit
retry) as ``RateLimited(retry_after)``, a 5xx, ``internal_error`` or a lost connection as
``PlatformUnavailable``, and any other Slack error (``channel_not_found``, ``not_in_channel``,
``is_archived``, ``account_inactive``, ``user_disabled``, ``invalid_auth`` …) as ``Undeliverable``.
Messages name the method and Slack's error code, never a token.

Sending is idempotent per key: each message carries its key in Slack message metadata
(``event_type`` ``bridgework_outbox``); before posting, the recent history of the conversation is
searched for it, so a retry after a crash between posting and recording posts nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack import render
from bot.errors import PlatformUnavailable, RateLimited, Undeliverable
from bot.messages import Form, Image, Message
from bot.ports import ConversationRef, MemberInfo, Progress, SentRef, SpaceRef

log = logging.getLogger(__name__)

TokenSource = str | Callable[[], Awaitable[str]]
"""A bot token, or a coroutine that finds the workspace's token (OAuth installations)."""

SLACKBOT = "USLACKBOT"
TRANSIENT = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})
HISTORY_LIMIT = 100
PAGE_SIZE = 200
READ_RETRIES = 5
SENT_MEMORY = 10_000


def api_base(url: str) -> str:
    """The Web API base URL as slack_sdk wants it: ending in a slash."""
    return url if url.endswith("/") else url + "/"


def web_client(token: str | None, api_url: str, *, rate_limit_retries: int = 1) -> AsyncWebClient:
    """An AsyncWebClient on ``api_url`` that retries lost connections and waits out one 429."""
    return AsyncWebClient(
        token=token,
        base_url=api_base(api_url),
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
        ],
    )


class SlackChat:
    """One workspace's Chat. ``channel`` is the community's channel (carried by buttons)."""

    def __init__(
        self,
        token: TokenSource,
        *,
        api_url: str,
        channel: str = "",
        team_field: str = "Department",
        roster: Mapping[str, str] | None = None,
        rate_limit_retries: int = 1,
        read_retries: int = READ_RETRIES,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._token = token
        self._api_url = api_url
        self.channel = channel
        self.team_field = team_field
        self.roster = dict(roster or {})
        self._retries = rate_limit_retries
        self._read_retries = read_retries
        self._page_size = page_size
        self._clients: dict[tuple[str, int], AsyncWebClient] = {}
        self._sent: dict[str, SentRef] = {}
        self._field_id: str | None = None  # "" once looked up and not found

    async def members(
        self, space: SpaceRef, *, progress: Progress | None = None
    ) -> Sequence[MemberInfo]:
        """The people in the community's channel (``conversations.members``, page by page), with
        each one's facts and team (``users.info``, the profile), one call at a time: a 429 is
        waited out as Slack's Retry-After says."""
        ids: list[str] = []
        cursor: str | None = None
        while True:
            client = await self._client(patient=True)
            page = await guard(
                "conversations.members",
                client.conversations_members(
                    channel=space.channel, limit=self._page_size, cursor=cursor
                ),
            )
            ids.extend(str(i) for i in page.get("members") or [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        infos: list[MemberInfo] = []
        for uid in ids:
            if progress is not None:
                progress(len(infos), len(ids))
            infos.append(await self.member(uid))
        if progress is not None:
            progress(len(infos), len(ids))
        return infos

    async def member(self, uid: str) -> MemberInfo:
        """One person's facts (users.info) and team (profile field, else the roster)."""
        client = await self._client(patient=True)
        user: dict[str, Any] = (await guard("users.info", client.users_info(user=uid)))["user"]
        bot = bool(user.get("is_bot")) or uid == SLACKBOT
        deactivated = bool(user.get("deleted"))
        guest = bool(user.get("is_restricted") or user.get("is_ultra_restricted"))
        team = self.roster.get(uid)
        if not (bot or deactivated):
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
        )

    async def open_group(self, people: Sequence[str]) -> ConversationRef:
        client = await self._client()
        opened = await guard("conversations.open", client.conversations_open(users=list(people)))
        return ConversationRef(str(opened["channel"]["id"]))

    async def send(self, where: ConversationRef, message: Message, *, key: str) -> SentRef:
        if key in self._sent:
            return self._sent[key]
        if isinstance(message, Form):
            raise Undeliverable("a form opens from an interaction, not in a conversation")
        found = await self._already_sent(where, key)
        if isinstance(message, Image):
            pages = [] if 0 in found else [await self._image(message)]
        else:
            pages = render.render(message, channel=self.channel)
        sent: dict[int, SentRef] = dict(found)
        client = await self._client()
        for part, page in enumerate(pages):
            if part in sent:
                continue
            posted = await guard(
                "chat.postMessage",
                client.chat_postMessage(
                    channel=where.id,
                    text=page.text,
                    blocks=page.blocks,
                    metadata=render.outbox_metadata(key, part),
                    unfurl_links=False,
                    unfurl_media=False,
                ),
            )
            sent[part] = SentRef(ConversationRef(str(posted["channel"])), str(posted["ts"]))
        first = sent[0]
        if len(self._sent) >= SENT_MEMORY:
            self._sent.clear()  # only a shortcut: the conversation's history is the record
        self._sent[key] = first
        return first

    async def update(self, sent: SentRef, message: Message) -> None:
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
        client = await self._client()
        await guard(
            "chat.update",
            client.chat_update(
                channel=sent.conversation.id, ts=sent.message_id, text=page.text, blocks=page.blocks
            ),
        )

    async def open_form(self, interaction: str, form: Form) -> None:
        view = render.modal(form, private_metadata=render.form_metadata(self.channel))
        client = await self._client()
        await guard("views.open", client.views_open(trigger_id=interaction, view=view))

    async def _already_sent(self, where: ConversationRef, key: str) -> dict[int, SentRef]:
        """The parts of ``key`` already in the conversation's recent history."""
        client = await self._client()
        history = await guard(
            "conversations.history",
            client.conversations_history(
                channel=where.id, limit=HISTORY_LIMIT, include_all_metadata=True
            ),
        )
        found: dict[int, SentRef] = {}
        for item in history.get("messages") or []:
            marked = render.metadata_key(item)
            if marked is not None and marked[0] == key:
                found[marked[1]] = SentRef(where, str(item["ts"]))
        return found

    async def _image(self, image: Image) -> render.SlackMessage:
        """Upload the picture (unshared) and return the message that shows it."""
        client = await self._client()
        uploaded = await guard(
            "files.upload",
            client.files_upload_v2(
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
        client = await self._client(patient=True)
        profile = await guard("team.profile.get", client.team_profile_get())
        wanted = self.team_field.strip().casefold()
        for field in (profile.get("profile") or {}).get("fields") or []:
            if str(field.get("label", "")).strip().casefold() == wanted:
                self._field_id = str(field["id"])
                return self._field_id
        self._field_id = ""
        return None

    async def _profile_team(self, uid: str, field_id: str) -> str | None:
        client = await self._client(patient=True)
        profile = await guard("users.profile.get", client.users_profile_get(user=uid))
        fields = (profile.get("profile") or {}).get("fields") or {}
        entry = fields.get(field_id) if isinstance(fields, dict) else None
        value = str((entry or {}).get("value") or "").strip()
        return value or None

    async def _client(self, *, patient: bool = False) -> AsyncWebClient:
        """The client for the current token. Sends wait out one 429 and leave the rest to the
        outbox; ``patient`` reads (listing members), which nobody retries, wait out several."""
        token = self._token if isinstance(self._token, str) else await self._token()
        retries = self._read_retries if patient else self._retries
        client = self._clients.get((token, retries))
        if client is None:
            if not any(known == token for known, _ in self._clients):
                self._clients = {}  # a rotated token replaces the old clients
            client = web_client(token, self._api_url, rate_limit_retries=retries)
            self._clients[(token, retries)] = client
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


async def guard(method: str, call: Awaitable[AsyncSlackResponse]) -> AsyncSlackResponse:
    """Await a Web API call, turning its failures into the core's DeliveryError children."""
    try:
        return await call
    except SlackApiError as exc:
        raise delivery_error(method, exc.response.status_code, exc.response) from None
    except (TimeoutError, aiohttp.ClientError, SlackRequestError) as exc:
        raise PlatformUnavailable(f"{method}: {type(exc).__name__}") from None


def delivery_error(
    method: str, status: int, response: Mapping[str, Any] | AsyncSlackResponse
) -> RateLimited | PlatformUnavailable | Undeliverable:
    """The DeliveryError for a Slack error response (status code, body and headers)."""
    error = str(response.get("error") or f"HTTP {status}")
    if status == 429 or error == "ratelimited":
        return RateLimited(_retry_after(response))
    if status >= 500 or error in TRANSIENT:
        return PlatformUnavailable(f"{method}: {error}")
    return Undeliverable(f"{method}: {error}")


def _retry_after(response: Mapping[str, Any] | AsyncSlackResponse) -> float:
    headers = getattr(response, "headers", None) or {}
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(0.0, float(raw))
            except ValueError:
                break
    return 1.0
