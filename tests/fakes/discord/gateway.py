"""The fake Discord's websocket gateway: HELLO, IDENTIFY → READY, one GUILD_CREATE per guild with
its roles, members and channels, heartbeat ACKs, member chunks, GUILD_DELETE and GUILD_CREATE as
the bot is removed from a guild and invited back, and dispatches a test injects.

Sharding as Discord does it: an IDENTIFY may carry ``shard: [id, count]``; that session gets the
guilds with ``(guild_id >> 22) % count == id`` and their events (direct messages go to shard 0).
A shard number out of range closes the socket with 4010; a session that would hold more than
``max_guilds_per_shard`` guilds (Discord: 2,500) with 4011, "Sharding required".

Messages as Discord's Gateway Intents say: a session gets MESSAGE_CREATE, _UPDATE and _DELETE in
a guild only with GUILD_MESSAGES, in a DM (no ``guild_id``) only with DIRECT_MESSAGES; without
MESSAGE_CONTENT, a guild message's content, embeds, attachments, components and poll come empty
(a DM's, one mentioning the bot, and the bot's own keep theirs)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.discord.world import JsonObject, World

DISPATCH, HEARTBEAT, IDENTIFY, REQUEST_MEMBERS, HELLO, HEARTBEAT_ACK = 0, 1, 2, 8, 10, 11
GUILD_MEMBERS_INTENT = 1 << 1
GUILD_MESSAGES, DIRECT_MESSAGES, MESSAGE_CONTENT = 1 << 9, 1 << 12, 1 << 15
MESSAGE_EVENTS = frozenset({"MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE"})
EMPTIED: JsonObject = {
    "content": "",
    "embeds": [],
    "attachments": [],
    "components": [],
    "poll": None,
}
DISALLOWED_INTENTS = 4014
AUTHENTICATION_FAILED = 4004
INVALID_SHARD, SHARDING_REQUIRED = 4010, 4011
MAX_GUILDS_PER_SHARD = 2500
CHUNK = 1000


@dataclass
class Gateway:
    world: World
    token: str
    url: str = ""
    identified: list[JsonObject] = field(default_factory=list)
    heartbeat_interval: int = 41250  # milliseconds, as Discord's HELLO says
    heartbeats: int = 0
    chunk_requests: int = 0
    max_guilds_per_shard: int = MAX_GUILDS_PER_SHARD
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _shards: dict[int, tuple[int, int]] = field(default_factory=dict)  # id(socket) → shard
    _intents: dict[int, int] = field(default_factory=dict)  # id(socket) → its IDENTIFY's intents
    _sequence: int = 0
    _ready: asyncio.Event = field(default_factory=asyncio.Event)

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/gateway", self._connect), web.get("/gateway/", self._connect)]

    async def wait_identified(self, timeout: float = 5.0) -> None:
        await asyncio.wait_for(self._ready.wait(), timeout)

    async def dispatch(self, event: str, data: JsonObject) -> None:
        """Send an event to the session of its guild's shard (op 0 with a sequence); a message
        event only to a session with its intents, and as they allow it to be seen."""
        for socket in list(self._sockets):
            if not self._holds(socket, data.get("guild_id")):
                continue
            shown: JsonObject | None = data
            if event in MESSAGE_EVENTS:
                shown = self._as_intents_allow(self._intents.get(id(socket), 0), data)
            if shown is not None:
                await self._send(socket, {"op": DISPATCH, "t": event, "d": shown})

    def _as_intents_allow(self, intents: int, data: JsonObject) -> JsonObject | None:
        """A message event as a session with ``intents`` gets it: not at all, or its content
        emptied (Discord's Gateway Intents and Message Content Intent)."""
        in_guild = data.get("guild_id") is not None
        if not intents & (GUILD_MESSAGES if in_guild else DIRECT_MESSAGES):
            return None
        bot = self.world.bot.id
        author = (data.get("author") or {}).get("id")
        mentioned = any(m.get("id") == bot for m in data.get("mentions") or [])
        if not in_guild or intents & MESSAGE_CONTENT or author == bot or mentioned:
            return data
        return data | {k: v for k, v in EMPTIED.items() if k in data}

    def shard_of(self, guild_id: str, count: int) -> int:
        return (int(guild_id) >> 22) % count

    def _holds(self, socket: web.WebSocketResponse, guild_id: object) -> bool:
        shard, count = self._shards.get(id(socket), (0, 1))
        if guild_id is None:
            return shard == 0
        return self.shard_of(str(guild_id), count) == shard

    async def remove_bot(self, guild_id: str) -> None:
        """The bot is removed from a guild: Discord sends GUILD_DELETE with the guild's id and
        no ``unavailable`` field (an outage sends ``unavailable: true`` instead)."""
        self.world.remove_bot(self.world.guilds[guild_id])
        await self._to_guilds_shard(guild_id, "GUILD_DELETE", {"id": guild_id})

    async def add_bot_back(self, guild_id: str) -> None:
        """The bot is invited again: GUILD_CREATE with the whole guild, as on joining."""
        guild = self.world.left[guild_id]
        self.world.add_bot_back(guild)
        await self._to_guilds_shard(guild_id, "GUILD_CREATE", guild.payload(self.world))

    async def _to_guilds_shard(self, guild_id: str, event: str, data: JsonObject) -> None:
        """An event about a guild itself (its id in ``id``), to the shard that holds it."""
        for socket in list(self._sockets):
            if self._holds(socket, guild_id):
                await self._send(socket, {"op": DISPATCH, "t": event, "d": data})

    async def close(self) -> None:
        for socket in list(self._sockets):
            await socket.close()

    async def _connect(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_str(
            json.dumps({"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval}})
        )
        self._sockets.append(socket)
        try:
            async for message in socket:
                if message.type is not WSMsgType.TEXT:
                    continue
                await self._receive(socket, json.loads(message.data))
        finally:
            self._sockets.remove(socket)
            self._shards.pop(id(socket), None)
            self._intents.pop(id(socket), None)
        return socket

    async def _receive(self, socket: web.WebSocketResponse, payload: JsonObject) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == HEARTBEAT:
            self.heartbeats += 1
            await socket.send_str(json.dumps({"op": HEARTBEAT_ACK}))
        elif op == IDENTIFY:
            await self._identify(socket, data or {})
        elif op == REQUEST_MEMBERS:
            await self._chunk(socket, data or {})

    async def _identify(self, socket: web.WebSocketResponse, data: JsonObject) -> None:
        if data.get("token") != self.token:
            await socket.close(code=AUTHENTICATION_FAILED, message=b"Authentication failed.")
            return
        if int(data.get("intents", 0)) & GUILD_MEMBERS_INTENT and not self.world.members_intent:
            await socket.close(code=DISALLOWED_INTENTS, message=b"Disallowed intent(s).")
            return
        shard, count = (int(n) for n in data.get("shard") or (0, 1))
        if not 0 <= shard < count:
            await socket.close(code=INVALID_SHARD, message=b"Invalid shard.")
            return
        guilds = [g for g in self.world.guilds.values() if self.shard_of(g.id, count) == shard]
        if len(guilds) > self.max_guilds_per_shard:
            await socket.close(code=SHARDING_REQUIRED, message=b"Sharding required.")
            return
        self._shards[id(socket)] = (shard, count)
        self._intents[id(socket)] = int(data.get("intents", 0))
        self.identified.append({k: v for k, v in data.items() if k != "token"})
        ready = {
            "v": 10,
            "user": self.world.bot.payload() | {"verified": True, "mfa_enabled": False},
            "guilds": [{"id": g.id, "unavailable": True} for g in guilds],
            "session_id": "fake-session",
            "resume_gateway_url": self.url,
            "application": {"id": self.world.application_id, "flags": 0},
            "user_settings": {},
            "relationships": [],
            "private_channels": [],
            "presences": [],
            "guild_join_requests": [],
        }
        if "shard" in data:
            ready["shard"] = [shard, count]
        await self._send(socket, {"op": DISPATCH, "t": "READY", "d": ready})
        for guild in guilds:
            payload = guild.payload(self.world)
            await self._send(socket, {"op": DISPATCH, "t": "GUILD_CREATE", "d": payload})
        self._ready.set()

    async def _chunk(self, socket: web.WebSocketResponse, data: JsonObject) -> None:
        """GUILD_MEMBERS_CHUNK events of at most 1000 members each, as Discord sends them."""
        self.chunk_requests += 1
        guild = self.world.guilds[str(data["guild_id"])]
        members = list(guild.members.values())
        parts = [members[i : i + CHUNK] for i in range(0, len(members), CHUNK)] or [[]]
        for index, part in enumerate(parts):
            chunk: dict[str, Any] = {
                "guild_id": guild.id,
                "members": [m.payload() for m in part],
                "chunk_index": index,
                "chunk_count": len(parts),
                "not_found": [],
            }
            if data.get("nonce"):
                chunk["nonce"] = data["nonce"]
            await self._send(socket, {"op": DISPATCH, "t": "GUILD_MEMBERS_CHUNK", "d": chunk})

    async def _send(self, socket: web.WebSocketResponse, payload: JsonObject) -> None:
        if payload["op"] == DISPATCH:
            self._sequence += 1
            payload["s"] = self._sequence
        await socket.send_str(json.dumps(payload))
