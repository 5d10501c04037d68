"""An admin's changes to a community's settings."""

from __future__ import annotations

from bot.commands import WEEKDAYS, Set
from bot.messages import Message, Text
from bot.services.context import Context
from bot.texts import copy


async def apply_setting(ctx: Context, command: Set) -> Message:
    community = ctx.community
    shown = str(command.value)
    match command.setting:
        case "cadence":
            community.cadence = str(command.value)
        case "day":
            community.weekday = int(command.value)
            shown = WEEKDAYS[community.weekday].capitalize()
        case "time":
            community.local_time = str(command.value)
        case "timezone":
            community.timezone = str(command.value)
        case "group-size":
            community.group_size = int(command.value)
        case "half-life":
            community.half_life_weeks = int(command.value)
            shown = copy("set.weeks", weeks=community.half_life_weeks)
        case "llm":
            community.llm_enabled = command.value == "on"
        case "digest-channel":
            community.digest_channel = str(command.value) or None
            if community.digest_channel:
                shown = f"#{community.digest_channel}"
            else:
                shown = copy("set.digest_direct")
        case _:  # pragma: no cover - the parser admits no other setting
            raise ValueError(command.setting)
    return Text(copy("set.ok", setting=command.setting, value=shown))
