"""The fake Discord's REST API: each request checked against Discord's OpenAPI spec, logged,
rate limited as Discord does (429 + ``retry_after`` + X-RateLimit headers), and answered from
the :class:`~tests.fakes.discord.world.World`."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from tests.fakes.discord import commands
from tests.fakes.discord.limits import Limits
from tests.fakes.discord.spec import Operation, discord_spec
from tests.fakes.discord.world import (
    CREATE_PRIVATE_THREADS,
    DM,
    GUILD_TEXT,
    PRIVATE_THREAD,
    READ_MESSAGE_HISTORY,
    TIMESTAMP,
    VIEW_CHANNEL,
    Channel,
    JsonObject,
    World,
)

API_PREFIX = "/api/v10"
GATEWAY_GUILD_MEMBERS_LIMITED = 1 << 15
MAX_CONTENT = 2000  # for bots; the spec's 4000 is for people with Nitro


@dataclass(frozen=True)
class Logged:
    """One request as the fake received it, and its status."""

    method: str
    path: str
    template: str
    body: Any
    status: int
    files: int = 0
    at: float = field(default_factory=time.monotonic)  # when it arrived (the limits' clock)
    retry_after: float | None = None  # a 429's


class DiscordError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


Handler = Callable[[Operation, Any], Awaitable[Any]]


@dataclass
class Rest:
    world: World
    token: str
    limits: Limits = field(default_factory=Limits)
    log: list[Logged] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    invalid: int = 0  # 401, 403 and 429 answers (bar shared-scope 429s): Discord's ban counter
    unavailable: int = 0  # answer this many next requests with 503
    interaction_tokens: dict[str, str] = field(default_factory=dict)
    interaction_channels: dict[str, str] = field(default_factory=dict)
    responses: dict[str, JsonObject] = field(default_factory=dict)
    replies: dict[str, JsonObject] = field(default_factory=dict)  # the messages answers made
    follow_ups: dict[str, list[JsonObject]] = field(default_factory=dict)
    gateway_url: str = ""
    # What multipart requests uploaded, by the attachment url of the message they made.
    files: dict[str, bytes] = field(default_factory=dict)
    _uploading: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    _answered: asyncio.Condition = field(default_factory=asyncio.Condition)

    def routes(self) -> list[web.RouteDef]:
        return [web.route("*", API_PREFIX + "/{tail:.*}", self._serve)]

    def requests(self, method: str, template: str) -> list[Logged]:
        """The successful requests to one route, in order."""
        return [
            r for r in self.log if (r.method, r.template) == (method, template) and r.status < 300
        ]

    async def response_to(self, interaction_id: str, timeout: float = 5.0) -> JsonObject:
        """Wait for the bot's answer to an interaction (its callback body)."""
        async with self._answered:
            await asyncio.wait_for(
                self._answered.wait_for(lambda: interaction_id in self.responses), timeout
            )
        return self.responses[interaction_id]

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        operation = discord_spec().operation(request.method, path)
        if operation is None:
            self.violations.append(f"{request.method} {path}: not in the spec")
            return self._error(request, path, "?", None, DiscordError(404, 0, "404: Not Found"))
        body, parts = await _read_body(request)
        files = len(parts)
        checked = commands.for_spec(body) if operation.template.endswith("/commands") else body
        problems = discord_spec().check_body(operation, _media(request), checked)
        if problems:
            self.violations.extend(f"{request.method} {path}: {p}" for p in problems)
            error = DiscordError(400, 50035, "Invalid Form Body: " + "; ".join(problems))
            return self._error(request, path, operation.template, body, error)
        if not path.startswith(("/interactions/", "/webhooks/")):
            if request.headers.get("Authorization") != f"Bot {self.token}":
                error = DiscordError(401, 0, "401: Unauthorized")
                return self._error(request, path, operation.template, body, error)
        major = _major(operation.params)
        answer = self.limits.check(request.method, operation.template, major)
        headers = answer.headers
        if answer.retry_after is not None:
            self.log.append(
                Logged(
                    request.method,
                    path,
                    operation.template,
                    body,
                    429,
                    files,
                    retry_after=answer.retry_after,
                )
            )
            if answer.scope != "shared":  # Discord does not count a shared limit against you
                self.invalid += 1
            return _json(answer.body, status=429, headers=headers | {"Via": "1.1 google"})
        if self.unavailable > 0:
            self.unavailable -= 1
            error = DiscordError(503, 0, "503: Service Unavailable")
            return self._error(request, path, operation.template, body, error)
        if request.method == "GET":
            body = dict(request.query)  # a read's arguments are its query
        unmatched = _unmatched_attachments(body, parts)
        if unmatched:
            self.violations.append(f"{request.method} {path}: {unmatched}")
            error = DiscordError(400, 50035, f"Invalid Form Body: {unmatched}")
            return self._error(request, path, operation.template, body, error)
        self._uploading = parts
        try:
            result = await self._handle(operation, body)
        except DiscordError as error:
            return self._error(request, path, operation.template, body, error, headers)
        status = 204 if result is None else 200
        self.log.append(Logged(request.method, path, operation.template, body, status, files))
        if result is None:
            return web.Response(status=204, headers=headers)
        return _json(result, headers=headers)

    def _error(
        self,
        request: web.Request,
        path: str,
        template: str,
        body: Any,
        error: DiscordError,
        headers: dict[str, str] | None = None,
    ) -> web.Response:
        self.log.append(Logged(request.method, path, template, body, error.status))
        if error.status in (401, 403):
            self.invalid += 1
        payload = {"code": error.code, "message": error.message}
        return _json(payload, status=error.status, headers=headers)

    async def _handle(self, op: Operation, body: Any) -> Any:
        handler = self._handlers().get((op.method, op.template))
        if handler is None:
            raise DiscordError(404, 0, f"the fake does not implement {op.method} {op.template}")
        return await handler(op, body)

    def _handlers(self) -> dict[tuple[str, str], Handler]:
        return {
            ("GET", "/users/@me"): self._me,
            ("GET", "/oauth2/applications/@me"): self._application,
            ("GET", "/gateway/bot"): self._gateway,
            ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands"): self._commands,
            ("GET", "/guilds/{guild_id}/members/{user_id}"): self._member,
            ("GET", "/guilds/{guild_id}/roles"): self._roles,
            ("GET", "/channels/{channel_id}"): self._get_channel,
            ("POST", "/channels/{channel_id}/threads"): self._create_thread,
            ("GET", "/guilds/{guild_id}/threads/active"): self._active_threads,
            ("GET", "/channels/{channel_id}/thread-members"): self._thread_members,
            ("PUT", "/channels/{channel_id}/thread-members/{user_id}"): self._add_to_thread,
            ("POST", "/channels/{channel_id}/messages"): self._create_message,
            ("GET", "/channels/{channel_id}/messages"): self._list_messages,
            ("GET", "/channels/{channel_id}/messages/{message_id}"): self._get_message,
            ("PATCH", "/channels/{channel_id}/messages/{message_id}"): self._edit_message,
            ("POST", "/users/@me/channels"): self._open_dm,
            (
                "POST",
                "/interactions/{interaction_id}/{interaction_token}/callback",
            ): self._interaction_callback,
            ("POST", "/webhooks/{webhook_id}/{webhook_token}"): self._follow_up,
        }

    async def _me(self, op: Operation, body: Any) -> Any:
        return self.world.bot.payload() | {"verified": True, "mfa_enabled": False, "flags": 0}

    async def _application(self, op: Operation, body: Any) -> Any:
        owner = next(iter(self.world.users.values()))
        return {
            "id": self.world.application_id,
            "name": "Bridgework",
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": GATEWAY_GUILD_MEMBERS_LIMITED if self.world.members_intent else 0,
            "owner": owner.payload(),
            "team": None,
            "bot": self.world.bot.payload(),
        }

    async def _gateway(self, op: Operation, body: Any) -> Any:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        shards = self.world.recommended_shards
        return {"url": self.gateway_url, "shards": shards, "session_start_limit": limit}

    async def _commands(self, op: Operation, body: Any) -> Any:
        if op.params["application_id"] != self.world.application_id:
            raise DiscordError(403, 50001, "Missing Access")
        if op.params["guild_id"] not in self.world.guilds:
            raise DiscordError(404, 10004, "Unknown Guild")
        refused = commands.problems(body or [])
        if refused:
            self.violations.extend(f"PUT {op.template}: {p}" for p in refused)
            raise DiscordError(400, 50035, "Invalid Form Body: " + "; ".join(refused))
        kept = self.world.commands.get(op.params["guild_id"], [])
        ids = {(c["type"], c["name"]): c["id"] for c in kept}  # an overwrite keeps ids by name
        registered = []
        for command in body or []:
            kind = command.get("type") or 1
            allowed = command.get("default_member_permissions")
            registered.append(
                command
                | {
                    "id": ids.get((kind, command["name"])) or self.world.ids.next(),
                    "application_id": self.world.application_id,
                    "guild_id": op.params["guild_id"],
                    "version": self.world.ids.next(),
                    "type": kind,
                    "default_member_permissions": None if allowed is None else str(allowed),
                }
            )
        self.world.commands[op.params["guild_id"]] = registered
        return registered

    async def _member(self, op: Operation, body: Any) -> Any:
        guild = self.world.guilds.get(op.params["guild_id"])
        if guild is None:
            raise DiscordError(404, 10004, "Unknown Guild")
        member = guild.members.get(op.params["user_id"])
        if member is None:
            raise DiscordError(404, 10007, "Unknown Member")
        return member.payload()

    async def _roles(self, op: Operation, body: Any) -> Any:
        guild = self.world.guilds.get(op.params["guild_id"])
        if guild is None:
            raise DiscordError(404, 10004, "Unknown Guild")
        return [r.payload() for r in guild.roles]

    async def _get_channel(self, op: Operation, body: Any) -> Any:
        channel = self._channel(op.params["channel_id"])
        if channel.guild_id is not None and not self.world.bot_may(channel, VIEW_CHANNEL):
            raise DiscordError(403, 50001, "Missing Access")  # a channel the bot cannot see
        return channel.payload()

    def _channel(self, channel_id: str) -> Channel:
        channel = self.world.channels.get(channel_id)
        if channel is None:
            raise DiscordError(404, 10003, "Unknown Channel")
        return channel

    async def _create_thread(self, op: Operation, body: Any) -> Any:
        parent = self._channel(op.params["channel_id"])
        if parent.type != GUILD_TEXT or body.get("type") != PRIVATE_THREAD:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        if not self.world.bot_may(parent, VIEW_CHANNEL):
            raise DiscordError(403, 50001, "Missing Access")
        if not self.world.bot_may(parent, CREATE_PRIVATE_THREADS):
            raise DiscordError(403, 50013, "Missing Permissions")
        thread = Channel(
            self.world.ids.next(),
            PRIVATE_THREAD,
            body["name"],
            guild_id=parent.guild_id,
            parent_id=parent.id,
            owner_id=self.world.bot.id,
            members=[self.world.bot.id],
        )
        self.world.channels[thread.id] = thread
        return thread.payload()

    async def _active_threads(self, op: Operation, body: Any) -> Any:
        guild_id = op.params["guild_id"]
        found = [
            c
            for c in self.world.channels.values()
            if c.type == PRIVATE_THREAD and c.guild_id == guild_id
        ]
        me = self.world.bot.id
        return {
            "threads": [c.payload() for c in found],
            "members": [_thread_member(c.id, me) for c in found if me in c.members],
            "has_more": False,
        }

    async def _thread_members(self, op: Operation, body: Any) -> Any:
        thread = self._channel(op.params["channel_id"])
        if thread.type != PRIVATE_THREAD:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        return [_thread_member(thread.id, user) for user in thread.members]

    async def _add_to_thread(self, op: Operation, body: Any) -> Any:
        thread = self._channel(op.params["channel_id"])
        guild = self.world.guild_of(thread.id)
        if thread.type != PRIVATE_THREAD or guild is None:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        user_id = op.params["user_id"]
        if user_id not in guild.members:
            raise DiscordError(404, 10013, "Unknown User")
        if user_id not in thread.members:
            thread.members.append(user_id)
        return None

    async def _create_message(self, op: Operation, body: Any) -> Any:
        channel = self._channel(op.params["channel_id"])
        if channel.type == DM and not self.world.shares_a_guild(channel.recipients[0].id):
            raise DiscordError(403, 50007, "Cannot send messages to this user")  # no mutual server
        if channel.type == DM and channel.recipients[0].id in self.world.dms_closed:
            raise DiscordError(403, 50007, "Cannot send messages to this user")
        _check_message(body)
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            recent = self.world.now() - self.world.nonce_window
            for message in self.world.messages.values():
                if message["channel_id"] == channel.id and message.get("nonce") == nonce:
                    if self.world.created[message["id"]] >= recent:
                        return message  # a repeated nonce, within its window: the first message
        message = self._new_message(channel, body)
        self.world.posted(message)
        return message

    def _readable(self, channel_id: str) -> Channel:
        """A channel whose history the bot may read (VIEW_CHANNEL and READ_MESSAGE_HISTORY, a
        thread's from its parent)."""
        channel = self._channel(channel_id)
        where = self.world.channels.get(channel.parent_id or "", channel)
        if channel.guild_id is not None and not (
            self.world.bot_may(where, VIEW_CHANNEL)
            and self.world.bot_may(where, READ_MESSAGE_HISTORY)
        ):
            raise DiscordError(403, 50001, "Missing Access")
        return channel

    async def _get_message(self, op: Operation, body: Any) -> Any:
        channel = self._readable(op.params["channel_id"])
        message = self.world.messages.get(op.params["message_id"])
        if message is None or message["channel_id"] != channel.id:
            raise DiscordError(404, 10008, "Unknown Message")
        return _stored(message)

    async def _list_messages(self, op: Operation, query: Any) -> Any:
        """A channel's messages, newest first: ``limit`` (1–100, 50 by default) ``before`` an id."""
        channel = self._readable(op.params["channel_id"])
        limit = min(100, max(1, int(query.get("limit", 50))))
        before = int(query["before"]) if "before" in query else None
        found = [
            _stored(m)
            for m in self.world.messages.values()
            if m["channel_id"] == channel.id and (before is None or int(m["id"]) < before)
        ]
        return sorted(found, key=lambda m: int(m["id"]), reverse=True)[:limit]

    def _attachment(self, message_id: str, index: int, given: JsonObject) -> JsonObject:
        """An attachment as Discord stores it: the uploaded part ``files[id]``'s bytes, at a
        CDN url (kept in ``files``)."""
        filename, data = self._uploading.get(f"files[{given.get('id', index)}]", ("file", b""))
        filename = str(given.get("filename") or filename)
        url = f"https://cdn.invalid/{message_id}/{filename}"
        self.files[url] = data
        return {
            "id": str(given.get("id", index)),
            "filename": filename,
            "description": given.get("description"),
            "size": len(data),
            "url": url,
            "proxy_url": url,
        }

    def _new_message(self, channel: Channel, body: JsonObject) -> JsonObject:
        message_id = self.world.ids.next()
        nonce = body.get("nonce")
        message = {
            "id": message_id,
            "channel_id": channel.id,
            "author": self.world.bot.payload(),
            "content": body.get("content") or "",
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [
                self._attachment(message_id, index, a)
                for index, a in enumerate(body.get("attachments") or [])
            ],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": body.get("flags") or 0,
            "nonce": nonce,
        }
        if channel.guild_id is not None:
            message["guild_id"] = channel.guild_id
        return message

    async def _edit_message(self, op: Operation, body: Any) -> Any:
        message = self.world.messages.get(op.params["message_id"])
        if message is None or message["channel_id"] != op.params["channel_id"]:
            raise DiscordError(404, 10008, "Unknown Message")
        _check_message(body)
        for name in ("content", "embeds", "components"):
            if name in body:
                message[name] = body[name] if body[name] is not None else message[name]
        message["edited_timestamp"] = TIMESTAMP
        return message

    async def _open_dm(self, op: Operation, body: Any) -> Any:
        user = self.world.users.get(str(body.get("recipient_id")))
        if user is None:
            raise DiscordError(400, 50033, "Invalid Recipients")
        for channel in self.world.channels.values():
            if channel.type == DM and channel.recipients[0].id == user.id:
                return channel.payload()
        channel = Channel(self.world.ids.next(), DM, recipients=[user])
        self.world.channels[channel.id] = channel
        return channel.payload()

    async def _follow_up(self, op: Operation, body: Any) -> Any:
        """A follow-up message to an interaction (its webhook: application id and token)."""
        interaction = _interaction_of(op.params["webhook_token"], self.interaction_tokens)
        if op.params["webhook_id"] != self.world.application_id or interaction is None:
            raise DiscordError(404, 10015, "Unknown Webhook")
        if interaction not in self.responses:
            raise DiscordError(400, 40060, "The interaction has not been answered yet.")
        _check_message(body)
        channel = self._channel(self.interaction_channels[interaction])
        message = self._new_message(channel, body)
        self.follow_ups.setdefault(interaction, []).append(message)
        return message

    async def _interaction_callback(self, op: Operation, body: Any) -> Any:
        interaction_id = op.params["interaction_id"]
        if self.interaction_tokens.get(interaction_id) != op.params["interaction_token"]:
            raise DiscordError(404, 10062, "Unknown interaction")
        if interaction_id in self.responses:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        if body.get("type") == 4:
            _check_message(body.get("data") or {})
            channel = self._channel(self.interaction_channels[interaction_id])
            self.replies[interaction_id] = self._new_message(channel, body.get("data") or {})
        async with self._answered:
            self.responses[interaction_id] = body
            self._answered.notify_all()
        flags = (body.get("data") or {}).get("flags") or 0
        return {
            "interaction": {
                "id": interaction_id,
                "type": 2,
                "response_message_ephemeral": bool(flags & 64),
            }
        }


def _stored(message: JsonObject) -> JsonObject:
    """A message as Discord returns it when read back: its nonce is not kept."""
    return {k: v for k, v in message.items() if k != "nonce"}


def _major(params: dict[str, str]) -> str:
    """The top-level resource Discord limits a route per: a channel, a guild or a webhook."""
    if "webhook_id" in params:
        return params["webhook_id"] + "+" + params.get("webhook_token", "")
    return params.get("channel_id") or params.get("guild_id") or ""


def _interaction_of(token: str, tokens: dict[str, str]) -> str | None:
    return next((i for i, t in tokens.items() if t == token), None)


def _thread_member(thread_id: str, user_id: str) -> JsonObject:
    return {"id": thread_id, "user_id": user_id, "join_timestamp": TIMESTAMP, "flags": 0}


def _json(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON answer with Discord's bare ``application/json`` content type (discord.py checks)."""
    head = {"Content-Type": "application/json"} | (headers or {})
    return web.Response(body=json.dumps(data).encode(), status=status, headers=head)


def _check_message(body: JsonObject) -> None:
    """Discord's limits beyond the spec's: 2000 characters of content for bots, 25 buttons."""
    content = body.get("content") or ""
    if len(content) > MAX_CONTENT:
        raise DiscordError(
            400, 50035, "Invalid Form Body: content: Must be 2000 or fewer in length."
        )
    rows = body.get("components") or []
    if len(rows) > 5 or any(len(row.get("components", ())) > 5 for row in rows):
        raise DiscordError(400, 50035, "Invalid Form Body: components: too many")


def _media(request: web.Request) -> str:
    return request.content_type or "application/json"


async def _read_body(request: web.Request) -> tuple[Any, dict[str, tuple[str, bytes]]]:
    """The JSON body, and in a multipart request the file parts by name (``files[n]``):
    their filename and bytes."""
    if not request.can_read_body:
        return None, {}
    if request.content_type == "multipart/form-data":
        fields: dict[str, Any] = {}
        files: dict[str, tuple[str, bytes]] = {}
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue
            data = await part.read()
            if part.name == "payload_json":
                fields.update(json.loads(data))
            else:
                files[str(part.name)] = (part.filename or "", bytes(data))
        return fields, files
    raw = await request.read()
    return (json.loads(raw) if raw else None), {}


def _unmatched_attachments(body: Any, parts: dict[str, tuple[str, bytes]]) -> str:
    """What Discord refuses in a multipart body: a file part named other than ``files[n]``, or
    an attachment whose ``id`` names no uploaded part; "" when all match."""
    if not parts:
        return ""
    odd = [name for name in parts if not re.fullmatch(r"files\[\d+\]", name)]
    if odd:
        return f"file parts must be named files[n], not {odd}"
    given = (body or {}).get("attachments") or [] if isinstance(body, dict) else []
    missing = [a.get("id") for a in given if f"files[{a.get('id')}]" not in parts]
    return f"attachments {missing} name no uploaded file" if missing else ""
