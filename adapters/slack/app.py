"""Bolt wiring: each listener hands the translated event to the core, acknowledges, and renders
the core's reply. Nothing else happens here: who may do what is the core's to decide.

Slack hears "done" only once the core has committed what the request changed: the app runs with
``process_before_response`` (Bolt answers Slack when the listener returns, 500 if it raised,
instead of acknowledging first and working afterwards), so a write that fails, or waits past
Slack's 3 seconds, is an error Slack retries (Events API) or shows (a command), never an ack
followed by a lost write. What only shows the answer (``response_url``, ``views.publish``) runs
after the acknowledgement, in the background. An Events API retry (``X-Slack-Retry-Num``, over
HTTP or Socket Mode) of an event the core already handled is acknowledged and not handled again:
the core records each event's id in the transaction that handles it.

Replies are private to the actor: a slash command's or a message button's through its
``response_url`` (ephemeral), an App Home press by re-publishing the Home tab with the answer on
top, a modal's by ``response_action`` (``update`` with the answer, or the next form).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltRequest, AsyncRespond
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import render, translate
from adapters.slack.chat import SlackChat, web_client
from adapters.slack.redact import bolt_logger
from bot.core import Core
from bot.domain import Platform
from bot.errors import DeliveryError
from bot.events import Where
from bot.messages import Form, FormErrors, Message
from bot.ports import MemberInfo
from bot.settings import Settings

log = logging.getLogger(__name__)

COMMAND = "/bridgework"
USER_TTL = 300.0
USER_CACHE = 10_000

Ack = Callable[..., Awaitable[Any]]
Body = dict[str, Any]


class Listeners:
    """The core behind Bolt's listeners, and a short-lived cache of users.info records."""

    def __init__(
        self,
        core: Core,
        settings: Settings,
        installations: AsyncInstallationStore | None = None,
        *,
        tier_scale: float = 1.0,
    ) -> None:
        self.core = core
        self.settings = settings
        self.installations = installations  # OAuth installs' tokens, by workspace
        self.tier_scale = tier_scale
        self._users: dict[str, tuple[float, dict[str, Any]]] = {}
        self._groups: dict[str, tuple[float, dict[str, frozenset[str]]]] = {}
        self._chats: dict[tuple[str, str], SlackChat] = {}
        self._background: set[asyncio.Task[None]] = set()

    def after_ack(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` once Slack has its answer (Bolt answers when the listener returns)."""
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("slack: showing an answer failed", exc_info=task.exception())

    async def on_command(
        self, ack: Ack, body: Body, client: AsyncWebClient, respond: AsyncRespond, context: Any
    ) -> None:
        event = translate.command(body, await self._user(client, str(body["user_id"]), body))
        event = replace(event, me=str(context.get("bot_user_id") or ""))
        groups = await self._user_groups(
            client, event.where.workspace, translate.workspace_of(body)
        )
        held = groups.get(event.actor.platform_id, frozenset())
        event = replace(event, actor=replace(event.actor, platform_roles=held))
        reply = await self.core.handle(event)
        if isinstance(reply, Form):  # views.open needs the trigger within Slack's 3 seconds
            await self._reply(client, respond, reply, event.where, interaction=event.interaction)
            await ack()
            return
        await ack()
        self.after_ack(
            self._reply(client, respond, reply, event.where, interaction=event.interaction)
        )

    async def on_button(
        self, ack: Ack, body: Body, client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        event = translate.button(body, await self._user(client, translate.user_of(body), body))
        reply = await self.core.handle(event)
        if isinstance(reply, Form):
            await self._reply(client, respond, reply, event.where, interaction=event.interaction)
        elif translate.is_home(body):
            uid = event.actor.platform_id
            self.after_ack(self._publish_home(client, event.where, uid, notice=reply))
        else:
            where, trigger = event.where, event.interaction
            self.after_ack(self._reply(client, respond, reply, where, interaction=trigger))
        await ack()

    async def on_submission(self, ack: Ack, body: Body, client: AsyncWebClient) -> None:
        event = translate.submission(body, await self._user(client, translate.user_of(body), body))
        reply = await self.core.handle(event)
        if reply is None:
            await ack()
        elif isinstance(reply, Form):
            metadata = render.form_metadata(event.where.channel)
            await ack(response_action="update", view=render.modal(reply, private_metadata=metadata))
        elif isinstance(reply, FormErrors):
            await ack(**render.field_errors(reply.errors))
        else:
            title = str(((body.get("view") or {}).get("title") or {}).get("text") or "")
            await ack(response_action="update", view=render.result_modal(title, reply))

    async def on_member_joined(
        self, body: Body, client: AsyncWebClient, request: AsyncBoltRequest
    ) -> None:
        once = await self._first_delivery(body, request)
        if once is None:
            return
        where = translate.channel_event_where(body)
        info = await self._member(client, str(body["event"]["user"]), where)
        await self.core.handle(translate.joined(body, info), once=once)

    async def on_member_left(self, body: Body, request: AsyncBoltRequest) -> None:
        once = await self._first_delivery(body, request)
        if once is not None:
            await self.core.handle(translate.left(body), once=once)

    async def on_message(
        self, body: Body, client: AsyncWebClient, context: Any, request: AsyncBoltRequest
    ) -> None:
        bot_user = str(context.get("bot_user_id") or "")
        if translate.is_group_message(body, bot_user):
            once = await self._first_delivery(body, request)
            if once is not None:
                await self.core.handle(translate.group_message(body), once=once)
            return
        if not translate.is_thread_reply(body, bot_user):
            return
        once = await self._first_delivery(body, request)
        if once is None:
            return
        user = await self._user(client, str(body["event"]["user"]), body)
        event = translate.thread_reply(body, user)
        reply = await self.core.handle(event, once=once)
        if reply is not None:
            shown = render.ephemeral(reply, channel=event.where.channel)
            self.after_ack(
                _discard(
                    self._chat(client, body).call(
                        "chat.postEphemeral",
                        lambda client: client.chat_postEphemeral(
                            channel=event.where.channel,
                            user=event.actor.platform_id,
                            thread_ts=event.thread,
                            text=shown.text,
                            blocks=shown.blocks,
                        ),
                    )
                )
            )

    async def on_uninstalled(self, body: Body, request: AsyncBoltRequest) -> None:
        """``app_uninstalled``: the workspace's tokens leave the installation store, then the
        core marks its communities (in this order, so that a retry after a failure finishes the
        work: deleting tokens twice is harmless)."""
        once = await self._first_delivery(body, request)
        if once is None:
            return
        event = translate.uninstalled(body)
        if self.installations is not None:
            enterprise, team = translate.installation_keys(body)
            await self.installations.async_delete_all(enterprise_id=enterprise, team_id=team)
        await self.core.installation(event, once=once)

    async def on_tokens_revoked(self, body: Body, request: AsyncBoltRequest) -> None:
        """``tokens_revoked``: the revoked tokens leave the installation store; the bot's token
        revoked, the core marks the workspace's communities as for an uninstall."""
        once = await self._first_delivery(body, request)
        if once is None:
            return
        enterprise, team = translate.installation_keys(body)
        if self.installations is not None:
            for uid in translate.revoked_people(body):
                await self.installations.async_delete_installation(
                    enterprise_id=enterprise, team_id=team, user_id=uid
                )
            if translate.revoked_bot(body):
                await self.installations.async_delete_bot(enterprise_id=enterprise, team_id=team)
        event = translate.tokens_revoked(body)
        if event is not None:
            await self.core.installation(event, once=once)

    async def on_team_access(self, body: Body, request: AsyncBoltRequest) -> None:
        """``team_access_revoked`` (``_granted``): the org-wide install lost (was given) some
        workspaces; the core marks what it knows to be theirs (clears the marks it made)."""
        once = await self._first_delivery(body, request)
        event = translate.team_access(body)
        if once is not None and event is not None:
            await self.core.installation(event, once=once)

    async def on_home_opened(self, body: Body, client: AsyncWebClient) -> None:
        opened = translate.home_opened(body)
        if opened is None:
            return
        where, uid = opened
        self.after_ack(self._publish_home(client, where, uid))

    async def _first_delivery(self, body: Body, request: AsyncBoltRequest) -> str | None:
        """The key the core records the event under, or None for a retry of an event the core
        has already handled (Slack retries what it thinks failed: an error, or no answer in 3
        seconds, though the first attempt may have done its work)."""
        once = translate.delivery_key(body)
        retried = request.headers.get("x-slack-retry-num")
        if retried and await self.core.handled(once):
            log.info("slack: retry %s of event %s already handled", retried[0], once)
            return None
        return once

    async def _community_channels(self, workspace: str) -> list[str]:
        return [c.channel for c in await self.core.communities(Platform.SLACK, workspace)]

    async def _publish_home(
        self, client: AsyncWebClient, where: Where, uid: str, *, notice: Message | None = None
    ) -> None:
        """The Home tab: the person's status in each of the workspace's communities."""
        chat = self._chat(client, {"team_id": where.workspace})
        person = translate.actor(uid, await self._user(client, uid, {"team_id": where.workspace}))
        channels = await self._community_channels(where.workspace)
        places = [replace(where, channel=c) for c in channels] if len(channels) > 1 else [where]
        contents = [(p.channel, await self.core.home(p, person)) for p in places]
        view = render.home(contents, notice=notice)
        await chat.call(
            "views.publish", lambda client: client.views_publish(user_id=uid, view=view)
        )

    async def _reply(
        self,
        client: AsyncWebClient,
        respond: AsyncRespond,
        reply: Message | None,
        where: Where,
        *,
        interaction: str,
    ) -> None:
        if reply is None:
            return
        if isinstance(reply, Form):
            metadata = render.form_metadata(where.channel)
            view = render.modal(reply, private_metadata=metadata)
            chat = self._chat(client, {"team_id": where.workspace})
            await chat.call(
                "views.open", lambda client: client.views_open(trigger_id=interaction, view=view)
            )
            return
        shown = render.ephemeral(reply, channel=where.channel)
        await respond(
            text=shown.text, blocks=shown.blocks, response_type="ephemeral", replace_original=False
        )

    async def _user(self, client: AsyncWebClient, uid: str, body: Body) -> dict[str, Any] | None:
        """The person's users.info record (cached a few minutes), or None if Slack won't say."""
        now = time.monotonic()
        cached = self._users.get(uid)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            user = await self._chat(client, body).user(uid)
        except DeliveryError as exc:
            log.info(
                "users.info for %s failed (%s): acting without their facts",
                uid,
                exc.__class__.__name__,
            )
            return None
        if len(self._users) >= USER_CACHE:
            self._users.clear()
        self._users[uid] = (now + USER_TTL, user)
        return user

    async def _user_groups(
        self, client: AsyncWebClient, installed: str, team: str
    ) -> dict[str, frozenset[str]]:
        """Each person's user groups in workspace ``team`` (of the installation ``installed``,
        a workspace or an Enterprise Grid org), by the groups' names and handles (one
        usergroups.list call, cached a few minutes); empty where Slack won't say (a workspace on
        a plan without user groups, an install without the usergroups:read scope). The call
        names the workspace, as an org-wide install's token must (a workspace's ignores it)."""
        now = time.monotonic()
        cached = self._groups.get(team)
        if cached is not None and cached[0] > now:
            return cached[1]
        held: dict[str, set[str]] = {}
        try:
            listed = await self._chat(client, {"team_id": installed}).call(
                "usergroups.list",
                lambda client: client.usergroups_list(include_users=True, team_id=team),
            )
        except DeliveryError as exc:
            log.info("usergroups.list failed (%s): no user group roles", exc.__class__.__name__)
        else:
            for group in listed.get("usergroups") or []:
                names = {str(group.get("name") or ""), str(group.get("handle") or "")} - {""}
                for uid in group.get("users") or []:
                    held.setdefault(str(uid), set()).update(names)
        found = {uid: frozenset(names) for uid, names in held.items()}
        self._groups[team] = (now + USER_TTL, found)
        return found

    async def _member(self, client: AsyncWebClient, uid: str, where: Where) -> MemberInfo:
        """The person's facts and team, with the token of the workspace the event came from;
        in a channel shared with other organisations, their organisation too."""
        community = await self.core.community(where)
        workspace = community.workspace if community is not None else where.workspace
        chat = self._chat(client, {"team_id": workspace})
        ours = community is not None and community.channel == where.channel
        shared = await chat.organisations.shared(where.channel) if ours else False
        return await chat.member(uid, shared=shared)

    def _chat(self, client: AsyncWebClient, body: Body) -> SlackChat:
        """The Chat of the request's workspace, with its token: its calls keep to the rate limits
        every process and the sender share (a 429 here holds the method for all of them)."""
        token = client.token or ""
        team = translate.team_of(body)
        chat = self._chats.get((token, team))
        if chat is None:
            chat = SlackChat(
                token,
                api_url=str(client.base_url),
                team_field=self.settings.slack_team_field,
                workspace=team,
                limits=self.core.limits,
                tier_scale=self.tier_scale,
                marketplace=self.settings.slack_marketplace,
            )
            self._chats[(token, team)] = chat
        return chat


async def _discard(call: Awaitable[Any]) -> None:
    await call


def build_app(
    settings: Settings,
    core: Core,
    *,
    socket_mode: bool = False,
    oauth_settings: AsyncOAuthSettings | None = None,
    tier_scale: float = 1.0,
) -> AsyncApp:
    """The Bolt app with Bridgework's listeners, on ``SLACK_API_URL``; ``tier_scale`` shortens
    the windows of Slack's limits that its calls keep to, for a sped-up fake."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )
    app = AsyncApp(
        client=web_client(None if oauth_settings else token, settings.slack_api_url),
        signing_secret=secret,
        request_verification_enabled=not socket_mode,
        oauth_settings=oauth_settings,
        installation_store_bot_only=True if oauth_settings else None,
        process_before_response=True,
        logger=bolt_logger(),
    )
    store = oauth_settings.installation_store if oauth_settings else None
    listeners = Listeners(core, settings, store, tier_scale=tier_scale)
    app.command(COMMAND)(listeners.on_command)
    app.action(re.compile(r"^" + re.escape(render.ACTION_PREFIX)))(listeners.on_button)
    app.view_submission(re.compile(r".+"))(listeners.on_submission)
    app.event("member_joined_channel")(listeners.on_member_joined)
    app.event("member_left_channel")(listeners.on_member_left)
    app.event("app_home_opened")(listeners.on_home_opened)
    app.event("message")(listeners.on_message)
    app.event("app_uninstalled")(listeners.on_uninstalled)
    app.event("tokens_revoked")(listeners.on_tokens_revoked)
    app.event(re.compile(r"^team_access_(revoked|granted)$"))(listeners.on_team_access)
    return app
