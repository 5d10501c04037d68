"""A local Discord for tests: REST (checked against Discord's OpenAPI spec, rate limited) and a
websocket gateway, on 127.0.0.1 and a random port. Nothing reaches the internet."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.discord import commands, interactions
from tests.fakes.discord.gateway import Gateway
from tests.fakes.discord.rest import API_PREFIX, Logged, Rest
from tests.fakes.discord.world import Channel, Guild, JsonObject, Member, Role, User, World

__all__ = ["CommandUnavailable", "FakeDiscord", "Logged", "World"]


class CommandUnavailable(Exception):
    """Discord would not let this person run this command: it is not registered in the guild,
    or not shown to them (its default permissions, or the server's overwrites)."""


@dataclass
class FakeDiscord:
    world: World = field(default_factory=World)
    token: str = field(default_factory=lambda: "fake." + secrets.token_urlsafe(24))
    rest: Rest = field(init=False)
    gateway: Gateway = field(init=False)
    _runner: web.AppRunner | None = None
    api_url: str = ""
    gateway_url: str = ""

    def __post_init__(self) -> None:
        self.rest = Rest(self.world, self.token)
        self.gateway = Gateway(self.world, self.token)

    async def start(self) -> None:
        app = web.Application()
        app.add_routes(self.rest.routes() + self.gateway.routes())
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = int(self._runner.addresses[0][1])
        self.api_url = f"http://127.0.0.1:{port}{API_PREFIX}"
        self.gateway_url = f"ws://127.0.0.1:{port}/gateway"
        self.rest.gateway_url = self.gateway.url = self.gateway_url

    async def stop(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def log(self) -> list[Logged]:
        return self.rest.log

    def requests(self, method: str, template: str) -> list[Logged]:
        return self.rest.requests(method, template)

    def messages_in(self, channel_id: str) -> list[JsonObject]:
        return [m for m in self.world.messages.values() if m["channel_id"] == channel_id]

    # Interactions: the fake sends them through the gateway and waits for the bot's answer.

    async def slash(
        self,
        user: User,
        guild: Guild,
        place: Channel,
        subcommand: str,
        /,
        **options: str | Channel | Member | Role,
    ) -> JsonObject:
        """``user`` types ``/<command> subcommand option:value …`` in ``place``, where
        ``<command>`` is the registered command that has ``subcommand``. Raises
        CommandUnavailable where Discord would not show that command to ``user``."""
        found = commands.with_subcommand(self.world.commands.get(guild.id, []), subcommand)
        if len(found) != 1:
            raise CommandUnavailable(f"{len(found)} registered commands have {subcommand!r}")
        command = found[0]
        if user.id in guild.members and not commands.may_use(self.world, guild, user.id, command):
            raise CommandUnavailable(f"/{command['name']} is not shown to {user.username}")
        payload = interactions.slash_command(
            self.world,
            user,
            guild,
            place,
            subcommand,
            dict(options),
            token=self._token_for(),
            command=str(command["name"]),
            command_id=str(command["id"]),
        )
        return await self._interact(payload)

    async def press(
        self,
        user: User,
        guild: Guild | None,
        channel: Channel,
        message: JsonObject,
        custom_id: str,
    ) -> JsonObject:
        payload = interactions.button_press(
            self.world, user, guild, channel, message, custom_id, token=self._token_for()
        )
        return await self._interact(payload)

    async def submit(
        self,
        user: User,
        guild: Guild | None,
        channel: Channel,
        custom_id: str,
        values: dict[str, str],
    ) -> JsonObject:
        payload = interactions.modal_submit(
            self.world, user, guild, channel, custom_id, values, token=self._token_for()
        )
        return await self._interact(payload)

    async def _interact(self, payload: JsonObject) -> JsonObject:
        self.rest.interaction_tokens[payload["id"]] = payload["token"]
        self.rest.interaction_channels[payload["id"]] = payload["channel_id"]
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return await self.rest.response_to(payload["id"])

    def reply_to(self, interaction_id: str) -> JsonObject:
        """The (ephemeral) message the bot answered an interaction with."""
        return self.rest.replies[interaction_id]

    def _token_for(self) -> str:
        return "interaction." + secrets.token_urlsafe(16)


def button_ids(message: JsonObject) -> dict[str, str]:
    """A message's buttons: label → custom_id."""
    found: dict[str, str] = {}
    for row in message.get("components", []):
        for component in row.get("components", []):
            if component.get("type") == 2:
                found[str(component.get("label"))] = str(component.get("custom_id"))
    return found


def reply_text(response: dict[str, Any]) -> str:
    """The text of an interaction answer: its content and its embeds' descriptions."""
    data = response.get("data") or {}
    parts = [data.get("content") or ""]
    parts.extend(str(e.get("description") or "") for e in data.get("embeds") or [])
    return "\n".join(p for p in parts if p)
