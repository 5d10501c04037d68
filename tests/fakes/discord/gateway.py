"""The fake Discord's websocket gateway: HELLO, IDENTIFY → READY, one GUILD_CREATE per guild with
its roles, members and channels, heartbeat ACKs, member chunks, and dispatches a test injects."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.discord.world import JsonObject, World

DISPATCH, HEARTBEAT, IDENTIFY, REQUEST_MEMBERS, HELLO, HEARTBEAT_ACK = 0, 1, 2, 8, 10, 11
GUILD_MEMBERS_INTENT = 1 << 1
DISALLOWED_INTENTS = 4014
AUTHENTICATION_FAILED = 4004
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
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _sequence: int = 0
    _ready: asyncio.Event = field(default_factory=asyncio.Event)

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/gateway", self._connect), web.get("/gateway/", self._connect)]

    async def wait_identified(self, timeout: float = 5.0) -> None:
        await asyncio.wait_for(self._ready.wait(), timeout)

    async def dispatch(self, event: str, data: JsonObject) -> None:
        """Send an event to every connected client, as Discord does (op 0 with a sequence)."""
        for socket in list(self._sockets):
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
        self.identified.append({k: v for k, v in data.items() if k != "token"})
        ready = {
            "v": 10,
            "user": self.world.bot.payload() | {"verified": True, "mfa_enabled": False},
            "guilds": [{"id": g, "unavailable": True} for g in self.world.guilds],
            "session_id": "fake-session",
            "resume_gateway_url": self.url,
            "application": {"id": self.world.application_id, "flags": 0},
            "user_settings": {},
            "relationships": [],
            "private_channels": [],
            "presences": [],
            "guild_join_requests": [],
        }
        await self._send(socket, {"op": DISPATCH, "t": "READY", "d": ready})
        for guild in self.world.guilds.values():
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
