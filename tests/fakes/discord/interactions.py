"""INTERACTION_CREATE payloads as Discord's documentation shows them: a slash command, a button
press on a message, a modal submitted."""

from __future__ import annotations

from typing import Any

from tests.fakes.discord.world import (
    DM,
    MEMBER_PERMISSIONS,
    Channel,
    Guild,
    JsonObject,
    Member,
    Role,
    User,
    World,
)

APPLICATION_COMMAND, MESSAGE_COMPONENT, MODAL_SUBMIT = 2, 3, 5
SUB_COMMAND, STRING, USER, CHANNEL, ROLE = 1, 3, 6, 7, 8
EPHEMERAL = 1 << 6


def _base(
    world: World, kind: int, user: User, guild: Guild | None, channel: Channel, token: str
) -> JsonObject:
    data: JsonObject = {
        "id": world.ids.next(),
        "application_id": world.application_id,
        "type": kind,
        "channel_id": channel.id,
        "channel": channel.payload(),
        "token": token,
        "version": 1,
        "app_permissions": str(world.bot_permissions(channel)),
        "locale": "en-GB",
        "entitlements": [],
        "authorizing_integration_owners": {"0": guild.id} if guild else {"1": user.id},
        "context": 0 if guild else 1,
        "attachment_size_limit": 10485760,
    }
    if guild is not None and user.id in guild.members:
        member = guild.members[user.id]
        data["guild_id"] = guild.id
        data["guild_locale"] = "en-US"
        data["guild"] = {"id": guild.id, "locale": "en-US", "features": []}
        data["member"] = member.payload() | {"permissions": str(guild.permissions_of(user.id))}
    else:
        if guild is not None:
            data["guild_id"] = guild.id
        data["user"] = user.payload()
    return data


def slash_command(
    world: World,
    user: User,
    guild: Guild,
    channel: Channel,
    subcommand: str,
    options: dict[str, str | Channel | Member | Role] | None = None,
    *,
    token: str,
    command: str = "bridgework",
    command_id: str = "1",
) -> JsonObject:
    """``/<command> <subcommand> option:value …`` typed by ``user`` in ``channel``; a Channel,
    Member or Role value is a channel, user or role option, resolved as Discord resolves it
    (a user option's member without its ``user``, which comes under ``users``)."""
    data = _base(world, APPLICATION_COMMAND, user, guild, channel, token)
    sub: JsonObject = {"name": subcommand, "type": SUB_COMMAND}
    resolved: dict[str, dict[str, JsonObject]] = {}
    if options:
        sub["options"] = []
        for name, value in options.items():
            if isinstance(value, Channel):
                sub["options"].append({"name": name, "type": CHANNEL, "value": value.id})
                shown = value.payload() | {"permissions": str(MEMBER_PERMISSIONS)}
                resolved.setdefault("channels", {})[value.id] = shown
            elif isinstance(value, Member):
                person = value.user.id
                sub["options"].append({"name": name, "type": USER, "value": person})
                resolved.setdefault("users", {})[person] = value.user.payload()
                member = {k: v for k, v in value.payload().items() if k != "user"}
                member["permissions"] = str(guild.permissions_of(person))
                resolved.setdefault("members", {})[person] = member
            elif isinstance(value, Role):
                sub["options"].append({"name": name, "type": ROLE, "value": value.id})
                resolved.setdefault("roles", {})[value.id] = value.payload()
            else:
                sub["options"].append({"name": name, "type": STRING, "value": value})
    data["data"] = {
        "id": command_id,
        "name": command,
        "type": 1,
        "guild_id": guild.id,
        "options": [sub],
    }
    if resolved:
        data["data"]["resolved"] = resolved
    return data


def button_press(
    world: World,
    user: User,
    guild: Guild | None,
    channel: Channel,
    message: JsonObject,
    custom_id: str,
    *,
    token: str,
) -> JsonObject:
    """``user`` presses the button ``custom_id`` on ``message`` (as the fake stored it)."""
    data = _base(world, MESSAGE_COMPONENT, user, guild, channel, token)
    data["message"] = message
    data["data"] = {"custom_id": custom_id, "component_type": 2}
    if channel.type == DM:
        data.pop("guild_id", None)
    return data


def modal_submit(
    world: World,
    user: User,
    guild: Guild | None,
    channel: Channel,
    custom_id: str,
    values: dict[str, str],
    *,
    token: str,
) -> JsonObject:
    """``user`` submits the modal ``custom_id`` with a text input per value."""
    data = _base(world, MODAL_SUBMIT, user, guild, channel, token)
    rows: list[dict[str, Any]] = [
        {"type": 1, "components": [{"type": 4, "custom_id": name, "value": value}]}
        for name, value in values.items()
    ]
    data["data"] = {"custom_id": custom_id, "components": rows}
    if channel.type == DM:
        data.pop("guild_id", None)
    return data
